// A stored dataset's bytes, as one blob (issue 16): the magic `BPDS`, a version, a JSON head
// (the sections' names, types and lengths; a table's header and dictionaries), zeros to a
// multiple of 4, then each section's little-endian float32 or int32 values, in the head's order.
// Written as a stream of the arrays' own bytes (no copy), read as a stream into typed arrays
// sized once from the head, so a dataset of R × C values costs R × C × 4 bytes to load and no
// more (no JS numbers per row). Numeric rows: `inputs` and `labels` (class indices) or `targets`.
// A table: `codes` (EncodedTable's, column-major). Pure (no I/O): the caller has the stream.
import type { DataRows } from './dataset.js';
import type { EncodedTable } from './encoded-table.js';

const magic = Buffer.from('BPDS', 'latin1');
const version = 1;

type SectionType = 'f32' | 'i32';

interface Section {
  name: string;
  type: SectionType;
  /** Values (not bytes). */
  length: number;
}

export interface DatasetFileHead {
  kind: 'rows' | 'table';
  sections: Section[];
  /** A table's column names and dictionaries (EncodedTable's). */
  header?: string[];
  dictionaries?: string[][];
}

const bytesOf = (a: Float32Array | Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function frame(head: DatasetFileHead, arrays: (Float32Array | Int32Array)[]): Buffer[] {
  const json = Buffer.from(JSON.stringify(head), 'utf8');
  const start = Buffer.alloc(12);
  magic.copy(start, 0);
  start.writeUInt32LE(version, 4);
  start.writeUInt32LE(json.length, 8);
  const padding = Buffer.alloc((4 - ((12 + json.length) % 4)) % 4);
  return [start, json, padding, ...arrays.map(bytesOf)];
}

/** Numeric rows as the file's chunks (views of the arrays: do not change them meanwhile). */
export function rowsFile(data: DataRows): Buffer[] {
  const second = data.labels
    ? { name: 'labels', type: 'i32' as const, array: data.labels }
    : { name: 'targets', type: 'f32' as const, array: data.targets! };
  const sections = [
    { name: 'inputs', type: 'f32' as const, length: data.inputs.length },
    { name: second.name, type: second.type, length: second.array.length },
  ];
  return frame({ kind: 'rows', sections }, [data.inputs, second.array]);
}

/** An encoded table as the file's chunks. */
export function tableFile(table: EncodedTable): Buffer[] {
  const head: DatasetFileHead = {
    kind: 'table',
    sections: [{ name: 'codes', type: 'i32', length: table.codes.length }],
    header: table.header,
    dictionaries: table.dictionaries,
  };
  return frame(head, [table.codes]);
}

export interface DatasetFile {
  head: DatasetFileHead;
  arrays: Record<string, Float32Array | Int32Array>;
}

/**
 * Reads a dataset file from its chunks: the head, then each section straight into its typed
 * array (allocated once, from the head's lengths). Throws on a file that is not one, or is cut.
 */
export async function readDatasetFile(source: AsyncIterable<Uint8Array>): Promise<DatasetFile> {
  let pending: Buffer = Buffer.alloc(0);
  let head: DatasetFileHead | undefined;
  let dataStart = 0;
  const arrays: Record<string, Float32Array | Int32Array> = {};
  let targets: { bytes: Uint8Array; name: string }[] = [];
  let section = 0;
  let offset = 0; // bytes written into targets[section]

  const fill = (chunk: Uint8Array) => {
    let at = 0;
    while (at < chunk.length) {
      const target = targets[section];
      if (!target) throw new Error('dataset file: bytes past its last section');
      const n = Math.min(chunk.length - at, target.bytes.length - offset);
      target.bytes.set(chunk.subarray(at, at + n), offset);
      at += n;
      offset += n;
      if (offset === target.bytes.length) {
        section++;
        offset = 0;
        while (targets[section]?.bytes.length === 0) section++;
      }
    }
  };

  for await (const chunk of source) {
    if (head) {
      fill(chunk);
      continue;
    }
    pending = Buffer.concat([pending, chunk]);
    if (pending.length < 12) continue;
    if (!pending.subarray(0, 4).equals(magic)) throw new Error('not a dataset file (no BPDS)');
    if (pending.readUInt32LE(4) !== version)
      throw new Error(`dataset file version ${pending.readUInt32LE(4)} is not known`);
    const jsonLength = pending.readUInt32LE(8);
    dataStart = 12 + jsonLength + ((4 - ((12 + jsonLength) % 4)) % 4);
    if (pending.length < dataStart) continue;
    head = JSON.parse(pending.subarray(12, 12 + jsonLength).toString('utf8')) as DatasetFileHead;
    targets = head.sections.map(({ name, type, length }) => {
      const array = type === 'f32' ? new Float32Array(length) : new Int32Array(length);
      arrays[name] = array;
      return { name, bytes: new Uint8Array(array.buffer) };
    });
    // empty sections are complete as they are
    while (targets[section]?.bytes.length === 0) section++;
    const rest = pending.subarray(dataStart);
    pending = Buffer.alloc(0);
    fill(rest);
  }
  while (targets[section]?.bytes.length === 0) section++;
  if (!head || section < targets.length) throw new Error('dataset file: cut short');
  return { head, arrays };
}
