// The event stream of a job nobody is training yet: it stays open, sends heartbeats while idle,
// and delivers the queued status first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, startService, type TestService } from '../helpers/service.js';

let service: TestService;
beforeAll(async () => {
  service = await startService({ env: { SSE_HEARTBEAT_MS: '100' } }); // no workers: jobs wait
});
afterAll(() => service?.stop());

describe('GET /v1/jobs/:id/events while idle', () => {
  it('sends the history, then heartbeat comments, and keeps the stream open', async () => {
    const job = await http(service, 'POST', '/v1/jobs', {
      network: { inputSize: 1, layers: [{ units: 1, activation: 'identity' }], divergence: 'l2' },
      dataset: { generator: 'sine' },
    });
    expect(job.status).toBe(202);
    const controller = new AbortController();
    const response = await fetch(`${service.url}/v1/jobs/${job.body.id}/events`, {
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while ((text.match(/^: heartbeat$/gm) ?? []).length < 3) {
      const { value, done } = await reader.read();
      expect(done).toBe(false);
      text += decoder.decode(value);
    }
    controller.abort();
    const frames = text.split('\n\n').filter((f) => f.startsWith('id: '));
    expect(frames).toHaveLength(1);
    expect(frames[0]).toContain('event: status');
    expect(frames[0]).toContain('"status":"queued"');
    expect(text.indexOf('event: status')).toBeLessThan(text.indexOf(': heartbeat'));
  });
});
