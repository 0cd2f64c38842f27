// Webhook delivery by the Standard Webhooks scheme (https://www.standardwebhooks.com): a BullMQ
// queue `webhooks` of signed POSTs, retried with exponential backoff, one delivery per id.
// Unless allowed, it reaches no private address (webhook-addresses.ts, checked as each
// connection is made), and it never follows redirects.
import { createHmac, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { type ConnectionOptions, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Config } from './config.js';
import type { JobEvent, WebhookSpec } from './spec/index.js';
import { bullConnection } from './store/redis.js';
import { BlockedAddressError, isPrivateAddress, publicOnlyLookup } from './webhook-addresses.js';

export { isPrivateAddress };

export const webhookQueueName = 'webhooks';

export interface WebhookDelivery {
  id: string;
  tenant: string;
  url: string;
  /** JSON text, fixed at enqueue time. */
  body: string;
}

export interface WebhookOptions {
  attempts: number;
  backoffMs: number;
  timeoutMs: number;
  keepSeconds: number;
}

type Log = Record<'info' | 'warn' | 'error', (fields: object, message: string) => void>;

/** What a job carries: the delivery and the queue's timeout, so a worker elsewhere honours it. */
type WebhookJob = WebhookDelivery & { timeoutMs?: number };

const defaultTimeoutMs = 10_000;
const timeouts = new WeakMap<Queue<WebhookDelivery>, number>();

/** A webhook secret: 'whsec_' + base64 of 24 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/** The webhook-signature value: 'v1,' + base64 HMAC-SHA256 of `${id}.${timestamp}.${body}`. */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return `v1,${mac}`;
}

export function createWebhookQueue(
  connection: ConnectionOptions,
  prefix: string,
  options: WebhookOptions,
): Queue<WebhookDelivery> {
  const queue = new Queue<WebhookDelivery>(webhookQueueName, {
    connection,
    prefix,
    defaultJobOptions: {
      attempts: options.attempts,
      backoff: { type: 'exponential', delay: options.backoffMs },
      // kept this long, a re-sent id finds the first delivery and adds nothing
      removeOnComplete: { age: options.keepSeconds },
      removeOnFail: { age: options.keepSeconds },
    },
  });
  timeouts.set(queue, options.timeoutMs);
  return queue;
}

/** The service's webhook queue, as its configuration says (the API and workers share it). */
export function createWebhookQueueFor(config: Readonly<Config>): Queue<WebhookDelivery> {
  return createWebhookQueue(bullConnection(config), config.keyPrefix, {
    attempts: config.webhookAttempts,
    backoffMs: config.webhookBackoffMs,
    timeoutMs: config.webhookTimeoutMs,
    keepSeconds: webhookKeepSeconds(config),
  });
}

/** Adds one delivery; its id is the BullMQ job id, so the same id twice is one delivery. */
export async function enqueueWebhook(
  queue: Queue<WebhookDelivery>,
  delivery: WebhookDelivery,
): Promise<void> {
  // BullMQ lets an id with exactly two ':' through (old repeatable jobs) and it breaks key names
  if (delivery.id === '' || delivery.id.includes(':'))
    throw new Error(`webhook id must be non-empty and must not contain ':' (got '${delivery.id}')`);
  const job: WebhookJob = { ...delivery, timeoutMs: timeouts.get(queue) ?? defaultTimeoutMs };
  await queue.add('deliver', job, { jobId: delivery.id });
}

