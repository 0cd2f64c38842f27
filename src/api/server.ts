// The API process: build the app, listen, and shut down gracefully on SIGTERM or SIGINT
// (stop accepting, let in-flight requests finish, close Redis).
import { loadConfig } from '../config.js';
import { enableRelaxedSimd } from '../wasm-features.js';
import { buildApp } from './app.js';

const config = loadConfig();
enableRelaxedSimd(config.wasmRelaxedSimd); // before predictions compile the kernels
const app = await buildApp({ config, logger: { level: config.logLevel, name: 'api' } });

let closing = false;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  app.log.info({ signal }, 'api shutting down');
  await app.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

try {
  await app.listen({ host: config.host, port: config.port });
} catch (err) {
  app.log.error({ err }, 'cannot listen');
  process.exit(1);
}
