// Writes the engine's WebAssembly SIMD kernels: generates their text (WAT) from the block
// shapes below, assembles it with wabt, and emits src/engine/kernels-wasm.generated.ts holding
// the module's bytes (base64), so the engine loads them with no file I/O. Run by `npm run build`.
//
// The three products of BACKPROP.md, on f32x4 vectors along the contiguous dimension, in
// register blocks sized to V8's 15 usable vector registers (8 accumulators or splats + loads):
//   forward         z = y Wᵀ + b      blocks of 2 rows × 4 units
//   backwardInput   dY = dZ W         blocks of 2 rows × 4 units
//   backwardParams  dW += dZᵀ y, db += Σ dZ   blocks of 2 units × 4 rows
// Remainders use the same code with a block of 1; the tail of a row that is not a multiple of 4
// is done in scalar f32.
import { writeFileSync } from 'node:fs';
import wabtInit from 'wabt';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const get = (name: string) => `(local.get $${name})`;
const set = (name: string, value: string) => `(local.set $${name} ${value})`;
const add = (a: string, b: string) => `(i32.add ${a} ${b})`;
const mul = (a: string, b: string) => `(i32.mul ${a} ${b})`;
const bytes = (a: string) => `(i32.shl ${a} (i32.const 2))`;
const c = (n: number) => `(i32.const ${n})`;

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

// Outer × inner grid of blocks: full blocks, then remainders of 1 in each direction.
function grid(
  outer: string,
  outerLimit: string,
  O: number,
  inner: string,
  innerLimit: string,
  I: number,
  block: (o: number, i: number) => string,
): string {
  const innerLoops = (o: number) =>
    `${set(inner, c(0))}
    ${stepLoop(inner, I, innerLimit, block(o, I))}
    ${I > 1 ? stepLoop(inner, 1, innerLimit, block(o, 1)) : ''}`;
  return `${set(outer, c(0))}
  ${stepLoop(outer, O, outerLimit, innerLoops(O))}
  ${O > 1 ? stepLoop(outer, 1, outerLimit, innerLoops(1)) : ''}`;
}

// acc + a·b: mul and add, or one relaxed fused multiply-add where the runtime has relaxed SIMD.
let relaxed = false;
// Whether the module imports a shared memory (for threads) or a plain one.
let shared = false;
const fma = (a: string, b: string, acc: string) =>
  relaxed ? `(f32x4.relaxed_madd ${a} ${b} ${acc})` : `(f32x4.add ${acc} (f32x4.mul ${a} ${b}))`;

const hsum = (v: string) =>
  `(f32.add (f32.add (f32x4.extract_lane 0 ${v}) (f32x4.extract_lane 1 ${v})) (f32.add (f32x4.extract_lane 2 ${v}) (f32x4.extract_lane 3 ${v})))`;

