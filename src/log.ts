// The one logger: pino, objects first (`log.error({ err, jobId }, 'training failed')`).
import { pino } from 'pino';

export function createLogger(level: string, name: string) {
  return pino({ level, name });
}

export type Logger = ReturnType<typeof createLogger>;
