// The engine stays pure: no I/O, no process, no console, no service libraries.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const dir = new URL('../../src/engine/', import.meta.url);

describe('engine purity', () => {
  for (const file of readdirSync(dir)) {
    it(file, () => {
      const source = readFileSync(new URL(file, dir), 'utf8');
      expect(source).not.toMatch(/from '(node:|fastify|bullmq|ioredis|pino)/);
      expect(source).not.toMatch(/\b(process|console|require)\s*[.(]/);
    });
  }
});