// z[r+a, j+b] = y[r+a,:] · W[j+b,:] + b[j+b]
function forwardBlock(R: number, C: number): string {
  const p = `f${R}${C}`;
  const lines: string[] = [];
  for (const a of range(R))
    lines.push(
      set(local(`${p}y${a}`, 'i32'), add(get('y'), bytes(mul(add(get('r'), c(a)), get('nIn'))))),
    );
  for (const b of range(C))
    lines.push(
      set(local(`${p}w${b}`, 'i32'), add(get('W'), bytes(mul(add(get('j'), c(b)), get('nIn'))))),
    );
  for (const a of range(R))
    for (const b of range(C))
      lines.push(set(local(`${p}v${a}${b}`, 'v128'), '(v128.const i32x4 0 0 0 0)'));
  lines.push(set('i', c(0)));
  const vec: string[] = [set('o', bytes(get('i')))];
  for (const a of range(R))
    vec.push(set(local(`${p}ly${a}`, 'v128'), `(v128.load ${add(get(`${p}y${a}`), get('o'))})`));
  for (const b of range(C)) {
    vec.push(set(local(`${p}lw`, 'v128'), `(v128.load ${add(get(`${p}w${b}`), get('o'))})`));
    for (const a of range(R))
      vec.push(set(`${p}v${a}${b}`, fma(get(`${p}ly${a}`), get(`${p}lw`), get(`${p}v${a}${b}`))));
  }
  lines.push(stepLoop('i', 4, get('nIn'), vec.join('\n')));
  for (const a of range(R))
    for (const b of range(C))
      lines.push(set(local(`${p}s${a}${b}`, 'f32'), hsum(get(`${p}v${a}${b}`))));
  const tail: string[] = [set('o', bytes(get('i')))];
  for (const a of range(R))
    for (const b of range(C))
      tail.push(
        set(
          `${p}s${a}${b}`,
          `(f32.add ${get(`${p}s${a}${b}`)} (f32.mul (f32.load ${add(get(`${p}y${a}`), get('o'))}) (f32.load ${add(get(`${p}w${b}`), get('o'))})))`,
        ),
      );
  lines.push(stepLoop('i', 1, get('nIn'), tail.join('\n')));
  for (const a of range(R))
    for (const b of range(C)) {
      const at = add(
        get('z'),
        bytes(add(mul(add(get('r'), c(a)), get('nOut')), add(get('j'), c(b)))),
      );
      lines.push(
        `(f32.store ${at} (f32.add ${get(`${p}s${a}${b}`)} (f32.load ${add(get('b'), bytes(add(get('j'), c(b))))})))`,
      );
    }
  return lines.join('\n');
}

// dY[r+a, :] += Σ_b dZ[r+a, j+b] W[j+b, :]   (dY zeroed first)
function backwardInputBlock(R: number, C: number): string {
  const p = `i${R}${C}`;
  const lines: string[] = [];
  for (const a of range(R))
    lines.push(
      set(local(`${p}d${a}`, 'i32'), add(get('dY'), bytes(mul(add(get('r'), c(a)), get('nIn'))))),
    );
  for (const b of range(C))
    lines.push(
      set(local(`${p}w${b}`, 'i32'), add(get('W'), bytes(mul(add(get('j'), c(b)), get('nIn'))))),
    );
  for (const a of range(R))
    for (const b of range(C))
      lines.push(
        set(
          local(`${p}g${a}${b}`, 'v128'),
          `(f32x4.splat (f32.load ${add(get('dZ'), bytes(add(mul(add(get('r'), c(a)), get('nOut')), add(get('j'), c(b)))))}))`,
        ),
      );
  lines.push(set('i', c(0)));
  const vec: string[] = [set('o', bytes(get('i')))];
  for (const b of range(C))
    vec.push(set(local(`${p}lw${b}`, 'v128'), `(v128.load ${add(get(`${p}w${b}`), get('o'))})`));
  for (const a of range(R)) {
    let sum = `(v128.load ${add(get(`${p}d${a}`), get('o'))})`;
    for (const b of range(C)) sum = fma(get(`${p}g${a}${b}`), get(`${p}lw${b}`), sum);
    vec.push(`(v128.store ${add(get(`${p}d${a}`), get('o'))} ${sum})`);
  }
  lines.push(stepLoop('i', 4, get('nIn'), vec.join('\n')));
  const tail: string[] = [set('o', bytes(get('i')))];
  for (const a of range(R)) {
    let sum = `(f32.load ${add(get(`${p}d${a}`), get('o'))})`;
    for (const b of range(C))
      sum = `(f32.add ${sum} (f32.mul (f32x4.extract_lane 0 ${get(`${p}g${a}${b}`)}) (f32.load ${add(get(`${p}w${b}`), get('o'))})))`;
    tail.push(`(f32.store ${add(get(`${p}d${a}`), get('o'))} ${sum})`);
  }
  lines.push(stepLoop('i', 1, get('nIn'), tail.join('\n')));
  return lines.join('\n');
}

