// BLOB_URL opens the store it names (issue 16): a folder, the package's .data/blobs when empty, an
// S3 bucket through the standard AWS variables (here s3rver's keys, over HTTP); and the AWS SDK
// is loaded only by a process that opens an s3:// store, so no other process's stderr changes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultBlobDir, openBlobStore } from '../../src/store/blobs/index.js';
import { type S3Server, s3Server } from '../helpers/s3-server.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tsx = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;
const noS3 = { awsEndpointUrlS3: '', awsRegion: '' };

describe('openBlobStore', () => {
  let dir: string;
  let server: S3Server;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'backprop-blobs-'));
    server = await s3Server('opened-by-url');
  }, 30_000);
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await server?.remove();
  });

  it('opens the folder a file:// URL names, and .data/blobs of the package when empty', async () => {
    const store = await openBlobStore({ blobUrl: pathToFileURL(dir).href, ...noS3 });
    const { sha256 } = await store.put(Readable.from([Buffer.from('a,b\n1,2\n')]));
    expect(readdirSync(join(dir, sha256.slice(0, 2)))).toEqual([sha256]);
    expect(defaultBlobDir()).toBe(join(root, '.data', 'blobs'));
    const fallback = await openBlobStore({ blobUrl: '', ...noS3 });
    expect(fallback.location).toBe(`${pathToFileURL(defaultBlobDir()).href}`);
  });

  it('opens an s3:// bucket at AWS_ENDPOINT_URL_S3 with the keys of the standard variables', async () => {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
    process.env.AWS_ACCESS_KEY_ID = server.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = server.credentials.secretAccessKey;
    const store = await openBlobStore({
      blobUrl: `s3://${server.bucket}/tenants/blobs`,
      awsEndpointUrlS3: server.endpoint,
      awsRegion: 'eu-west-1',
    });
    expect(store.location).toBe(`s3://${server.bucket}/tenants/blobs/`);
    const put = await store.put(Readable.from([Buffer.from('x\n1\n')]));
    expect(put).toMatchObject({ bytes: 4, created: true });
    // path-style on s3rver's own folder: <bucket>/<prefix>sha256/<key>
    expect(readdirSync(join(server.dir, server.bucket, 'tenants', 'blobs', 'sha256'))).toEqual(
      [
        `${put.sha256}._S3rver_object`,
        `${put.sha256}._S3rver_object.md5`,
        `${put.sha256}._S3rver_metadata.json`,
      ].sort(),
    );
    await store.close();
  });

  it('loads the AWS SDK only for an s3:// store', () => {
    const script = (blobUrl: string) => `
      import { createRequire } from 'node:module';
      const { openBlobStore } = await import('./src/store/blobs/index.ts');
      const store = await openBlobStore({ blobUrl: ${JSON.stringify(blobUrl)}, awsEndpointUrlS3: 'http://127.0.0.1:9', awsRegion: '' });
      const loaded = Object.keys(createRequire(import.meta.url).cache).filter((p) => p.includes('@aws-sdk'));
      process.stdout.write(String(loaded.length));
      await store.close();`;
    const run = (blobUrl: string, silenced = '') =>
      spawnSync(process.execPath, ['--import', tsx, '--input-type=module', '-e', script(blobUrl)], {
        cwd: root,
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: silenced },
        encoding: 'utf8',
        timeout: 30_000,
      });
    const file = run(pathToFileURL(dir).href);
    expect(file.status).toBe(0);
    expect(file.stdout).toBe('0');
    expect(file.stderr).toBe('');
    const s3 = run('s3://some-bucket/blobs');
    expect(s3.status).toBe(0);
    expect(Number(s3.stdout)).toBeGreaterThan(0);
    // why it is loaded late: on Node 20 the SDK's client warns, unless the SDK's variable says not to
    if (Number(process.versions.node.split('.')[0]) < 22)
      expect(s3.stderr).toContain('NodeVersionSupportWarning');
    expect(run('s3://some-bucket/blobs', 'true').stderr).toBe('');
  });
});
