// Writes the engine's WebAssembly SIMD kernels: generates their text (WAT) from the tile shapes
// below, assembles it with wabt, and emits src/engine/kernels-wasm.generated.ts holding the
// module's bytes (base64), so the engine loads them with no file I/O. Run by `npm run build`.
//
// The three products of BACKPROP.md as register tiles sized to V8's 15 usable vector registers
// (a 16th spills and halves the speed). The kernels get no scratch memory, so nothing is packed:
//   backwardInput   dY = dZ W          outer products along nIn: each step of k splats one
//   backwardParams  dW += dZᵀ y        value of dZ per tile row and loads a row of W (or y),
//                                      so a tile of R rows × 4V columns is R·V accumulators
//   forward         z = y Wᵀ + b       both operands run along nIn: dot products, a tile of
//                                      R rows × C units is R·C accumulators, summed at the end
// Tiles are not unrolled along k (TurboFan would hoist the loads and spill), and the inner
// loops move pointers rather than recomputing base + index·stride. Remainders use smaller
// tiles of the same code: every height below R, one-vector then scalar columns.
import { writeFileSync } from 'node:fs';
import wabtInit from 'wabt';
import { elementwiseFuncs } from './wasm-elementwise.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const get = (name: string) => `(local.get $${name})`;
const set = (name: string, value: string) => `(local.set $${name} ${value})`;
const add = (a: string, b: string) => `(i32.add ${a} ${b})`;
const sub = (a: string, b: string) => `(i32.sub ${a} ${b})`;
const mul = (a: string, b: string) => `(i32.mul ${a} ${b})`;
const bytes = (a: string) => `(i32.shl ${a} (i32.const 2))`;
const c = (n: number) => `(i32.const ${n})`;
const bump = (name: string, by: string) => set(name, add(get(name), by));

let unique = 0;
const locals = new Map<string, string>();
function local(name: string, type: string): string {
  locals.set(name, type);
  return name;
}

// Loops `index` from its current value while index + step <= limit, running body.
function stepLoop(index: string, step: number, limit: string, body: string): string {
  const id = unique++;
  return `(block $out${id} (loop $top${id}
    (br_if $out${id} (i32.gt_s ${add(get(index), c(step))} ${limit}))
    ${body}
    ${set(index, add(get(index), c(step)))}
    (br $top${id})))`;
}

// Runs body at least once, and again while `again` holds.
function doWhile(body: string, again: string): string {
  const id = unique++;
  return `(loop $do${id}\n${body}\n(br_if $do${id} ${again}))`;
}

// Tiles of `step` along index < limit, then one tile of each smaller size for what is left.
function tiles(index: string, limit: string, step: number, tile: (size: number) => string) {
  const left = sub(limit, get(index));
  const remainders = range(step - 1).map(
    (s) => `(if (i32.eq ${left} ${c(s + 1)}) (then ${tile(s + 1)}))`,
  );
  return `${set(index, c(0))}\n${stepLoop(index, step, limit, tile(step))}\n${remainders.join('\n')}`;
}

// acc + a·b: mul and add, or one relaxed fused multiply-add where the runtime has relaxed SIMD.
let relaxed = false;
// Whether the module imports a shared memory (for threads) or a plain one.
let shared = false;
const fma = (a: string, b: string, acc: string) =>
  relaxed ? `(f32x4.relaxed_madd ${a} ${b} ${acc})` : `(f32x4.add ${acc} (f32x4.mul ${a} ${b}))`;

// A tile's lanes: f32x4 vectors, or single f32 for the last columns of a row.
type Lanes = 'v128' | 'f32';
const zero = (lanes: Lanes) => (lanes === 'v128' ? '(v128.const i32x4 0 0 0 0)' : '(f32.const 0)');
const load = (lanes: Lanes, at: string, offset = 0) => `(${lanes}.load offset=${offset} ${at})`;
const store = (lanes: Lanes, at: string, offset: number, value: string) =>
  `(${lanes}.store offset=${offset} ${at} ${value})`;
