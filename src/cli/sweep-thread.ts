// A local sweep's trial thread (sweep-local.ts starts a few): takes one trial at a time, loads
// its data, and trains it with the step-wise trainer, stopping at each ASHA rung to ask the
// scheduler whether to go on; at the end it sends the model document `backprop train` would
// write. Not the scheduling, nor ASHA's rule: the scheduler decides, on the main thread.
import { parentPort } from 'node:worker_threads';
import { evaluateHeldOut } from '../data/job-data.js';
import { receiptOf } from '../data/receipt.js';
import { prepareJob } from '../data/resolve.js';
import { createTraining, type EpochReport, type TrainResult } from '../engine/index.js';
import { describeIssues, ValidationError } from '../errors.js';
import { rungsOf } from '../spec/asha.js';
import { createModelDocument, type ModelDocument } from '../spec/index.js';
import { createThreadTeam } from '../threads/team.js';
import type { FromTrialThread, ToTrialThread, TrialOrder } from './sweep-messages.js';

const port = parentPort!;
const send = (message: FromTrialThread) => port.postMessage(message);

// The decision the scheduler sends for the trial waiting at a rung.
let decided: ((decision: 'continue' | 'prune') => void) | undefined;

port.on('message', (message: ToTrialThread) => {
  switch (message.type) {
    case 'trial':
      void runTrial(message);
      break;
    case 'decision':
      decided?.(message.decision);
      break;
  }
});

async function runTrial(order: TrialOrder): Promise<void> {
  let epochs = 0;
  try {
    const end = await trainTrial(order, (epoch) => {
      epochs = epoch;
    });
    send(end === 'pruned' ? { type: 'stopped', index: order.index } : end);
  } catch (error) {
    const message =
      error instanceof ValidationError ? describeIssues(error.issues) : (error as Error).message;
    send({ type: 'failed', index: order.index, epochs, message });
  }
}

const objectiveOf = (r: EpochReport, metric: TrialOrder['metric']) => r[metric];

async function trainTrial(
  order: TrialOrder,
  onEpoch: (epoch: number) => void,
): Promise<FromTrialThread | 'pruned'> {
  const { index, asha, metric } = order;
  const started = performance.now();
  const { job, data, rows } = prepareJob(order.spec, { allowFiles: true, baseDir: order.baseDir });
  const t = job.training;
  const rungs = asha ? rungsOf(asha.minEpochs, asha.reductionFactor, t.epochs) : [];
  const team = t.threads > 1 ? createThreadTeam(t.threads - 1) : undefined;
  const training = createTraining(job.network, data, t, team ? { team } : {});
  const history: ModelDocument['history'] = [];
  let result: TrainResult | undefined;
  try {
    for (;;) {
      const step = training.steps.next();
      if (step.done) {
        result = step.value;
        break;
      }
      if (step.value.type !== 'epoch') continue;
      const r = step.value.report;
      onEpoch(r.epoch);
      history.push({
        epoch: r.epoch,
        error: r.error,
        ...(r.validationError !== undefined ? { validationError: r.validationError } : {}),
      });
      const value = objectiveOf(r, metric);
      send({ type: 'epoch', index, epoch: r.epoch, value });
      if (!rungs.includes(r.epoch)) continue;
      send({ type: 'rung', index, epoch: r.epoch, value: value ?? Number.NaN });
      const decision = await new Promise<'continue' | 'prune'>((resolve) => {
        decided = resolve;
      });
      decided = undefined;
      if (decision === 'prune') return 'pruned';
    }
  } finally {
    training.steps.return(undefined as never); // ends the run (and its helpers) if not finished
    await team?.close();
  }
  if (result.reason === 'diverged') {
    return { type: 'failed', index, epochs: result.epochs, message: `training ${result.message}` };
  }
  const model = { shape: job.network, params: result.params, scaler: result.scaler };
  const doc = createModelDocument({
    network: job.network,
    training: t,
    result,
    classes: rows.target?.task === 'classification' ? rows.target.classes : data.classes,
    featureNames: rows.preprocessing?.inputNames ?? data.featureNames,
    preprocessing: rows.preprocessing,
    target: rows.target,
    evaluation: evaluateHeldOut(model, job.network, rows),
    receipt: receiptOf(job, rows.datasetSha256, result.params),
    history,
    durationMs: performance.now() - started,
  });
  return { type: 'succeeded', index, epochs: result.epochs, doc };
}
