// SIGTERM to an API process: it stops accepting, ends its open event streams cleanly (a client
// reconnects elsewhere with Last-Event-ID and loses nothing), and exits 0.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, http, startService, type TestService } from '../helpers/service.js';

const serverFile = fileURLToPath(new URL('../../dist/src/api/server.js', import.meta.url));
let service: TestService;
beforeAll(async () => {
  service = await startService();
});
afterAll(() => service?.stop());

describe('an API process on SIGTERM', () => {
  it('ends open event streams cleanly, stops accepting and exits 0', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const api = spawn(process.execPath, [serverFile], {
      env: { ...process.env, ...service.env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((r) => api.once('exit', (code) => r(code)));
    for (let i = 0; ; i++) {
      const up = await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      if (i > 200) throw new Error('the API did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
    // a queued job (no workers here) and a client following its events
    const job = await http(service, 'POST', '/v1/jobs', {
      network: {
        inputSize: 2,
        layers: [{ units: 1, activation: 'sigmoid' }],
        divergence: 'binary_cross_entropy',
      },
      dataset: { generator: 'xor', samples: 8 },
    });
    const stream = await fetch(`${url}/v1/jobs/${job.body.id}/events`);
    const reader = stream.body!.getReader();
    let text = new TextDecoder().decode((await reader.read()).value);
    while (!text.includes('event: status'))
      text += new TextDecoder().decode((await reader.read()).value);

    const asked = Date.now();
    api.kill('SIGTERM');
    // the stream ends, not broken off: the reader sees its end, with no error
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
    }
    expect(await exited).toBe(0);
    expect(Date.now() - asked).toBeLessThan(5000);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    // the job is as it was: another API answers for it
    expect((await http(service, 'GET', `/v1/jobs/${job.body.id}`)).body.status).toBe('queued');
  });
});
