// docker-compose.yml's blob store, checked by reading (no Docker engine runs here): a MinIO
// service, a one-shot `minio/mc` service that makes the bucket BLOB_URL names, and the API and
// workers pointed at it with settings the service declares and loads, waiting for the bucket.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseBlobUrl } from '../../src/blob-url.js';
import { loadConfig } from '../../src/config.js';
import { settings } from '../../src/settings/index.js';

interface Service {
  image: string;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
}
const compose = parse(
  readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'),
) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const { services } = compose;

/** A value as compose gives it to the container with nothing set in the shell: `${A:-x}` is x. */
function interpolate(text: string, shell: Record<string, string> = {}): string {
  return text
    .replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_, name: string, op?: string, rest?: string) => {
      if (shell[name]) return shell[name];
      if (op === '?') throw new Error(`${name} must be set: ${rest}`);
      return op === '-' ? (rest ?? '') : '';
    })
    .replaceAll('$$', '$');
}
const environment = (service: Service, shell: Record<string, string> = {}) =>
  Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(String(v), shell)]),
  );

const someKeys = `acme:${'ab'.repeat(32)}`;
const settingNames = new Set(Object.values(settings).map((s) => s.env));
const sdkVariables = new Set(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);

describe('docker-compose.yml: MinIO as the blob store', () => {
  const minio = services.minio!;
  const bucketJob = services['minio-bucket']!;
  const port = /--address :(\d+)/.exec(minio.command!.join(' '))![1];

  it('runs MinIO with a volume and a healthcheck, and a one-shot mc once it is healthy', () => {
    expect(minio.image).toMatch(/^minio\/minio(:|$)/);
    expect(minio.command!.slice(0, 2)).toEqual(['server', '/data']);
    expect(minio.volumes).toEqual(['minio-data:/data']);
    expect(compose.volumes).toHaveProperty('minio-data');
    expect(bucketJob.image).toMatch(/^minio\/mc(:|$)/);
    expect(bucketJob.depends_on).toEqual({ minio: { condition: 'service_healthy' } });
  });

  for (const name of ['api', 'worker']) {
    describe(name, () => {
      const service = services[name]!;
      const env = environment(service, { API_KEYS: someKeys });

      it('takes only declared settings (and the AWS SDK credentials), and they load', () => {
        for (const variable of Object.keys(env))
          expect(settingNames.has(variable) || sdkVariables.has(variable), variable).toBe(true);
        const config = loadConfig(env);
        expect(config.blobUrl).toBe(env.BLOB_URL);
        expect(config.awsEndpointUrlS3).toBe(env.AWS_ENDPOINT_URL_S3);
      });

      it("keeps its bytes in the bucket minio-bucket makes, at MinIO's address, with its keys", () => {
        const blob = parseBlobUrl(env.BLOB_URL ?? '');
        if (typeof blob === 'string' || blob.kind !== 's3') throw new Error(`BLOB_URL: ${blob}`);
        expect(env.AWS_ENDPOINT_URL_S3).toBe(`http://minio:${port}`);
        const script = interpolate(bucketJob.entrypoint!.join(' '));
        expect(script).toContain(`mc alias set local ${env.AWS_ENDPOINT_URL_S3} `);
        expect(script).toMatch(new RegExp(`mc mb --ignore-existing local/${blob.bucket}( |$)`));
        // the lifecycle rule expires the prefix a killed put leaves behind
        const rules = JSON.parse(/echo '([^']*)' \| mc ilm import local\/(\S+)/.exec(script)![1]!);
        expect(/mc ilm import local\/(\S+)/.exec(script)![1]).toBe(blob.bucket);
        expect(rules.Rules[0].Filter.Prefix).toBe(`${blob.prefix}incoming/`);
        const root = environment(minio);
        expect(env.AWS_ACCESS_KEY_ID).toBe(root.MINIO_ROOT_USER);
        expect(env.AWS_SECRET_ACCESS_KEY).toBe(root.MINIO_ROOT_PASSWORD);
        expect(environment(bucketJob)).toEqual(root);
        // both follow a MINIO_ROOT_* set in the shell
        const shell = { MINIO_ROOT_USER: 'u', MINIO_ROOT_PASSWORD: 'p', API_KEYS: someKeys };
        expect(environment(service, shell).AWS_ACCESS_KEY_ID).toBe('u');
        expect(environment(minio, shell).MINIO_ROOT_PASSWORD).toBe('p');
      });

      it('starts once Redis is healthy and the bucket is made', () => {
        expect(service.depends_on).toEqual({
          redis: { condition: 'service_healthy' },
          'minio-bucket': { condition: 'service_completed_successfully' },
        });
      });
    });
  }
});