/** One POST; resolves with the status code. */
function post(
  url: URL,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  allowPrivate: boolean,
): Promise<number> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && (isPrivateAddress(host) || host === 'localhost'))
    return Promise.reject(new BlockedAddressError(`${url.hostname} is a private address`));
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        signal: AbortSignal.timeout(timeoutMs),
        ...(allowPrivate ? {} : { lookup: publicOnlyLookup() }),
      },
      (res) => {
        res.resume(); // the answer's body is not read: drain it so the socket is freed
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export interface WebhookWorkerOptions {
  /** Deliveries at once (default 8). */
  concurrency?: number;
  /** Let webhooks reach loopback and private networks (development, internal receivers). */
  allowPrivate?: boolean;
}

export function createWebhookWorker(
  connection: ConnectionOptions,
  prefix: string,
  secretFor: (tenant: string) => string | undefined,
  log: Log,
  { concurrency = 8, allowPrivate = false }: WebhookWorkerOptions = {},
): Worker<WebhookDelivery> {
  const worker = new Worker<WebhookDelivery>(
    webhookQueueName,
    async (job) => {
      const { id, tenant, url, body, timeoutMs } = job.data as WebhookJob;
      const secret = secretFor(tenant);
      if (!secret) {
        log.error({ webhookId: id, tenant }, 'webhook not sent: tenant has no secret');
        throw new UnrecoverableError(`tenant ${tenant} has no webhook secret`);
      }
      const timestamp = Math.floor(Date.now() / 1000);
      const headers = {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signWebhook(secret, id, timestamp, body),
      };
      let status: number;
      try {
        status = await post(
          new URL(url),
          headers,
          body,
          timeoutMs ?? defaultTimeoutMs,
          allowPrivate,
        );
      } catch (err) {
        if (err instanceof BlockedAddressError) {
          log.error({ webhookId: id, tenant, url }, `webhook not sent: ${err.message}`);
          throw new UnrecoverableError(err.message);
        }
        throw err;
      }
      // redirects are not followed: a 3xx is no delivery
      if (status < 200 || status > 299) throw new Error(`webhook receiver answered ${status}`);
      log.info({ webhookId: id, tenant, attempt: job.attemptsMade + 1 }, 'webhook delivered');
    },
    { connection, prefix, concurrency },
  );
  worker.on('failed', (job, err) => {
    if (job && !(err instanceof UnrecoverableError))
      log.warn({ err, webhookId: job.id, attempt: job.attemptsMade }, 'webhook attempt failed');
  });
  // an 'error' event without a listener would throw
  worker.on('error', (err) => log.error({ err }, 'webhook worker error'));
  return worker;
}

/**
 * The deliveries a job's events make: one per event its webhook asks for (a `status` event for
 * `status`, and so on), with an id that is the same whenever the same event is sent again (a job
 * resumed after its worker died re-sends nothing). Standard Webhooks payloads:
 * `{type: "job.done", timestamp, data: {jobId, ...event}}`.
 */
export function jobDeliveries(
  jobId: string,
  tenant: string,
  webhook: WebhookSpec,
  events: readonly JobEvent[],
): WebhookDelivery[] {
  const wanted = new Set<string>(webhook.events);
  const deliveries: WebhookDelivery[] = [];
  for (const event of events) {
    if (!wanted.has(event.type)) continue;
    const which =
      event.type === 'status'
        ? `status_${event.status}`
        : event.type === 'epoch'
          ? `epoch_${event.epoch}`
          : event.type;
    const at = 'at' in event ? event.at : new Date().toISOString();
    deliveries.push({
      id: `msg_${jobId}_${which}`,
      tenant,
      url: webhook.url,
      body: JSON.stringify({ type: `job.${event.type}`, timestamp: at, data: { jobId, ...event } }),
    });
  }
  return deliveries;
}

/** Sends a job's events to its webhook, if it has one; never throws (logs instead). */
export type Notify = (
  job: { jobId: string; tenant: string; spec: { webhook?: WebhookSpec | undefined } },
  events: readonly JobEvent[],
) => Promise<void>;

/**
 * How long a delivery is kept, so that sending its id again adds nothing: a day (a job re-sends
 * within a worker's lock period or a retry's backoff), or a finished job's TTL if shorter.
 */
export function webhookKeepSeconds(config: { finishedJobTtlSeconds: number }): number {
  const day = 24 * 3600;
  return config.finishedJobTtlSeconds > 0 ? Math.min(config.finishedJobTtlSeconds, day) : day;
}

export function createNotify(queue: Queue<WebhookDelivery>, log: Pick<Log, 'error'>): Notify {
  return async ({ jobId, tenant, spec }, events) => {
    if (!spec.webhook) return;
    for (const delivery of jobDeliveries(jobId, tenant, spec.webhook, events)) {
      await enqueueWebhook(queue, delivery).catch((err: unknown) =>
        log.error({ err, webhookId: delivery.id }, 'webhook not queued'),
      );
    }
  };
}
