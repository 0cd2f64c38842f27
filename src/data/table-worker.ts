// The table thread (table-upload.ts): reads a large upload's bytes as the API's thread hands
// them over (or takes JSON records already parsed), and parses, profiles and encodes the table
// here, off the event loop that answers requests. Answers once, with the table (its codes moved,
// not copied) or why not.
import { Readable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import {
  type FromTableThread,
  readTable,
  type ThreadStart,
  type ToTableThread,
  tableOf,
  threadAnswer,
} from './table-upload.js';

const body = new Readable({ read() {} });
parentPort!.on('message', (message: ToTableThread) => {
  switch (message.type) {
    case 'bytes':
      body.push(message.bytes);
      break;
    case 'end':
      body.push(null);
      break;
  }
});

const answer = (message: FromTableThread, moved: ArrayBuffer[] = []) =>
  parentPort!.postMessage(message, moved);

const { request, table } = workerData as ThreadStart;
const made = table
  ? Promise.resolve().then(() => tableOf(table, request))
  : readTable(request, body);
made.then(
  (dataset) => answer({ type: 'done', dataset }, [dataset.table.codes.buffer as ArrayBuffer]),
  (error: unknown) => answer(threadAnswer(error)),
);
