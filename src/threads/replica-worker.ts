// A helper thread of data-parallel training: for each run it is handed, works the shards of its
// replica (engine/parallel.ts) until the run closes, then waits for the next run.
import { parentPort, workerData } from 'node:worker_threads';
import { type ReplicaSetup, runReplica } from '../engine/index.js';

const { index } = workerData as { index: number };
parentPort!.on('message', (setup: ReplicaSetup) => runReplica(setup, index));
