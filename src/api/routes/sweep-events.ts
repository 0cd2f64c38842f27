// A sweep's live events as Server-Sent Events (issue 17), read by polling the sweep and its
// running trials' jobs (a sweep has no stream of its own: its state is the sweep store's, and a
// trial's epochs are its job's): first `sweep` (the whole sweep as GET shows it), then `trial`
// when a trial's status changes (started, ended: with its metric and epochs), `epoch` for a
// running trial at most once a second (its latest epoch and error), `best` when the best
// changes, and `end` once the sweep has ended, after which the stream ends. A reconnect starts
// again from `sweep`, so nothing is lost.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getSweep } from '../../jobs/sweeps.js';
import type { SweepView } from '../../store/index.js';
import { authProblems, idParams, problems } from '../schemas.js';
import { openSse } from '../sse.js';
import { sweepView } from './sweeps.js';

/** How often the sweep is read; a running trial's epochs are sent at most every epochEveryMs. */
const pollMs = 500;
const epochEveryMs = 1000;

const query = z.strictObject({
  access_token: z
    .string()
    .max(200)
    .optional()
    .describe('the API key, for clients that cannot send headers (EventSource)'),
});

const trialKey = (t: SweepView['trials'][number]) => `${t.status}|${t.metric}|${t.epochs}`;

export async function sweepEventRoutes(app: FastifyInstance): Promise<void> {
  const open = new Set<() => void>(); // stops each open stream when the app closes
  app.addHook('preClose', async () => {
    for (const stop of open) stop();
  });

  app.withTypeProvider<ZodTypeProvider>().get('/v1/sweeps/:id/events', {
    config: { queryToken: true },
    schema: {
      summary: "Stream a sweep's events (Server-Sent Events)",
      description:
        '`sweep` first (the sweep as GET /v1/sweeps/:id shows it), then `trial` ({index, jobId, status, metric, epochs}) when a trial starts or ends, `epoch` ({index, jobId, epoch, epochs, error}) for each running trial at most once a second, `best` when the best trial changes, and `end` ({status, best, model, error}) when the sweep has ended, after which the stream ends. A reconnect starts again with `sweep`.',
      tags: ['sweeps'],
      params: idParams,
      querystring: query,
      response: {
        200: z.string().describe('text/event-stream'),
        404: problems[404],
        ...authProblems,
        503: problems[503],
      },
    },
    handler: async (request, reply) => {
      const { stores } = request;
      const { sseHeartbeatMs: heartbeatMs } = app.services.config;
      const id = request.params.id;
      let view = await getSweep(stores, id);
      const { out, end } = openSse(reply);
      let n = 0;
      let wrote = Date.now();
      const send = (type: string, data: unknown) => {
        wrote = Date.now();
        out.write(`id: ${++n}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      let stopped = false;
      const stop = () => {
        stopped = true;
      };
      open.add(stop);
      request.raw.on('close', stop);
      send('sweep', sweepView(view));
      const seen = new Map(view.trials.map((t) => [t.index, trialKey(t)]));
      const epochSent = new Map<number, { epoch: number; at: number }>();
      let best = JSON.stringify(view.best);
      try {
        while (!stopped && view.status === 'running') {
          await new Promise((r) => setTimeout(r, pollMs));
          const next = await stores.sweeps.get(id);
          if (!next) break; // deleted
          view = next;
          for (const t of view.trials) {
            if (seen.get(t.index) === trialKey(t)) continue;
            seen.set(t.index, trialKey(t));
            send('trial', {
              index: t.index,
              jobId: t.jobId,
              status: t.status,
              metric: t.metric,
              epochs: t.epochs,
            });
          }
          for (const t of view.trials.filter((trial) => trial.status === 'running')) {
            const last = epochSent.get(t.index);
            if (last && Date.now() - last.at < epochEveryMs) continue;
            const job = await stores.jobs.get(t.jobId);
            const progress = job?.progress;
            if (!progress || !('epoch' in progress) || progress.epoch === last?.epoch) continue;
            epochSent.set(t.index, { epoch: progress.epoch, at: Date.now() });
            send('epoch', { index: t.index, jobId: t.jobId, ...progress });
          }
          if (JSON.stringify(view.best) !== best) {
            best = JSON.stringify(view.best);
            send('best', view.best);
          }
          if (Date.now() - wrote >= heartbeatMs) {
            wrote = Date.now();
            out.write(': heartbeat\n\n');
          }
        }
        if (!stopped && view.status !== 'running') {
          const { status, best: winner, model, error } = view;
          send('end', {
            status,
            best: winner,
            ...(model ? { model } : {}),
            ...(error ? { error } : {}),
          });
        }
      } catch (err) {
        request.log.warn({ err, sweepId: id }, 'sweep event stream ended early');
      } finally {
        open.delete(stop);
        await end();
      }
    },
  });
}
