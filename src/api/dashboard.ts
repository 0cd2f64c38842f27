// The dashboard: the static page in dashboard/ at `/` and uPlot's browser build at
// `/assets/uplot/`. Both are public, as they hold no data: the page asks for the user's key and
// calls the API with it. Not a catch-all: only the files present at start are routes, so an
// unknown path still meets the API's auth and 404 like any other. Served with a CSP and the
// other headers of security-headers.ts.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { packageRoot } from '../paths.js';
import { addDashboardHeaders } from './security-headers.js';

export async function dashboardRoutes(app: FastifyInstance): Promise<void> {
  // this plugin is encapsulated: the hook marks its own routes public, and no one else's
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, public: true };
  });
  addDashboardHeaders(app);
  await app.register(fastifyStatic, {
    root: join(packageRoot(), 'dashboard'),
    prefix: '/',
    wildcard: false,
  });
  await app.register(fastifyStatic, {
    // wherever npm put the package (hoisted or not)
    root: join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist'),
    prefix: '/assets/uplot/',
    wildcard: false,
    decorateReply: false,
    // the browser builds and their style sheet, not the CommonJS and type declaration files
    globIgnore: ['uPlot.cjs.js', 'uPlot.d.ts'],
  });
}