// dW[j+b, :] += Σ_a dZ[r+a, j+b] y[r+a, :]
function backwardParamsBlock(C: number, R: number): string {
  const p = `p${C}${R}`;
  const lines: string[] = [];
  for (const b of range(C))
    lines.push(
      set(local(`${p}w${b}`, 'i32'), add(get('dW'), bytes(mul(add(get('j'), c(b)), get('nIn'))))),
    );
  for (const a of range(R))
    lines.push(
      set(local(`${p}y${a}`, 'i32'), add(get('y'), bytes(mul(add(get('r'), c(a)), get('nIn'))))),
    );
  for (const a of range(R))
    for (const b of range(C))
      lines.push(
        set(
          local(`${p}g${a}${b}`, 'v128'),
          `(f32x4.splat (f32.load ${add(get('dZ'), bytes(add(mul(add(get('r'), c(a)), get('nOut')), add(get('j'), c(b)))))}))`,
        ),
      );
  lines.push(set('i', c(0)));
  const vec: string[] = [set('o', bytes(get('i')))];
  for (const a of range(R))
    vec.push(set(local(`${p}ly${a}`, 'v128'), `(v128.load ${add(get(`${p}y${a}`), get('o'))})`));
  for (const b of range(C)) {
    let sum = `(v128.load ${add(get(`${p}w${b}`), get('o'))})`;
    for (const a of range(R)) sum = fma(get(`${p}g${a}${b}`), get(`${p}ly${a}`), sum);
    vec.push(`(v128.store ${add(get(`${p}w${b}`), get('o'))} ${sum})`);
  }
  lines.push(stepLoop('i', 4, get('nIn'), vec.join('\n')));
  const tail: string[] = [set('o', bytes(get('i')))];
  for (const b of range(C)) {
    let sum = `(f32.load ${add(get(`${p}w${b}`), get('o'))})`;
    for (const a of range(R))
      sum = `(f32.add ${sum} (f32.mul (f32x4.extract_lane 0 ${get(`${p}g${a}${b}`)}) (f32.load ${add(get(`${p}y${a}`), get('o'))})))`;
    tail.push(`(f32.store ${add(get(`${p}w${b}`), get('o'))} ${sum})`);
  }
  lines.push(stepLoop('i', 1, get('nIn'), tail.join('\n')));
  return lines.join('\n');
}

function func(name: string, params: string[], body: string): string {
  const declared = [...locals].map(([n, t]) => `(local $${n} ${t})`).join(' ');
  locals.clear();
  return `(func (export "${name}") ${params.map((p) => `(param $${p} i32)`).join(' ')}
    (local $r i32) (local $j i32) (local $i i32) (local $o i32) ${declared}
    ${body})`;
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
  const forward = grid('r', get('batch'), 2, 'j', get('nOut'), 4, forwardBlock);
  const f = func('forward', ['z', 'y', 'W', 'b', 'batch', 'nIn', 'nOut'], forward);
  const zero = `(memory.fill ${get('dY')} (i32.const 0) ${bytes(mul(get('batch'), get('nIn')))})`;
  const input = grid('r', get('batch'), 2, 'j', get('nOut'), 4, backwardInputBlock);
  const bi = func('backwardInput', ['dY', 'dZ', 'W', 'batch', 'nIn', 'nOut'], `${zero}\n${input}`);
  locals.set('s', 'f32');
  const bias = `${set('j', c(0))}
  ${stepLoop(
    'j',
    1,
    get('nOut'),
    `${set('s', '(f32.const 0)')}
    ${set('r', c(0))}
    ${stepLoop('r', 1, get('batch'), set('s', `(f32.add ${get('s')} (f32.load ${add(get('dZ'), bytes(add(mul(get('r'), get('nOut')), get('j'))))}))`))}
    (f32.store ${add(get('db'), bytes(get('j')))} (f32.add (f32.load ${add(get('db'), bytes(get('j')))}) ${get('s')}))`,
  )}`;
  const params = grid('j', get('nOut'), 2, 'r', get('batch'), 4, backwardParamsBlock);
  const bp = func(
    'backwardParams',
    ['dW', 'db', 'dZ', 'y', 'batch', 'nIn', 'nOut'],
    `${bias}\n${params}`,
  );
  const memory = shared ? '(memory 1 65536 shared)' : '(memory 1)';
  return `(module (import "env" "memory" ${memory})\n${f}\n${bi}\n${bp}\n${accumulateFunc()})`;
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
