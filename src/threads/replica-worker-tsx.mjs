// The helper thread when running from TypeScript sources (tests, tsx): Node 20 does not pass
// --import loader hooks on to worker threads, so the helper registers tsx itself first.
import { register } from 'tsx/esm/api';

register();
await import('./replica-worker.ts');