const splat = (lanes: Lanes, at: string, offset = 0) =>
  lanes === 'v128' ? `(v128.load32_splat offset=${offset} ${at})` : load('f32', at, offset);
const madd = (lanes: Lanes, a: string, b: string, acc: string) =>
  lanes === 'v128' ? fma(a, b, acc) : `(f32.add ${acc} (f32.mul ${a} ${b}))`;

// C (M × N) = or += A (M × K) B (K × N) with B's rows contiguous along N, as outer products:
// for each k, a tile of C takes one splat of A per row and one load of B per vector.
interface OuterProduct {
  M: string;
  N: string;
  /** bytes from one row of B to the next, and the span of all K rows of B */
  bStep: string;
  kBytes: string;
  /** A[m+a, 0] in bytes, and the step to A[m+a, k+1] */
  aStart(a: number): string;
  aStep: string;
  /** whether A's rows sit 4 bytes apart (A is stored transposed), so one pointer reaches all */
  aTransposed: boolean;
  /** A is all ones (no loads): C += column sums of B */
  ones?: boolean;
  bStart: string;
  cAddress(a: number): string;
  /** C += A B, or C = A B; or, given a condition, accumulate only where it holds */
  accumulate: boolean | string;
}

// A tile's starting value: zero, or what C holds.
function initial(op: OuterProduct, lanes: Lanes, at: string, offset: number): string {
  if (typeof op.accumulate === 'string')
    return `(select ${load(lanes, at, offset)} ${zero(lanes)} ${op.accumulate})`;
  return op.accumulate ? load(lanes, at, offset) : zero(lanes);
}

// One R × V tile at (row, col): R·V accumulators, V loads of B and one splat register.
function outerTile(op: OuterProduct, R: number, V: number, lanes: Lanes): string {
  const aPointer = (a: number) => local(op.aTransposed ? 'pa' : `pa${a}`, 'i32');
  const acc = (a: number, v: number) => local(`${lanes}acc${a}_${v}`, lanes);
  const lines: string[] = [];
  const aPointers = op.ones ? [] : op.aTransposed ? [0] : range(R);
  for (const a of aPointers) lines.push(set(aPointer(a), op.aStart(a)));
  lines.push(
    set(local('pb', 'i32'), op.bStart),
    set(local('pend', 'i32'), add(get('pb'), op.kBytes)),
  );
  for (const a of range(R))
    for (const v of range(V))
      lines.push(set(acc(a, v), initial(op, lanes, op.cAddress(a), 16 * v)));
  const step: string[] = [];
  for (const v of range(V))
    step.push(set(local(`${lanes}b${v}`, lanes), load(lanes, get('pb'), 16 * v)));
  for (const a of range(R)) {
    const at = op.aTransposed ? splat(lanes, get('pa'), 4 * a) : splat(lanes, get(`pa${a}`));
    if (!op.ones) step.push(set(local(`${lanes}s`, lanes), at));
    for (const v of range(V)) {
      const b = get(`${lanes}b${v}`);
      const sum = op.ones
        ? `(${lanes === 'v128' ? 'f32x4' : 'f32'}.add ${get(acc(a, v))} ${b})`
        : madd(lanes, get(`${lanes}s`), b, get(acc(a, v)));
      step.push(set(acc(a, v), sum));
    }
  }
  for (const a of aPointers) step.push(bump(aPointer(a), op.aStep));
  step.push(bump('pb', op.bStep));
  lines.push(doWhile(step.join('\n'), `(i32.ne ${get('pb')} ${get('pend')})`));
  for (const a of range(R)) {
    lines.push(set(local('pc', 'i32'), op.cAddress(a)));
    for (const v of range(V)) lines.push(store(lanes, get('pc'), 16 * v, get(acc(a, v))));
  }
  return lines.join('\n');
}

