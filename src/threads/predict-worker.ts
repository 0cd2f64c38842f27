// A predict thread (threads/predict-pool.ts): runs the forward pass of predictions too big for
// the API's event loop. It keeps the predictors of the models it was last sent, in the same
// least-recently-used order as the pool, which therefore sends a model only when it is missing.
import { parentPort } from 'node:worker_threads';
import { createPredictor, type Model, type Predictor } from '../engine/index.js';
import type { PredictReply, PredictTask } from './predict-pool.js';

export const predictorsKept = 4;

const predictors = new Map<number, Predictor>();

function predictorFor(task: PredictTask): Predictor {
  let predictor = predictors.get(task.modelSerial);
  if (predictor) predictors.delete(task.modelSerial);
  else predictor = createPredictor(task.model as Model);
  predictors.set(task.modelSerial, predictor); // most recently used last
  if (predictors.size > predictorsKept) predictors.delete(predictors.keys().next().value!);
  return predictor;
}

parentPort?.on('message', (task: PredictTask) => {
  let reply: PredictReply;
  try {
    const outputs = predictorFor(task)(task.inputs, task.rows);
    reply = { id: task.id, outputs };
  } catch (err) {
    reply = { id: task.id, error: (err as Error).message };
  }
  parentPort!.postMessage(reply, reply.outputs ? [reply.outputs.buffer as ArrayBuffer] : []);
});
