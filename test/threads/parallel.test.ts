// Data-parallel training on real worker threads sharing a wasm memory: one batch split across
// threads gives the reference gradients, training is bit-for-bit repeatable for a given thread
// count and agrees with one thread within float32 rounding.
import { afterEach, describe, expect, it } from 'vitest';
import {
  accuracyModeOf,
  createNetwork,
  createReplicaSet,
  createWasmArena,
  createWorkspace,
  defaultTrainOptions,
  fusablePair,
  parametersIn,
  shardOf,
  type TrainingData,
  train,
  typescriptKernels,
} from '../../src/engine/index.js';
import { type ClosableTeam, createThreadTeam } from '../../src/threads/team.js';
import { expectClose32, loadGradientCases } from '../helpers/fixtures.js';

const teams: ClosableTeam[] = [];
function team(helpers: number): ClosableTeam {
  const t = createThreadTeam(helpers);
  teams.push(t);
  return t;
}
afterEach(async () => {
  await Promise.all(teams.splice(0).map((t) => t.close()));
});

describe('the pieces', () => {
  it('shards cover a chunk exactly, in order, differing in size by at most one row', () => {
    for (const rows of [0, 1, 2, 5, 17, 128, 1797])
      for (const n of [1, 2, 3, 7]) {
        let next = 0;
        for (let r = 0; r < n; r++) {
          const [from, to] = shardOf(rows, r, n);
          expect(from).toBe(next);
          expect(to - from).toBeGreaterThanOrEqual(Math.floor(rows / n));
          expect(to - from).toBeLessThanOrEqual(Math.ceil(rows / n));
          next = to;
        }
        expect(next).toBe(rows);
      }
  });

  it('the wasm accumulate kernel adds as the TypeScript one does, on odd sizes', () => {
    for (const shared of [false, true]) {
      const arena = createWasmArena(1 << 12, { shared })!;
      for (const n of [1, 3, 4, 17, 129, 1000]) {
        const dst = arena.alloc(n);
        const src = arena.alloc(n);
        for (let i = 0; i < n; i++) {
          dst[i] = Math.sin(i) * 3;
          src[i] = Math.cos(i * 7) / 3;
        }
        const expected = dst.slice();
        typescriptKernels.accumulate(expected, src, n);
        arena.kernels.accumulate(dst, src, n);
        expect(Array.from(dst)).toEqual(Array.from(expected));
      }
    }
  });
});

describe('one batch split across threads gives the reference gradients', () => {
  for (const c of loadGradientCases()) {
    for (const threads of [2, 3]) {
      it(`${c.name} on ${threads} threads`, async () => {
        const T = c.inputs.length;
        const arena = createWasmArena(1 << 16, { shared: true })!;
        const params = parametersIn(arena, {
          W: c.weights.map((w) => Float32Array.from(w.W.flat())),
          b: c.weights.map((w) => Float32Array.from(w.b)),
        });
        const last = c.network.layers[c.network.layers.length - 1]!;
        const fuseOutput = fusablePair(last.activation, c.network.divergence);
        const network = createNetwork(c.network, params, { fuseOutput, kernels: arena.kernels });
        const ws = createWorkspace(network, Math.ceil(T / threads), arena);
        const x = arena.alloc(c.inputs.flat().length);
        x.set(c.inputs.flat());
        const d = arena.alloc(c.targets.flat().length);
        d.set(c.targets.flat());
        const t = team(threads - 1);
        const replicas = createReplicaSet(t, arena, network, ws, {
          features: c.network.inputSize,
          outputs: d.length / T,
          mode: accuracyModeOf(c.network.divergence),
        });
        expect(replicas.threads).toBe(threads);
        const { error } = replicas.chunk(x, d, T, true, 1 / T);
        replicas.reduce();
        replicas.close();
        expectClose32([error / T], [c.err], 'err');
        c.gradients.forEach((g, k) => {
          expectClose32(ws.dW[k]!, g.W.flat(), `gradients[${k}].W`);
          expectClose32(ws.db[k]!, g.b, `gradients[${k}].b`);
        });
        await t.close();
      });
    }
  }
});

