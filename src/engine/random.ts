// A small seeded PRNG (mulberry32) so that the same seed gives bit-identical weights, shuffles
// and generated data on every machine. Not for cryptography.

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Standard normal, by Box-Muller. */
  normal(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /**
   * The generator's position: createRandom(state()) continues the same sequence (for next and
   * int; a pending Box-Muller value is not part of it).
   */
  state(): number;
}

export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  let spare: number | undefined;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    normal() {
      if (spare !== undefined) {
        const s = spare;
        spare = undefined;
        return s;
      }
      let u = next();
      while (u === 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    int(n) {
      return Math.floor(next() * n);
    },
    state: () => state,
  };
}

/** A seed for a named sub-stream, so that e.g. init and shuffling never share a sequence. */
export function deriveSeed(seed: number, stream: number): number {
  let h = (seed ^ Math.imul(stream + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Fisher-Yates shuffle of `order` in place. */
export function shuffle(order: Uint32Array | Int32Array, random: Random): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
}
