// The predict routes' fast checks (src/api/fast-path.ts) against their zod schemas: a body a
// fast check accepts is one zod accepts and gives back unchanged, so skipping zod for it changes
// no answer; every body it refuses goes through zod as before (its 400s are pinned by the
// bad-input, hostile-input, models and protocols suites).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { fastCheckOf } from '../../src/api/fast-path.js';
import { inferRequestSchema } from '../../src/api/oip-tensors.js';
import { tfPredictRequestSchema } from '../../src/api/routes/tf-serving.js';
import { idParams, predictBodySchema } from '../../src/api/schemas.js';
import { plainMessages } from '../../src/spec/index.js';
import { mutated } from '../helpers/hostile-arbitrary.js';

const row = [5.1, 3.5, 1.4, 0.2];
const cases: [string, z.ZodType, unknown][] = [
  ['predict body', predictBodySchema, { inputs: [row, [6.7, 3, 5.2, 2.3]] }],
  [
    'OIP v2 infer body',
    inferRequestSchema,
    {
      id: '42',
      parameters: { a: 1 },
      inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: row, parameters: {} }],
      outputs: [{ name: 'output', parameters: {} }],
    },
  ],
  [
    'TF Serving body',
    tfPredictRequestSchema,
    { signature_name: 'serving_default', instances: [row] },
  ],
  ['TF Serving columnar body', tfPredictRequestSchema, { inputs: { input: [row] } }],
  ['model id parameter', idParams, { id: '01JD3Q4ZKX8M2N5P7R9T1V3W5Y' }],
];

describe('fast checks accept only what zod accepts unchanged', () => {
  for (const [name, schema, valid] of cases) {
    it(name, () => {
      const accepts = fastCheckOf(schema)!;
      expect(accepts(valid)).toBe(true);
      const seen = { accepted: 0, refused: 0 };
      fc.assert(
        fc.property(mutated(valid), (body) => {
          if (!accepts(body)) {
            seen.refused++;
            return;
          }
          seen.accepted++;
          const result = schema.safeParse(body, { error: plainMessages });
          expect(result.success).toBe(true);
          expect(result.data).toEqual(body);
        }),
        { numRuns: 3000, seed: 12 },
      );
      // both ways were taken: the property was not vacuous
      expect(seen.accepted).toBeGreaterThan(100);
      expect(seen.refused).toBeGreaterThan(100);
    });
  }
});