// 300 rows of a noisy 3-class problem in 6 features.
function blobs(): TrainingData {
  const rows = 300;
  const inputs = new Float32Array(rows * 6);
  const targets = new Float32Array(rows * 3);
  for (let r = 0; r < rows; r++) {
    const k = r % 3;
    for (let i = 0; i < 6; i++)
      inputs[r * 6 + i] = Math.sin(r * 12.9898 + i * 78.233) + (i % 3 === k ? 1.5 : 0);
    targets[r * 3 + k] = 1;
  }
  return { rows, features: 6, outputs: 3, inputs, targets };
}

describe('training on threads', () => {
  const shape = {
    inputSize: 6,
    layers: [
      { units: 17, activation: 'tanh' as const },
      { units: 3, activation: 'softmax' as const },
    ],
    divergence: 'cross_entropy' as const,
  };
  const options = {
    ...defaultTrainOptions,
    epochs: 15,
    batchSize: 32,
    learningRate: 0.2,
    tolerance: 0,
    validationSplit: 0.2,
    seed: 11,
  };

  it('repeats bit for bit for a given thread count, and agrees with one thread', async () => {
    const one = train(shape, blobs(), options);
    expect(one.threads).toBe(1);
    const a = train(shape, blobs(), { ...options, threads: 2 }, { team: team(1) });
    const b = train(shape, blobs(), { ...options, threads: 2 }, { team: team(1) });
    expect(a.threads).toBe(2);
    expect(a.kernel).toBe(one.kernel);
    a.params.W.forEach((w, k) => expect(Array.from(b.params.W[k]!)).toEqual(Array.from(w)));
    a.params.b.forEach((v, k) => expect(Array.from(b.params.b[k]!)).toEqual(Array.from(v)));
    // the same sums in another order: equal up to float32 rounding
    a.params.W.forEach((w, k) => {
      const ref = one.params.W[k]!;
      for (let i = 0; i < w.length; i++) expect(w[i]).toBeCloseTo(ref[i]!, 3);
    });
    expect(a.final!.error).toBeCloseTo(one.final!.error, 4);
    expect(a.final!.validationError).toBeCloseTo(one.final!.validationError!, 4);
    expect(a.final!.accuracy).toBeGreaterThan(0.9);
  });

  it('runs more threads than rows in a batch, and full batches larger than a chunk', async () => {
    const small = train(
      shape,
      blobs(),
      { ...options, batchSize: 2, epochs: 2, threads: 3 },
      {
        team: team(2),
      },
    );
    const ref = train(shape, blobs(), { ...options, batchSize: 2, epochs: 2 });
    expect(small.threads).toBe(3);
    expect(small.final!.error).toBeCloseTo(ref.final!.error, 4);
    const full = train(
      shape,
      blobs(),
      { ...options, batchSize: 'full', epochs: 30, threads: 2 },
      {
        team: team(1),
      },
    );
    const fullRef = train(shape, blobs(), { ...options, batchSize: 'full', epochs: 30 });
    expect(full.final!.error).toBeCloseTo(fullRef.final!.error, 4);
  });

  it('a team serves run after run, also after one stopped part-way', async () => {
    const t = team(1);
    let batches = 0;
    const stopped = train(
      shape,
      blobs(),
      { ...options, threads: 2 },
      { team: t, shouldStop: () => ++batches > 20 },
    );
    expect(stopped.reason).toBe('stopped');
    const again = train(shape, blobs(), { ...options, threads: 2 }, { team: t });
    const fresh = train(shape, blobs(), { ...options, threads: 2 }, { team: team(1) });
    expect(again.reason).toBe('max_epochs');
    again.params.W.forEach((w, k) => expect(Array.from(w)).toEqual(Array.from(fresh.params.W[k]!)));
  });

  it('with the TypeScript kernels a team is left unused: one thread, and it says so', () => {
    const r = train(
      shape,
      blobs(),
      { ...options, epochs: 2, threads: 2 },
      {
        team: team(1),
        kernel: 'typescript',
      },
    );
    expect(r.threads).toBe(1);
    expect(r.kernel).toBe('typescript');
  });
});
