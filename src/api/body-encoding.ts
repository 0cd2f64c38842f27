// An upload's content-encoding (issue 16): a body sent with `content-encoding: gzip` is
// decompressed as it arrives (zlib's streaming gunzip), and MAX_DATASET_BYTES counts the
// decompressed bytes, so a small body that inflates past it (a gzip bomb) is a 413 mid-stream
// with nothing kept. A body that is not valid gzip is a 400 naming it; another encoding (br,
// deflate, …) a 415 naming what is accepted. Used by POST /v1/datasets (its preParsing hook);
// other routes read bodies as they did. Not the parsing of the decompressed body.
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { AppError, ValidationError } from '../errors.js';

/** A decoded body; `receivedEncodedLength` is the bytes received (Fastify checks content-length against it). */
export type DecodedBody = Readable & { receivedEncodedLength?: number };

/**
 * `payload` as its `content-encoding` header says (none or `identity`: as it is; `gzip` or
 * `x-gzip`: decompressed as it is read, past `maxBytes` decompressed a 413); another encoding, or
 * a list of them, is a 415.
 */
export function decodedBody(
  payload: Readable,
  header: string | undefined,
  maxBytes: number,
): DecodedBody {
  const encoding = (header ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return payload;
  if (encoding === 'gzip' || encoding === 'x-gzip') return gunzipped(payload, maxBytes);
  throw new AppError(
    'unsupported_media_type',
    `content-encoding ${header} is not accepted here: send the body as it is or compressed with content-encoding: gzip`,
  );
}

function gunzipped(payload: Readable, maxBytes: number): DecodedBody {
  const gunzip = createGunzip();
  async function* decoded() {
    let bytes = 0;
    try {
      for await (const chunk of gunzip.iterator({ destroyOnReturn: false })) {
        bytes += (chunk as Buffer).length;
        if (bytes > maxBytes) {
          throw new AppError(
            'payload_too_large',
            `the body is larger than the limit of ${maxBytes} bytes (MAX_DATASET_BYTES), counted decompressed`,
          );
        }
        yield chunk as Buffer;
      }
    } catch (error) {
      throw asCorrupt(error);
    }
  }
  const body: DecodedBody = Readable.from(decoded(), { objectMode: false });
  body.receivedEncodedLength = 0;
  payload.on('data', (chunk: Buffer | string) => {
    body.receivedEncodedLength = (body.receivedEncodedLength ?? 0) + chunk.length;
  });
  // not pipeline(): it would destroy the request, and its socket, before the refusal is sent
  payload.on('error', (error) => gunzip.destroy(error));
  payload.pipe(gunzip);
  return body;
}

// zlib's errors (Z_DATA_ERROR: not gzip; Z_BUF_ERROR: cut short) as a refusal naming the body.
function asCorrupt(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('Z_')) return error;
  return new ValidationError([
    {
      path: '',
      message: `the body is not valid gzip (${(error as Error).message}) though content-encoding says gzip: send it gzip-compressed whole, or without content-encoding`,
    },
  ]);
}
