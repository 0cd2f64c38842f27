// The API process: build the app, listen, and shut down gracefully on SIGTERM or SIGINT
// (stop accepting, let in-flight requests finish, close Redis).
import { loadConfigOrExit } from '../config.js';
import { enableRelaxedSimd } from '../wasm-features.js';
import { buildApp } from './app.js';
import { redactedUrl } from './redacted-url.js';

const config = loadConfigOrExit();
enableRelaxedSimd(config.wasmRelaxedSimd); // before predictions compile the kernels
const app = await buildApp({
  config,
  logger: {
    level: config.logLevel,
    name: 'api',
    // a key sent as ?access_token= (EventSource, the queue board) stays out of the logs
    serializers: {
      req: (req: { method: string; url: string }) => ({
        method: req.method,
        url: redactedUrl(req.url),
      }),
    },
  },
});

// Without API keys anyone who reaches the port acts as the one tenant: only this machine may.
const loopback = '127.0.0.1';
const developmentMode = config.apiKeys.length === 0;
const host = developmentMode ? loopback : config.host;
if (developmentMode) {
  app.log.warn(
    `DEVELOPMENT MODE: no API_KEYS are configured, so every request acts as tenant "default" without a key, and the API listens on ${loopback} only${config.host === loopback ? '' : ` (not HOST=${config.host})`}. Set API_KEYS (make entries with \`backprop keys new --tenant NAME\`) before serving anyone else.`,
  );
}

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
  await app.listen({ host, port: config.port });
} catch (err) {
  app.log.error({ err }, 'cannot listen');
  process.exit(1);
}
