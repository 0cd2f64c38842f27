// The element-wise kernels of the wasm module, as WAT text for scripts/wasm-kernels.ts: sigmoid,
// tanh, softmax and ReLU forward, the backward steps of the scalar ones, and the fused output
// gradient, on f32x4 vectors. On small networks these, not the matrix products,
// took most of an epoch (Math.exp and Math.tanh per element in JavaScript).
//
// exp(x) is Cephes' expf: x = k·ln 2 + r with |r| ≤ ln 2 / 2 (ln 2 split in two for an exact
// k·ln 2), e^r = 1 + r + r²·P(r) with a degree-5 P, then 2^k put in the exponent bits; x is
// clamped to [−87.3, 88.3] so 2^k stays a normal float (within 1–2 ulp of the true value).
// tanh is Eigen's rational approximation (below). sigmoid is 1 / (1 + e^{−x}). Elements past the last multiple of 4
// go through the same vector code one at a time, so every element gets the same arithmetic.

const f4 = (v: number) => `(v128.const f32x4 ${v} ${v} ${v} ${v})`;
const get = (name: string) => `(local.get $${name})`;
const set = (name: string, value: string) => `(local.set $${name} ${value})`;

/** a·b + c: mul and add, or one relaxed fused multiply-add. */
type Madd = (a: string, b: string, c: string) => string;

// $e = exp($x); uses $k $r $p.
function exp(madd: Madd): string {
  const poly = [
    1.98756915e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1,
    5.0000001201e-1,
  ];
  let p = f4(poly[0]!);
  for (const c of poly.slice(1)) p = madd(p, get('r'), f4(c));
  return [
    set('x', `(f32x4.min (f32x4.max ${get('x')} ${f4(-87.3)}) ${f4(88.3)})`),
    set('k', `(f32x4.nearest (f32x4.mul ${get('x')} ${f4(Math.LOG2E)}))`),
    set(
      'r',
      `(f32x4.sub (f32x4.sub ${get('x')} (f32x4.mul ${get('k')} ${f4(0.693359375)})) (f32x4.mul ${get('k')} ${f4(-2.1219444e-4)}))`,
    ),
    set('p', p),
    set(
      'e',
      `(f32x4.add ${madd(get('p'), `(f32x4.mul ${get('r')} ${get('r')})`, get('r'))} ${f4(1)})`,
    ),
    set(
      'e',
      `(f32x4.mul ${get('e')} (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s ${get('k')}) (v128.const i32x4 127 127 127 127)) (i32.const 23)))`,
    ),
  ].join('\n');
}

// $y = f($z) for one vector.
const bodies: Record<'sigmoid' | 'tanh', (madd: Madd) => string> = {
  sigmoid: (madd) =>
    [
      set('x', `(f32x4.neg ${get('z')})`),
      exp(madd),
      set('y', `(f32x4.div ${f4(1)} (f32x4.add ${f4(1)} ${get('e')}))`),
    ].join('\n'),
  // Eigen's float tanh: x clamped to ±7.905 (where tanh rounds to ±1), then an odd degree-13
  // over an even degree-6 polynomial in x; x itself below 0.0004. No exp, one division: about
  // twice as fast as 1 − 2 / (e^{2x} + 1), within 4e-7 relative.
  tanh: (madd) => {
    const numerator = [
      -2.76076847742355e-16, 2.00018790482477e-13, -8.60467152213735e-11, 5.12229709037114e-8,
      1.48572235717979e-5, 6.37261928875436e-4, 4.89352455891786e-3,
    ];
    const denominator = [
      1.19825839466702e-6, 1.18534705686654e-4, 2.268434632439e-3, 4.89352518554385e-3,
    ];
    const horner = (coefficients: number[]) => {
      let p = f4(coefficients[0]!);
      for (const c of coefficients.slice(1)) p = madd(p, get('s'), f4(c));
      return p;
    };
    return [
      set(
        'x',
        `(f32x4.min (f32x4.max ${get('z')} ${f4(-7.905311107635498)}) ${f4(7.905311107635498)})`,
      ),
      set('s', `(f32x4.mul ${get('x')} ${get('x')})`),
      set('p', `(f32x4.mul ${horner(numerator)} ${get('x')})`),
      set('y', `(f32x4.div ${get('p')} ${horner(denominator)})`),
      set(
        'y',
        `(v128.bitselect ${get('z')} ${get('y')} (f32x4.lt (f32x4.abs ${get('z')}) ${f4(0.0004)}))`,
      ),
    ].join('\n');
  },
};

const vectorLocals = ['z', 'y', 'x', 'k', 'r', 'p', 'e', 's']
  .map((n) => `(local $${n} v128)`)
  .join(' ');

