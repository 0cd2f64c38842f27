// The sweep's trial thread when running from TypeScript sources (tests, tsx): Node 20 does not
// pass --import loader hooks on to worker threads, so the thread registers tsx itself first.
import { register } from 'tsx/esm/api';

register();
await import('./sweep-thread.ts');
