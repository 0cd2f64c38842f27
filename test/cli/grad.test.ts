// `backprop grad` prints the fixtures' own quantities: run it on every fixture and compare.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { expectClose32, loadGradientCases } from '../helpers/fixtures.js';

const fixtureDir = fileURLToPath(new URL('../fixtures/gradients/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'backprop-grad-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('backprop grad', () => {
  for (const c of loadGradientCases()) {
    it(c.name, () => {
      const r = runCli(['grad', `${fixtureDir}${c.name}.json`]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const out = JSON.parse(r.stdout);
      expectClose32(out.outputs.flat(), c.outputs.flat(), 'outputs');
      expectClose32([out.err], [c.err], 'err');
      c.gradients.forEach((g, k) => {
        expectClose32(out.gradients[k].W.flat(), g.W.flat(), `gradients[${k}].W`);
        expectClose32(out.gradients[k].b, g.b, `gradients[${k}].b`);
        expectClose32(out.gradZ[k].flat(), c.gradZ[k]!.flat(), `gradZ[${k}]`);
      });
    });
  }

  it('exits 2 when the weights do not fit the network', () => {
    const path = join(dir, 'bad.json');
    writeFileSync(
      path,
      JSON.stringify({
        network: { inputSize: 2, layers: [{ units: 2, activation: 'identity' }], divergence: 'l2' },
        weights: [
          {
            W: [
              [1, 2, 3],
              [4, 5, 6],
            ],
            b: [0, 0],
          },
        ],
        inputs: [[1, 2]],
        targets: [[0, 1, 2]],
      }),
    );
    const r = runCli(['grad', path]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(
      'weights.0.W: must be 2 rows of 2 numbers ([D_k][D_k-1]: one row per unit of layer 1)',
    );
    expect(r.stderr).toContain('targets: rows have 3 values but the network gives 2 outputs');
  });
});
