// A file POSTed as it is read, through node:http(s): a dataset of any size costs the command a
// chunk, not the file. (Node 20's fetch holds a streamed body's chunks: sending 256 MB through it
// took 340 MB; piped into http.request, 88 MB, most of it garbage V8 collects late.) An answer
// that comes before the file is sent (a 413 from the length told first) is the answer.
import { createReadStream, fstatSync, openSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';

/** A file to send as it is read: its size, and its bytes once (sendFile reads them). */
export interface FileBody {
  size: number;
  stream: Readable;
}

/**
 * Opens `path` to stream it, or gives why it cannot ('no such file', 'it is a folder', or the
 * error's code): a missing file is found before anything is sent.
 */
export function openFile(path: string): FileBody | string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    return whyNot(error);
  }
  const stats = fstatSync(fd);
  if (stats.isDirectory()) return whyNot({ code: 'EISDIR' });
  return { size: stats.size, stream: createReadStream('', { fd }) };
}

export function whyNot(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a folder';
  return String(code ?? error);
}

/**
 * POSTs `file` to `url` with `headers` (and its content-length): the status and text of the
 * answer. Rejects with the signal's TimeoutError after `timeoutMs`, or the connection's error.
 */
export function sendFile(
  url: string,
  file: FileBody,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<{ status: number; text: string }> {
  const signal = AbortSignal.timeout(timeoutMs);
  const client = new URL(url).protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    let answered = false;
    const fail = (error: unknown) => {
      file.stream.destroy();
      if (!answered) reject(signal.aborted ? signal.reason : error);
    };
    const request = client.request(url, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(file.size) },
      signal,
    });
    request.on('error', fail);
    request.on('response', (response) => {
      answered = true;
      file.stream.unpipe(request);
      file.stream.destroy();
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      response.on('error', (error) => reject(signal.aborted ? signal.reason : error));
    });
    file.stream.on('error', (error) => {
      request.destroy();
      fail(error);
    });
    file.stream.pipe(request);
  });
}