// y[i] = f(z[i]) for i < n.
function elementwise(name: 'sigmoid' | 'tanh', madd: Madd): string {
  const body = bodies[name](madd);
  return `(func (export "${name}") (param $out i32) (param $in i32) (param $n i32)
  (local $o i32) (local $end i32) (local $end4 i32) ${vectorLocals}
  ${set('end', '(i32.shl (local.get $n) (i32.const 2))')}
  ${set('end4', '(i32.and (local.get $end) (i32.const -16))')}
  (block $done4 (loop $vec
    (br_if $done4 (i32.ge_u ${get('o')} ${get('end4')}))
    ${set('z', `(v128.load (i32.add ${get('in')} ${get('o')}))`)}
    ${body}
    (v128.store (i32.add ${get('out')} ${get('o')}) ${get('y')})
    ${set('o', `(i32.add ${get('o')} (i32.const 16))`)}
    (br $vec)))
  (block $done (loop $one
    (br_if $done (i32.ge_u ${get('o')} ${get('end')}))
    ${set('z', `(f32x4.splat (f32.load (i32.add ${get('in')} ${get('o')})))`)}
    ${body}
    (f32.store (i32.add ${get('out')} ${get('o')}) (f32x4.extract_lane 0 ${get('y')}))
    ${set('o', `(i32.add ${get('o')} (i32.const 4))`)}
    (br $one))))`;
}

// Each row of z (batch, width): y = e^{z − max} / Σ e^{z − max}.
function softmax(madd: Madd): string {
  const expOf = (load: string) => `${set('x', `(f32x4.sub ${load} ${get('m')})`)}\n${exp(madd)}`;
  return `(func (export "softmax") (param $out i32) (param $in i32) (param $batch i32) (param $width i32)
  (local $row i32) (local $o i32) (local $end i32) (local $end4 i32) (local $max f32) (local $sum f32)
  (local $m v128) (local $acc v128) ${vectorLocals}
  (block $rows (loop $nextRow
    (br_if $rows (i32.ge_u ${get('row')} ${get('batch')}))
    ;; the row's max
    ${set('o', `(i32.shl (i32.mul ${get('row')} ${get('width')}) (i32.const 2))`)}
    ${set('end', `(i32.add ${get('o')} (i32.shl ${get('width')} (i32.const 2)))`)}
    ${set('end4', `(i32.add ${get('o')} (i32.and (i32.shl ${get('width')} (i32.const 2)) (i32.const -16)))`)}
    ${set('max', `(f32.load (i32.add ${get('in')} ${get('o')}))`)}
    (block $m1 (loop $mx
      (br_if $m1 (i32.ge_u ${get('o')} ${get('end')}))
      ${set('max', `(f32.max ${get('max')} (f32.load (i32.add ${get('in')} ${get('o')})))`)}
      ${set('o', `(i32.add ${get('o')} (i32.const 4))`)}
      (br $mx)))
    ${set('m', `(f32x4.splat ${get('max')})`)}
    ;; e^{z − max}, stored, and summed
    ${set('o', `(i32.shl (i32.mul ${get('row')} ${get('width')}) (i32.const 2))`)}
    ${set('acc', f4(0))}
    (block $e4 (loop $ev
      (br_if $e4 (i32.ge_u ${get('o')} ${get('end4')}))
      ${expOf(`(v128.load (i32.add ${get('in')} ${get('o')}))`)}
      (v128.store (i32.add ${get('out')} ${get('o')}) ${get('e')})
      ${set('acc', `(f32x4.add ${get('acc')} ${get('e')})`)}
      ${set('o', `(i32.add ${get('o')} (i32.const 16))`)}
      (br $ev)))
    ${set('sum', `(f32.add (f32.add (f32x4.extract_lane 0 ${get('acc')}) (f32x4.extract_lane 1 ${get('acc')})) (f32.add (f32x4.extract_lane 2 ${get('acc')}) (f32x4.extract_lane 3 ${get('acc')})))`)}
    (block $e1 (loop $es
      (br_if $e1 (i32.ge_u ${get('o')} ${get('end')}))
      ${expOf(`(f32x4.splat (f32.load (i32.add ${get('in')} ${get('o')})))`)}
      (f32.store (i32.add ${get('out')} ${get('o')}) (f32x4.extract_lane 0 ${get('e')}))
      ${set('sum', `(f32.add ${get('sum')} (f32x4.extract_lane 0 ${get('e')}))`)}
      ${set('o', `(i32.add ${get('o')} (i32.const 4))`)}
      (br $es)))
    ;; divided by the sum
    ${set('o', `(i32.shl (i32.mul ${get('row')} ${get('width')}) (i32.const 2))`)}
    ${set('m', `(f32x4.splat ${get('sum')})`)}
    (block $d4 (loop $dv
      (br_if $d4 (i32.ge_u ${get('o')} ${get('end4')}))
      (v128.store (i32.add ${get('out')} ${get('o')}) (f32x4.div (v128.load (i32.add ${get('out')} ${get('o')})) ${get('m')}))
      ${set('o', `(i32.add ${get('o')} (i32.const 16))`)}
      (br $dv)))
    (block $d1 (loop $ds
      (br_if $d1 (i32.ge_u ${get('o')} ${get('end')}))
      (f32.store (i32.add ${get('out')} ${get('o')}) (f32.div (f32.load (i32.add ${get('out')} ${get('o')})) ${get('sum')}))
      ${set('o', `(i32.add ${get('o')} (i32.const 4))`)}
      (br $ds)))
    ${set('row', `(i32.add ${get('row')} (i32.const 1))`)}
    (br $nextRow))))`;
}

