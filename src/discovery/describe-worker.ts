/**
 * The describe thread's worker (see describe-thread.ts): parses composite answers and turns their describes
 * into catalog entry bytes, off the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { describedIn, parseBatchAnswer, type Subresult } from '../salesforce/batch-answer.js';
import type { ReadSubresult } from '../salesforce/describe.js';
import type { DescribeWorkerData, FromDescribeWorker, ToDescribeWorker } from './describe-thread.js';
import { type DescribedObject, describedObject } from './described.js';

const port = parentPort;
if (!port) throw new Error('describe-worker.js runs as a worker thread');

const setup = workerData as DescribeWorkerData;
let customSettings: ReadonlySet<string> = new Set();

port.on('message', (message: ToDescribeWorker) => {
  if (message.kind === 'setup') {
    customSettings = new Set(message.customSettings);
    return;
  }
  const { id, bytes, length } = message;
  let reply: FromDescribeWorker;
  const transfer: ArrayBuffer[] = [bytes];
  try {
    const answer = parseBatchAnswer(Buffer.from(bytes, 0, length));
    const results = answer.results.map((subresult): ReadSubresult<DescribedObject> => {
      const describe = describedIn(subresult);
      if (!describe) return subresult as Subresult;
      const converted = describedObject(describe, setup, customSettings);
      if (converted.kind === 'entry') transfer.push(converted.bytes.buffer as ArrayBuffer);
      return { converted };
    });
    reply = { id, bytes, results };
  } catch (error) {
    reply = { id, bytes, malformed: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply, transfer);
  Atomics.add(setup.finished, 0, 1);
});