// The whole product: tiles of R rows by 4V columns, then narrower and shorter ones. Rows are
// the outer loop, so a tile row's A stays in L1 while B streams past (B-panel-major order was
// tried: faster only where W outgrows L2, which backwardInput's blocking handles instead).
function outerProduct(op: OuterProduct, R: number, V: number): string {
  const row = (h: number) => `${set('col', c(0))}
    ${stepLoop('col', 4 * V, op.N, outerTile(op, h, V, 'v128'))}
    ${V > 1 ? stepLoop('col', 4, op.N, outerTile(op, h, 1, 'v128')) : ''}
    ${stepLoop('col', 1, op.N, outerTile(op, h, 1, 'f32'))}`;
  return tiles('row', op.M, R, row);
}

// Σ of a vector's lanes as (v₀+v₂) + (v₁+v₃), the order reduce4 sums in: a row's outputs are
// then the same bits whichever tile it falls in (its place in the batch, the layer's width).
const hsum = (v: string) =>
  `(f32.add (f32.add (f32x4.extract_lane 0 ${v}) (f32x4.extract_lane 2 ${v})) (f32.add (f32x4.extract_lane 1 ${v}) (f32x4.extract_lane 3 ${v})))`;

// [Σ v0, Σ v1, Σ v2, Σ v3] in two rounds of pairwise shuffles and adds
const lanes = (...l: number[]) => l.flatMap((x) => range(4).map((i) => 4 * x + i)).join(' ');
function reduce4(v0: string, v1: string, v2: string, v3: string): string {
  const half = (x: string, y: string) =>
    `(f32x4.add (i8x16.shuffle ${lanes(0, 4, 1, 5)} ${x} ${y}) (i8x16.shuffle ${lanes(2, 6, 3, 7)} ${x} ${y}))`;
  const h01 = half(v0, v1); // [v0₀+v0₂ v1₀+v1₂ v0₁+v0₃ v1₁+v1₃]
  const h23 = half(v2, v3);
  return `(f32x4.add (i8x16.shuffle ${lanes(0, 1, 4, 5)} ${h01} ${h23}) (i8x16.shuffle ${lanes(2, 3, 6, 7)} ${h01} ${h23}))`;
}

