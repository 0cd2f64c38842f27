// The settings as declared in src/settings/: each parses its own default, the range the README
// shows is the range enforced, and a refusal names the variable, the value and what it must be.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { type Setting, settingGroups, settings } from '../../src/settings/index.js';

const declared = Object.entries(settings) as [string, Setting][];

/** The refusal loadConfig gives for one variable set to text. */
function refusalOf(env: string, text: string): string {
  try {
    loadConfig({ [env]: text });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`${env}=${text} was accepted`);
}

describe('the declarations', () => {
  it('declare each field and each variable once, every one in a group', () => {
    const envs = declared.map(([, s]) => s.env);
    expect(new Set(envs).size).toBe(declared.length);
    const grouped = settingGroups.flatMap((g) => Object.keys(g.settings));
    expect(grouped.sort()).toEqual(Object.keys(settings).sort());
  });

  it('name each variable after its field', () => {
    for (const [field, setting] of declared) {
      expect(setting.env).toBe(field.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase());
    }
  });

  it.each(declared)('%s parses its own default', (_field, setting) => {
    expect(setting.schema.safeParse(setting.default).success).toBe(true);
  });

  it('give the defaults with nothing set, and an empty variable counts as unset', () => {
    const config = loadConfig({});
    expect(config.enqueueTimeoutMs).toBe(5000);
    expect(config.predictThreadWork).toBe(10_000_000);
    expect(config.maxParameters).toBe(50_000_000);
    expect(config.maxJobCompute).toBe(1e15);
    expect(config.maxBodyBytes).toBe(10 * 1024 * 1024);
    expect(config.finishedJobTtlSeconds).toBe(7 * 24 * 3600);
    expect(config.wasmRelaxedSimd).toBe(true);
    expect(config.webhookAllowPrivate).toBe(false);
    expect(config.apiKeys).toEqual([]);
    expect(config.adminTenants).toEqual([]);
    expect(config.webhookSecrets.size).toBe(0);
    expect(loadConfig({ PORT: '' }).port).toBe(3000);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('keep a request headers time-out within the request time-out, as Node requires', () => {
    const config = loadConfig({ REQUEST_TIMEOUT_MS: '500', HEADERS_TIMEOUT_MS: '9000' });
    expect(config.headersTimeoutMs).toBe(500);
  });
});

// `≥ 100` or `1 – 64`, as the README's range column says
const whole = declared.filter(([, s]) => /^(≥ \d+|\d+ – \d+)$/.test(s.range));

describe('the range the README shows is the range enforced', () => {
  it.each(whole)('%s', (_field, setting) => {
    const [min, max] = (setting.range.match(/\d+/g) ?? []).map(Number) as [number, number?];
    expect(setting.schema.safeParse(String(min)).success).toBe(true);
    expect(refusalOf(setting.env, String(min - 1))).toContain(`${setting.env}: must be a whole`);
    expect(refusalOf(setting.env, '1.5')).toContain(setting.env);
    expect(refusalOf(setting.env, 'many')).toContain(setting.env);
    if (max !== undefined) {
      expect(setting.schema.safeParse(String(max)).success).toBe(true);
      expect(refusalOf(setting.env, String(max + 1))).toContain(`${setting.env}: must be a whole`);
    }
  });

  it('covers every setting but these, whose refusals are tested one by one', () => {
    const others = declared.filter((d) => !whole.includes(d)).map(([, s]) => s.env);
    expect(others.sort()).toEqual(
      [
        'REDIS_URL',
        'REDIS_TLS_CA',
        'REDIS_SENTINELS', // these four: test/redis-url.test.ts
        'REDIS_SENTINEL_NAME',
        'REDIS_SENTINEL_PASSWORD',
        'REDIS_CLUSTER_NODES',
        'KEY_PREFIX',
        'HOST',
        'LOG_LEVEL',
        'MAX_JOB_COMPUTE',
        'WASM_RELAXED_SIMD',
        'API_KEYS',
        'ADMIN_TENANTS',
        'WEBHOOK_SECRETS',
        'WEBHOOK_ALLOW_PRIVATE',
        'BLOB_URL',
        'AWS_ENDPOINT_URL_S3',
        'AWS_REGION',
      ].sort(),
    );
  });

  it('refuses a word outside a list of words, and a flag other than 0 or 1', () => {
    expect(refusalOf('LOG_LEVEL', 'loud')).toBe(
      'bad configuration: LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent (given "loud"; default: info)',
    );
    expect(refusalOf('WASM_RELAXED_SIMD', 'on')).toContain(
      'WASM_RELAXED_SIMD: must be 1 (use relaxed SIMD) or 0 (given "on"; default: 1)',
    );
    expect(refusalOf('WEBHOOK_ALLOW_PRIVATE', 'yes')).toContain(
      'WEBHOOK_ALLOW_PRIVATE: must be 1 (webhooks may reach loopback and private networks) or 0',
    );
    expect(refusalOf('MAX_JOB_COMPUTE', '0')).toContain(
      'MAX_JOB_COMPUTE: must be a number above 0',
    );
    expect(refusalOf('MAX_JOB_COMPUTE', 'Infinity')).toContain('MAX_JOB_COMPUTE');
    expect(refusalOf('KEY_PREFIX', 'app')).toContain('KEY_PREFIX: must be bp or start with bp:');
    expect(refusalOf('ADMIN_TENANTS', 'ops,Root')).toContain('ADMIN_TENANTS: must be tenant names');
    expect(refusalOf('WEBHOOK_SECRETS', 'alice:whsec_short')).toContain(
      'WEBHOOK_SECRETS: "alice:whsec_short…" is not tenant:whsec_<base64> (default: empty)',
    );
    expect(refusalOf('REDIS_URL', 'redis://h:1?tls=1')).toContain('REDIS_URL: takes no query');
    expect(refusalOf('BLOB_URL', 'ftp://files/blobs')).toContain(
      'BLOB_URL: must start with file:// or s3://, not ftp:// (given "ftp://files/blobs"; default: `file://<package>/.data/blobs`)',
    );
    expect(refusalOf('BLOB_URL', 's3://Bad_Bucket/x')).toContain('BLOB_URL: the bucket');
    expect(refusalOf('AWS_ENDPOINT_URL_S3', 'minio:9000')).toContain(
      'AWS_ENDPOINT_URL_S3: must be an http:// or https:// URL',
    );
    expect(refusalOf('AWS_REGION', 'EU West')).toContain('AWS_REGION: must be a region name');
  });
});

describe('a refusal', () => {
  it('is one line naming the variable, the value, what it must be and the default', () => {
    expect(refusalOf('PORT', '70000')).toBe(
      'bad configuration: PORT: must be a whole number from 0 to 65535 (given "70000"; default: 3000)',
    );
  });

  it('names every bad variable at once', () => {
    expect(() => loadConfig({ PORT: '-1', JOB_ATTEMPTS: '0' })).toThrow(
      /^bad configuration: PORT: .* \(given "-1"; default: 3000\); JOB_ATTEMPTS: must be a whole number from 1 to 100 \(given "0"; default: 3\)$/,
    );
  });

  it('never repeats a key or a secret, and hides the password of a URL', () => {
    const keys = refusalOf('API_KEYS', 'alice:not-a-hash-but-a-secret-key');
    expect(keys).toContain('API_KEYS: "alice:not-a-hash-but…" is not tenant:sha256-hex');
    expect(keys).not.toContain('secret-key');
    const url = refusalOf('REDIS_URL', 'redis://app:hunter2@redis.internal:6379/x');
    expect(url).toContain('given "redis://app:***@redis.internal:6379/x"');
    expect(url).not.toContain('hunter2');
  });

  it('stays on one line and short, whatever the value', () => {
    const message = refusalOf('LOG_LEVEL', `a\nb${'c'.repeat(200)}`);
    expect(message).not.toContain('\n');
    expect(message.length).toBeLessThan(250);
  });
});
