// Request time-outs (issue 12, defect 5): a client that sends its headers and then trickles its
// body in, or never finishes its headers, is cut off with a 408 problem+json once
// REQUEST_TIMEOUT_MS (HEADERS_TIMEOUT_MS) has passed; an event stream, an answer that is meant
// to last, outlives both and CONNECTION_TIMEOUT_MS. Real API and Redis.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, startService, type TestService } from '../helpers/service.js';

const requestTimeoutMs = 1500;
const headersTimeoutMs = 1000;
const connectionTimeoutMs = 1000;

let service: TestService;
beforeAll(async () => {
  service = await startService({
    env: {
      REQUEST_TIMEOUT_MS: String(requestTimeoutMs),
      HEADERS_TIMEOUT_MS: String(headersTimeoutMs),
      CONNECTION_TIMEOUT_MS: String(connectionTimeoutMs),
      SSE_HEARTBEAT_MS: String(connectionTimeoutMs + 500), // silent for longer than allowed
    },
  });
});
afterAll(() => service?.stop());

/**
 * Sends `head`, then one byte of `trickle` every 100 ms, until the server answers and closes;
 * resolves with what it answered, how many bytes went, and how long it took.
 */
function trickle(head: string, trickle: string) {
  const { port } = new URL(service.url);
  const socket = connect(Number(port), '127.0.0.1');
  const started = Date.now();
  let answer = '';
  let sent = 0;
  socket.write(head);
  const timer = setInterval(() => {
    if (sent < trickle.length && socket.writable) socket.write(trickle[sent++]!);
  }, 100);
  return new Promise<{ answer: string; sent: number; ms: number }>((resolve) => {
    socket.on('data', (chunk) => {
      answer += chunk.toString();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ answer, sent, ms: Date.now() - started });
    });
  });
}

function problemOf(answer: string) {
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  return { statusLine: head.split('\r\n')[0], head, body: JSON.parse(body) };
}

describe('a slow client', () => {
  it('that trickles its body in is cut off with 408 problem+json after REQUEST_TIMEOUT_MS', async () => {
    const body = JSON.stringify({ inputs: [[0], [1]], targets: [[0], [1]] }).padEnd(600, ' ');
    const { answer, sent, ms } = await trickle(
      `POST /v1/datasets HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
      body,
    );
    expect(sent).toBeLessThan(body.length); // cut off, not answered after the whole body
    expect(ms).toBeGreaterThanOrEqual(requestTimeoutMs);
    const { statusLine, head, body: problem } = problemOf(answer);
    expect(statusLine).toBe('HTTP/1.1 408 Request Timeout');
    expect(head.toLowerCase()).toContain('content-type: application/problem+json');
    expect(problem).toMatchObject({ status: 408, title: 'Request Timeout' });
    expect(problem.detail).toContain('REQUEST_TIMEOUT_MS');
  });

  it('that never finishes its headers is cut off with 408 after HEADERS_TIMEOUT_MS', async () => {
    const { answer, sent, ms } = await trickle(
      'GET /v1/jobs HTTP/1.1\r\nHost: localhost\r\n',
      'X-Slow: '.padEnd(400, 'a'),
    );
    expect(sent).toBeLessThan(400);
    expect(ms).toBeGreaterThanOrEqual(headersTimeoutMs);
    expect(problemOf(answer).statusLine).toBe('HTTP/1.1 408 Request Timeout');
  });
});

describe('an event stream', () => {
  it('lives past REQUEST_TIMEOUT_MS and, silent, past CONNECTION_TIMEOUT_MS', async () => {
    const job = await http(service, 'POST', '/v1/jobs', {
      network: { inputSize: 1, layers: [{ units: 1, activation: 'identity' }], divergence: 'l2' },
      dataset: { generator: 'sine' },
    });
    const controller = new AbortController();
    const started = Date.now();
    const res = await fetch(`${service.url}/v1/jobs/${job.body.id}/events`, {
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    let text = '';
    // each heartbeat comes after a silence longer than CONNECTION_TIMEOUT_MS
    while ((text.match(/^: heartbeat$/gm) ?? []).length < 2) {
      const { value, done } = await reader.read();
      expect(done).toBe(false);
      text += new TextDecoder().decode(value);
    }
    expect(Date.now() - started).toBeGreaterThan(requestTimeoutMs);
    controller.abort();
  });
});