// out[i] = expr(inputs[i]…) for i < n, with `scalars` as f32 parameters after n.
function stream(
  name: string,
  inputs: string[],
  scalars: string[],
  expr: (at: Record<string, string>) => string,
): string {
  const vector = Object.fromEntries([
    ...inputs.map((i) => [i, `(v128.load (i32.add ${get(i)} ${get('o')}))`]),
    ...scalars.map((s) => [s, `(f32x4.splat ${get(s)})`]),
  ]);
  const one = Object.fromEntries([
    ...inputs.map((i) => [i, `(f32x4.splat (f32.load (i32.add ${get(i)} ${get('o')})))`]),
    ...scalars.map((s) => [s, `(f32x4.splat ${get(s)})`]),
  ]);
  return `(func (export "${name}") (param $out i32) ${inputs.map((i) => `(param $${i} i32)`).join(' ')} (param $n i32) ${scalars.map((s) => `(param $${s} f32)`).join(' ')}
  (local $o i32) (local $end i32) (local $end4 i32)
  ${set('end', '(i32.shl (local.get $n) (i32.const 2))')}
  ${set('end4', '(i32.and (local.get $end) (i32.const -16))')}
  (block $done4 (loop $vec
    (br_if $done4 (i32.ge_u ${get('o')} ${get('end4')}))
    (v128.store (i32.add ${get('out')} ${get('o')}) ${expr(vector)})
    ${set('o', `(i32.add ${get('o')} (i32.const 16))`)}
    (br $vec)))
  (block $done (loop $each
    (br_if $done (i32.ge_u ${get('o')} ${get('end')}))
    (f32.store (i32.add ${get('out')} ${get('o')}) (f32x4.extract_lane 0 ${expr(one)}))
    ${set('o', `(i32.add ${get('o')} (i32.const 4))`)}
    (br $each))))`;
}

// The cheap element-wise steps of the backward pass, and ReLU.
const streams = [
  stream('relu', ['z'], [], (v) => `(f32x4.max ${v.z} ${f4(0)})`),
  // ReLU'(0) = 1, as in activations.ts
  stream('reluBackward', ['dY', 'z'], [], (v) => `(v128.and ${v.dY} (f32x4.ge ${v.z} ${f4(0)}))`),
  stream(
    'tanhBackward',
    ['dY', 'y'],
    [],
    // 1 − y² as (1 − y)(1 + y): exact differences, where y² would cancel near |y| = 1
    (v) =>
      `(f32x4.mul ${v.dY} (f32x4.mul (f32x4.sub ${f4(1)} ${v.y}) (f32x4.add ${f4(1)} ${v.y})))`,
  ),
  stream(
    'sigmoidBackward',
    ['dY', 'y'],
    [],
    (v) => `(f32x4.mul (f32x4.mul ${v.dY} ${v.y}) (f32x4.sub ${f4(1)} ${v.y}))`,
  ),
  // plain gradient descent with L2 decay, in place: p −= lr · (g + decay · p)
  stream(
    'sgd',
    ['p', 'g'],
    ['lr', 'decay'],
    (v) =>
      `(f32x4.sub ${v.p} (f32x4.mul ${v.lr} (f32x4.add ${v.g} (f32x4.mul ${v.decay} ${v.p}))))`,
  ),
  // the fused output gradient of softmax + cross-entropy (and the like): scale · (y − d)
  stream(
    'scaledDifference',
    ['y', 'd'],
    ['scale'],
    (v) => `(f32x4.mul ${v.scale} (f32x4.sub ${v.y} ${v.d}))`,
  ),
];

// Rows order[from + r] of src (rows of `width` floats) copied to row r of dst, r < count: a
// shuffled mini-batch.
const gather = `(func (export "gather") (param $dst i32) (param $src i32) (param $order i32) (param $from i32) (param $count i32) (param $width i32)
  (local $r i32) (local $bytes i32)
  ${set('bytes', '(i32.shl (local.get $width) (i32.const 2))')}
  (block $done (loop $row
    (br_if $done (i32.ge_u ${get('r')} ${get('count')}))
    (memory.copy
      (i32.add ${get('dst')} (i32.mul ${get('r')} ${get('bytes')}))
      (i32.add ${get('src')} (i32.mul (i32.load (i32.add ${get('order')} (i32.shl (i32.add ${get('from')} ${get('r')}) (i32.const 2)))) ${get('bytes')}))
      ${get('bytes')})
    ${set('r', '(i32.add (local.get $r) (i32.const 1))')}
    (br $row))))`;

/** The element-wise functions, with relaxed fused multiply-add or plain mul and add. */
export function elementwiseFuncs(relaxed: boolean): string {
  const madd: Madd = relaxed
    ? (a, b, c) => `(f32x4.relaxed_madd ${a} ${b} ${c})`
    : (a, b, c) => `(f32x4.add (f32x4.mul ${a} ${b}) ${c})`;
  return [
    elementwise('sigmoid', madd),
    elementwise('tanh', madd),
    softmax(madd),
    ...streams,
    gather,
  ].join('\n');
}
