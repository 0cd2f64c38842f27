// An upload's body read as it arrives, in slices of at most 16 KiB with a turn of the event loop
// between slices (so a large upload never holds the API for more than one slice's parse, issue
// 12), counted against MAX_DATASET_BYTES (a 413 mid-stream) and checked as UTF-8 (a 400 naming
// the line and byte, not text silently turned into U+FFFD). Not a parser: csv-stream.ts and
// ndjson-stream.ts read the slices.
import type { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { AppError, ValidationError } from '../errors.js';

// csv-parse read about 1 MB/s on a loaded 2-core machine (measured): ~16 ms a slice, the longest
// an upload holds up other requests
const sliceBytes = 16 * 1024;

export interface Slice {
  bytes: Buffer;
  /** The bytes decoded (a leading byte order mark dropped). */
  text: string;
}

/**
 * The body's slices; `path` names the body in a refusal ("csv", "ndjson"). The caller may stop
 * early (break): the request is left open, its answer still to come.
 */
export async function* utf8Slices(
  source: Readable,
  maxBytes: number,
  path: string,
): AsyncGenerator<Slice> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let bytes = 0;
  let lines = 1;
  for await (const chunk of source.iterator({ destroyOnReturn: false })) {
    const buffer: Buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (bytes + buffer.length > maxBytes) {
      throw new AppError(
        'payload_too_large',
        `the body is larger than the limit of ${maxBytes} bytes (MAX_DATASET_BYTES)`,
      );
    }
    for (let at = 0; at < buffer.length; at += sliceBytes) {
      const slice = buffer.subarray(at, at + sliceBytes);
      let text: string;
      try {
        text = decoder.decode(slice, { stream: true });
      } catch {
        throw notUtf8(path, slice, bytes + at, lines);
      }
      yield { bytes: slice, text };
      lines += newlines(slice);
      await nextTurn(); // other requests are served between slices
    }
    bytes += buffer.length;
  }
  try {
    decoder.decode();
  } catch {
    throw notUtf8(path, Buffer.alloc(0), bytes, lines);
  }
}

function newlines(bytes: Buffer): number {
  let n = 0;
  for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}

// The refusal, at the first byte of `slice` (which starts at `offset`, on line `line`) that does
// not decode: the shortest prefix a fresh decoder refuses, by bisection.
function notUtf8(path: string, slice: Buffer, offset: number, line: number): ValidationError {
  const refuses = (n: number) => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(slice.subarray(0, n), { stream: true });
      return false;
    } catch {
      return true;
    }
  };
  let [lo, hi] = [0, slice.length];
  if (refuses(hi)) {
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (refuses(mid)) hi = mid;
      else lo = mid;
    }
  } else hi = 0; // a sequence begun in the slice before, or cut off at the end
  const at = offset + Math.max(0, hi - 1);
  const where = `line ${line + newlines(slice.subarray(0, Math.max(0, hi - 1)))}, byte offset ${at}`;
  return new ValidationError([
    {
      path,
      message: `is not UTF-8 text (${where}): save or export the file as UTF-8`,
    },
  ]);
}