// z[r+a, j+u] = y[r+a, :] · W[j+u, :] + b[j+u]: an R × C tile of dot products along nIn,
// R·C accumulators plus R rows of y and one row of W in registers.
function forwardTile(R: number, C: number): string {
  const py = (a: number) => local(`py${a}`, 'i32');
  const pw = (u: number) => local(`pw${u}`, 'i32');
  const acc = (a: number, u: number) => local(`facc${a}_${u}`, 'v128');
  const sum = (a: number, u: number) => local(`fsum${a}_${u}`, 'f32');
  const pointers = [...range(R).map(py), ...range(C).map(pw)];
  const lines: string[] = [];
  for (const a of range(R))
    lines.push(set(py(a), add(get('y'), mul(add(get('r'), c(a)), get('nInB')))));
  for (const u of range(C))
    lines.push(set(pw(u), add(get('W'), mul(add(get('j'), c(u)), get('nInB')))));
  for (const a of range(R)) for (const u of range(C)) lines.push(set(acc(a, u), zero('v128')));
  const step: string[] = [];
  for (const a of range(R)) step.push(set(local(`fy${a}`, 'v128'), load('v128', get(py(a)))));
  for (const u of range(C)) {
    step.push(set(local('fw', 'v128'), load('v128', get(pw(u)))));
    for (const a of range(R))
      step.push(set(acc(a, u), fma(get(`fy${a}`), get('fw'), get(acc(a, u)))));
  }
  for (const p of pointers) step.push(bump(p, c(16)));
  const id = unique++;
  lines.push(set(local('pend', 'i32'), add(get('py0'), get('nIn4B'))));
  lines.push(`(block $novec${id} (br_if $novec${id} (i32.eqz ${get('nIn4B')}))
    ${doWhile(step.join('\n'), `(i32.ne ${get('py0')} ${get('pend')})`)})`);
  // the last nIn mod 4 terms, one at a time, then into lane 0 of the accumulators
  const tail: string[] = [];
  for (const a of range(R))
    for (const u of range(C))
      tail.push(
        set(
          sum(a, u),
          madd('f32', load('f32', get(py(a))), load('f32', get(pw(u))), get(sum(a, u))),
        ),
      );
  for (const p of pointers) tail.push(bump(p, c(4)));
  const fold = range(R).flatMap((a) =>
    range(C).map((u) =>
      set(
        acc(a, u),
        `(f32x4.replace_lane 0 ${get(acc(a, u))} (f32.add (f32x4.extract_lane 0 ${get(acc(a, u))}) ${get(sum(a, u))}))`,
      ),
    ),
  );
  lines.push(set('pend', add(get('py0'), sub(get('nInB'), get('nIn4B')))));
  lines.push(`(block $notail${id} (br_if $notail${id} (i32.eq ${get('py0')} ${get('pend')}))
    ${range(R)
      .flatMap((a) => range(C).map((u) => set(sum(a, u), '(f32.const 0)')))
      .join('\n')}
    ${doWhile(tail.join('\n'), `(i32.ne ${get('py0')} ${get('pend')})`)}
    ${fold.join('\n')})`);
  const pb = add(get('b'), bytes(get('j')));
  const pz = (a: number) =>
    add(get('z'), bytes(add(mul(add(get('r'), c(a)), get('nOut')), get('j'))));
  if (C === 2 && R % 2 === 0) {
    // two rows × two units reduce together to one vector [z(a,0) z(a,1) z(a+1,0) z(a+1,1)]
    lines.push(set(local('fb', 'v128'), `(v128.load64_splat ${pb})`));
    for (let a = 0; a < R; a += 2) {
      const v = reduce4(get(acc(a, 0)), get(acc(a, 1)), get(acc(a + 1, 0)), get(acc(a + 1, 1)));
      lines.push(set(local('fz', 'v128'), `(f32x4.add ${v} ${get('fb')})`));
      lines.push(
        `(v128.store64_lane 0 ${pz(a)} ${get('fz')})`,
        `(v128.store64_lane 1 ${pz(a + 1)} ${get('fz')})`,
      );
    }
    return lines.join('\n');
  }
  for (const a of range(R)) {
    lines.push(set(local('pc', 'i32'), pz(a)));
    for (const u of range(C))
      lines.push(
        store(
          'f32',
          get('pc'),
          4 * u,
          `(f32.add ${hsum(get(acc(a, u)))} ${load('f32', pb, 4 * u)})`,
        ),
      );
  }
  return lines.join('\n');
}

function func(name: string, params: string[], body: string): string {
  const declared = [...locals].map(([n, t]) => `(local $${n} ${t})`).join(' ');
  locals.clear();
  return `(func (export "${name}") ${params.map((p) => `(param $${p} i32)`).join(' ')}
    (local $row i32) (local $col i32) (local $r i32) (local $j i32) (local $i i32) (local $o i32)
    (local $nInB i32) (local $nOutB i32) (local $nIn4B i32) ${declared}
    ${body})`;
}

const strides = `${set('nInB', bytes(get('nIn')))}
  ${set('nOutB', bytes(get('nOut')))}
  ${set('nIn4B', `(i32.and ${get('nInB')} (i32.const -16))`)}`;

// Tile shapes (rows × columns of the output), measured at the W1–W4 shapes (bench/kernels.ts).
// With mul and add each product needs a temporary register as well; fused multiply-add needs
// none, but the same tiles measured best for it too (larger ones spill: V8 hoists the splats).
//   forward: 4 rows × 2 units, 8 accumulators + 4 rows of y + 1 of W + temporary = 14;
//     2 units let two rows reduce together into one vector (reduce4). 2×5 and 3×3 measured
//     20% slower: each row of y or W read is a pointer to bump, and 2×5 needs 7.
//   backwardInput and backwardParams: 2 rows × 16 columns, 8 accumulators + 4 loads of B +
//     1 splat + temporary = 14; as fast as 4×8 on the large shapes, faster on nOut = 10
//     (which 2 divides), and backwardInput bumps a pointer per row of A.
const forwardShape = { rows: 4, units: 2 };
const outerShape = { rows: 2, vectors: 4 };

