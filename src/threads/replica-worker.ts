// A helper thread of a data-parallel training run: waits for the run's setup, then works the
// shards it is handed (engine/parallel.ts) until the run closes, and ends.
import { parentPort, workerData } from 'node:worker_threads';
import { type ReplicaSetup, runReplica } from '../engine/index.js';

const { index } = workerData as { index: number };
parentPort!.once('message', (setup: ReplicaSetup) => {
  runReplica(setup, index);
  parentPort!.close();
});
