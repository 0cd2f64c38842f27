// Redis settings: where the service keeps everything and how every process reaches it.
import { z } from 'zod';
import { parseRedisUrl } from '../redis-url.js';
import { custom, int, matching, type Setting, text } from './kinds.js';

// the sentence parseRedisUrl returns is the refusal
const redisUrl = z.string().superRefine((url, ctx) => {
  const parsed = parseRedisUrl(url);
  if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
});

export const redisSettings = {
  redisUrl: {
    env: 'REDIS_URL',
    ...custom(redisUrl, '`redis://` or `rediss://` URL'),
    default: 'redis://127.0.0.1:6379',
    doc: 'Where Redis is; `rediss://` is TLS, `user:password@` percent-encoded, an IPv6 host in brackets, `/db` kept. Every connection of the API, workers and their threads is made from it.',
  },
  redisTlsCa: {
    env: 'REDIS_TLS_CA',
    ...text('a PEM file'),
    default: '',
    doc: "The CA that signed a `rediss://` server's certificate; empty: the system's CAs.",
  },
  keyPrefix: {
    env: 'KEY_PREFIX',
    ...matching(
      /^bp(:[\w-]+)*$/,
      'must be bp or start with bp: (keys live under bp:)',
      '`bp` or `bp:…`',
    ),
    default: 'bp',
    doc: 'Every Redis key starts with this; tests use `bp:test:<run>`.',
  },
  enqueueTimeoutMs: {
    env: 'ENQUEUE_TIMEOUT_MS',
    ...int(100),
    default: '5000',
    doc: 'The longest `POST /v1/jobs` waits for the queue to take a job; then nothing is kept and it answers 503.',
  },
} satisfies Record<string, Setting>;