// y is (batch, nIn), W is (nOut, nIn), b is (nOut), z is (batch, nOut)
function forwardFunc(): string {
  const { rows: R, units: C } = forwardShape;
  const body = tiles('r', get('batch'), R, (h) =>
    tiles('j', get('nOut'), C, (w) => forwardTile(h, w)),
  );
  return func('forward', ['z', 'y', 'W', 'b', 'batch', 'nIn', 'nOut'], `${strides}\n${body}`);
}

// Runs body for k0 = 0, kMax, 2·kMax… < K with kc = min(kMax, K - k0) (kMax at least 1).
function kBlocks(K: string, kMax: string, body: string): string {
  return `${set(local('kMax', 'i32'), kMax)}
  ${set('kMax', `(select ${get('kMax')} (i32.const 1) ${get('kMax')})`)}
  ${set(local('k0', 'i32'), c(0))}
  ${doWhile(
    `${set(local('kc', 'i32'), sub(K, get('k0')))}
    ${set('kc', `(select ${get('kMax')} ${get('kc')} (i32.gt_u ${get('kc')} ${get('kMax')}))`)}
    ${body}
    ${bump('k0', get('kc'))}`,
    `(i32.lt_u ${get('k0')} ${K})`,
  )}`;
}

// dZ is (batch, nOut), W is (nOut, nIn), dY is (batch, nIn) and overwritten
function backwardInputFunc(): string {
  const op: OuterProduct = {
    M: get('batch'),
    N: get('nIn'),
    bStep: get('nInB'),
    kBytes: mul(get('kc'), get('nInB')),
    aStart: (a) => add(add(get('dZ'), bytes(get('k0'))), mul(add(get('row'), c(a)), get('nOutB'))),
    aStep: c(4),
    aTransposed: false,
    bStart: add(get('W'), add(mul(get('k0'), get('nInB')), bytes(get('col')))),
    cAddress: (a) => add(get('dY'), bytes(add(mul(add(get('row'), c(a)), get('nIn')), get('col')))),
    accumulate: `(i32.ne ${get('k0')} (i32.const 0))`,
  };
  // W is read once per row of tiles: in blocks of kc of its rows (256 KiB, half of L2) that
  // stay in L2 while every row of tiles passes over them, the first block storing dY and the
  // later ones adding to it
  const kMax = `(i32.div_u (i32.const ${256 * 1024}) ${get('nInB')})`;
  const body = kBlocks(get('nOut'), kMax, outerProduct(op, outerShape.rows, outerShape.vectors));
  return func('backwardInput', ['dY', 'dZ', 'W', 'batch', 'nIn', 'nOut'], `${strides}\n${body}`);
}

// dZ is (batch, nOut), y is (batch, nIn); dW (nOut, nIn) and db (nOut) accumulate
function backwardParamsFunc(): string {
  // dZᵀ's rows are dZ's columns: a tile's splats sit side by side at one pointer
  const op: OuterProduct = {
    M: get('nOut'),
    N: get('nIn'),
    bStep: get('nInB'),
    kBytes: mul(get('kc'), get('nInB')),
    aStart: () => add(add(get('dZ'), mul(get('k0'), get('nOutB'))), bytes(get('row'))),
    aStep: get('nOutB'),
    aTransposed: true,
    bStart: add(get('y'), add(mul(get('k0'), get('nInB')), bytes(get('col')))),
    cAddress: (a) => add(get('dW'), bytes(add(mul(add(get('row'), c(a)), get('nIn')), get('col')))),
    accumulate: true,
  };
  // A tile row's splats walk down dZ's columns, nOut floats apart: at nOut = 512 (2 KiB) those
  // lines share two L1 sets and are refetched for every column tile. Blocks of 16 batch rows
  // keep them in L1, for a load and store of each dW tile per block (20–30% faster on W1, W3).
  // db += 1ᵀ dZ: the same outer product with a single row of ones for A
  const bias: OuterProduct = {
    M: c(1),
    N: get('nOut'),
    bStep: get('nOutB'),
    kBytes: mul(get('batch'), get('nOutB')),
    aStart: () => c(0),
    aStep: c(0),
    aTransposed: true,
    ones: true,
    bStart: add(get('dZ'), bytes(get('col'))),
    cAddress: () => add(get('db'), bytes(get('col'))),
    accumulate: true,
  };
  const body = outerProduct(op, outerShape.rows, outerShape.vectors);
  return func(
    'backwardParams',
    ['dW', 'db', 'dZ', 'y', 'batch', 'nIn', 'nOut'],
    `${strides}\n${outerProduct(bias, 1, 4)}\n${kBlocks(get('batch'), c(16), body)}`,
  );
}

