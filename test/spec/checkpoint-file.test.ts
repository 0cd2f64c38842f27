// The checkpoint file (issue 16): the arrays come back bit for bit (a NaN's payload, -0, the
// largest uint32), with and without best weights; the length is what the chunks add up to; and
// a changed byte, a cut file or a file of another kind is refused, never read as other numbers.
import { describe, expect, it } from 'vitest';
import {
  type CheckpointArrays,
  decodeCheckpointFile,
  encodeCheckpointFile,
} from '../../src/spec/checkpoint-file.js';

const floats = (values: number[]) => Float32Array.from(values);
const nanWithPayload = new Float32Array(new Uint32Array([0x7fc00123]).buffer)[0]!;

const arrays = (withBest: boolean): CheckpointArrays => ({
  order: Uint32Array.from([2, 0, 1, 4294967295]),
  params: { W: [floats([0.5, -0, 1e-40]), floats([3])], b: [floats([nanWithPayload]), floats([])] },
  slots: [floats([1, 2, 3]), floats([4])],
  best: withBest ? { W: [floats([7, 8, 9]), floats([10])], b: [floats([11]), floats([])] } : null,
});

function fileOf(a: CheckpointArrays): Uint8Array {
  const { chunks, bytes } = encodeCheckpointFile(a);
  const whole = Buffer.concat([...chunks]);
  expect(whole.length).toBe(bytes);
  return whole;
}

const bits = (a: Float32Array | Uint32Array) => Array.from(new Uint32Array(a.slice().buffer));

describe('the checkpoint file', () => {
  it('gives back every array bit for bit', () => {
    for (const withBest of [true, false]) {
      const original = arrays(withBest);
      const back = decodeCheckpointFile(fileOf(original));
      expect(back.order).toEqual(original.order);
      expect(back.params.W.map(bits)).toEqual(original.params.W.map(bits));
      expect(back.params.b.map(bits)).toEqual(original.params.b.map(bits));
      expect(back.slots.map(bits)).toEqual(original.slots.map(bits));
      expect(back.best?.W.map(bits)).toEqual(original.best?.W.map(bits));
      expect(back.best === null).toBe(!withBest);
    }
  });

  it('refuses a changed byte, a cut file and another kind of file', () => {
    const file = fileOf(arrays(true));
    const changed = Uint8Array.from(file);
    changed[file.length - 40]! ^= 1; // one bit of the last array
    expect(() => decodeCheckpointFile(changed)).toThrow(/checksum does not match/);
    expect(() => decodeCheckpointFile(file.subarray(0, file.length - 1))).toThrow(
      /bytes where its preamble promises/,
    );
    const other = Uint8Array.from(file);
    other[3] = 0x4d; // the model file's magic
    expect(() => decodeCheckpointFile(other)).toThrow(/magic bytes differ/);
  });
});
