// An S3-compatible server of a test's own: s3rver (npm) in a child process, over HTTP on
// 127.0.0.1, a free port, its objects in a scratch folder, one bucket made at start. Real HTTP
// and real signatures (s3rver's fixed keys), never a mock of the SDK. remove() stops it and
// deletes the folder.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from './service.js';

export interface S3Server {
  /** For AWS_ENDPOINT_URL_S3: `http://127.0.0.1:<port>`. */
  endpoint: string;
  bucket: string;
  /** The keys s3rver accepts (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY). */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Where s3rver keeps the bucket's objects. */
  dir: string;
  remove(): Promise<void>;
}

const bin = join(
  dirname(createRequire(import.meta.url).resolve('s3rver/package.json')),
  'bin',
  's3rver.js',
);

export async function s3Server(bucket = 'backprop-test'): Promise<S3Server> {
  const dir = mkdtempSync(join(tmpdir(), 'backprop-s3-'));
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const args = ['-d', dir, '-a', '127.0.0.1', '-p', String(port), '-s'];
  const child: ChildProcess = spawn(
    process.execPath,
    [bin, ...args, '--configure-bucket', bucket],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const remove = async () => {
    if (child.exitCode === null && child.signalCode === null)
      await new Promise((done) => child.once('exit', done).kill('SIGTERM'));
    rmSync(dir, { recursive: true, force: true });
  };
  // the bucket answers once s3rver has made it
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) break;
    const answer = await fetch(`${endpoint}/${bucket}`, { method: 'HEAD' }).catch(() => null);
    if (answer?.status === 200 || answer?.status === 403)
      return {
        endpoint,
        bucket,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
        dir,
        remove,
      };
    await new Promise((r) => setTimeout(r, 50));
  }
  await remove();
  throw new Error(`s3rver did not answer on ${endpoint}: ${stderr.trim()}`);
}