// dst[i] += src[i] for i < n: the fixed-order sum of per-thread gradients.
function accumulateFunc(): string {
  const vec = `(v128.store ${add(get('dst'), get('o'))} (f32x4.add (v128.load ${add(get('dst'), get('o'))}) (v128.load ${add(get('src'), get('o'))})))`;
  const scalar = `(f32.store ${add(get('dst'), get('o'))} (f32.add (f32.load ${add(get('dst'), get('o'))}) (f32.load ${add(get('src'), get('o'))})))`;
  return func(
    'accumulate',
    ['dst', 'src', 'n'],
    `${set('i', bytes(get('n')))}
    ${set('o', c(0))}
    ${stepLoop('o', 16, get('i'), vec)}
    ${stepLoop('o', 4, get('i'), scalar)}`,
  );
}

function module(): string {
  const memory = shared ? '(memory 1 65536 shared)' : '(memory 1)';
  return `(module (import "env" "memory" ${memory})
${forwardFunc()}
${backwardInputFunc()}
${backwardParamsFunc()}
${accumulateFunc()}
${elementwiseFuncs(relaxed)})`;
}
const wabt = await wabtInit();
function assemble(withRelaxed: boolean, withShared: boolean): Uint8Array {
  relaxed = withRelaxed;
  shared = withShared;
  const parsed = wabt.parseWat('kernels.wat', module(), {
    simd: true,
    bulk_memory: true,
    relaxed_simd: withRelaxed,
    threads: withShared,
  });
  // wabt.js's validator refuses shared memories whatever the features say: those modules are
  // checked by the runtime instead (Node 20 has threads but relaxed SIMD only behind a flag)
  if (!withShared) parsed.validate();
  const { buffer } = parsed.toBinary({});
  parsed.destroy();
  if (withShared && !withRelaxed && !WebAssembly.validate(buffer))
    throw new Error('the shared-memory kernels do not validate');
  return buffer;
}
const plain = assemble(false, false);
const fused = assemble(true, false);
const plainShared = assemble(false, true);
const fusedShared = assemble(true, true);
const out = new URL('../src/engine/kernels-wasm.generated.ts', import.meta.url);
const base64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
writeFileSync(
  out,
  `// Generated by scripts/wasm-kernels.ts (npm run build): do not edit.
/** SIMD kernels with f32x4 mul and add. */
export const kernelsWasmBase64 =
  '${base64(plain)}';
/** The same kernels with relaxed-SIMD fused multiply-add (Node 22+, or Node 20 behind a flag). */
export const kernelsRelaxedWasmBase64 =
  '${base64(fused)}';
/** kernelsWasmBase64 over a shared memory, for training on several threads. */
export const kernelsSharedWasmBase64 =
  '${base64(plainShared)}';
/** kernelsRelaxedWasmBase64 over a shared memory. */
export const kernelsRelaxedSharedWasmBase64 =
  '${base64(fusedShared)}';
`,
);
if (process.argv.includes('--wat')) process.stdout.write(module());
process.stderr.write(
  `wrote ${out.pathname}: ${plain.length} and ${fused.length} bytes of WebAssembly\n`,
);
