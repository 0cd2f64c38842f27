// The blob store's contract: bytes kept by their SHA-256, put and got as streams, so no process
// holds a whole dataset or model. Two implementations honour it (file-blobs.ts, s3-blobs.ts);
// openBlobStore picks one from BLOB_URL. Not the metadata: which dataset or model owns a blob,
// and when a blob may be deleted, is Redis's business (src/store/*.ts), not this module's; a
// delete racing a put of the same content can remove what that put reported as already stored
// (created: false), so the owner must order the two (one reference count, one Lua step).
import { createHash } from 'node:crypto';
import { finished, type Readable, Transform, type TransformCallback } from 'node:stream';

/** What a put stored. */
export interface PutBlob {
  /** The key: the content's SHA-256, 64 lowercase hex digits. */
  sha256: string;
  bytes: number;
  /** false when the store already held this content (identical content is stored once). */
  created: boolean;
}

export interface PutOptions {
  /** The most bytes the content may have; past it the put stops and keeps nothing. */
  maxBytes?: number;
}

/** What the store knows of one blob. */
export interface BlobStat {
  bytes: number;
  /** When it was stored (a put of content already held does not change it). */
  modifiedAt: Date;
}

/** A store of immutable byte strings addressed by their SHA-256. */
export interface BlobStore {
  /** Where it keeps them, for logs: `file:///…` or `s3://bucket/prefix/`. */
  readonly location: string;
  /**
   * Streams `source` in, hashing and counting as it goes. Only whole content is ever kept: a
   * source that errors or ends early, or passes `maxBytes` (BlobTooLargeError), leaves nothing.
   * The source is read, never destroyed by a refusal: its owner closes or drains it.
   */
  put(source: Readable, options?: PutOptions): Promise<PutBlob>;
  /** The content as a stream, or null when no blob has this key. */
  get(sha256: string): Promise<Readable | null>;
  exists(sha256: string): Promise<boolean>;
  /** Its length and age (for the orphan sweep's grace), or null when no blob has this key. */
  stat(sha256: string): Promise<BlobStat | null>;
  /** Removes it; false when it was not there. */
  delete(sha256: string): Promise<boolean>;
  /** Every key held, in no particular order (for sweeps and the tests' "no orphans"). */
  list(): AsyncIterable<string>;
  /** Releases connections; the store is not used after. */
  close(): Promise<void>;
}

/** A put refused mid-stream: the content passed its limit. Nothing was kept. */
export class BlobTooLargeError extends Error {
  override name = 'BlobTooLargeError';
  constructor(
    /** The limit the put was given. */
    readonly maxBytes: number,
    /** The bytes read when it stopped (more than maxBytes; the whole may be larger still). */
    readonly bytesRead: number,
  ) {
    super(`the content passed its limit of ${maxBytes} bytes (read ${bytesRead} so far)`);
  }
}

const sha256Key = /^[0-9a-f]{64}$/;

/** Throws unless `key` is a SHA-256 in hex: no path or object key is ever made from anything else. */
export function checkKey(key: string): string {
  if (!sha256Key.test(key)) throw new TypeError(`not a blob key (64 lowercase hex digits): ${key}`);
  return key;
}

/** A pass-through that hashes and counts what flows through it, and fails past a limit. */
export class Meter extends Transform {
  readonly #hash = createHash('sha256');
  #bytes = 0;

  constructor(private readonly maxBytes = Number.POSITIVE_INFINITY) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.#bytes += chunk.length;
    if (this.#bytes > this.maxBytes) {
      done(new BlobTooLargeError(this.maxBytes, this.#bytes));
      return;
    }
    this.#hash.update(chunk);
    done(null, chunk);
  }

  /** After the stream ended: the key and the length of what passed. */
  result(): { sha256: string; bytes: number } {
    return { sha256: this.#hash.digest('hex'), bytes: this.#bytes };
  }
}

/**
 * `source` piped into a new Meter, which fails if the source does (an error, or a close before
 * its end). Unlike stream.pipeline, a failing meter leaves the source alone (unpiped, paused):
 * an HTTP request refused at its limit can still be answered.
 */
export function metered(source: Readable, maxBytes?: number): Meter {
  const meter = new Meter(maxBytes);
  const stopWatching = finished(source, { writable: false }, (error) => {
    if (error) meter.destroy(error);
  });
  meter.once('error', () => {
    stopWatching();
    source.unpipe(meter);
  });
  meter.once('finish', stopWatching);
  source.pipe(meter);
  return meter;
}
