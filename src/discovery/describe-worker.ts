/**
 * The describe thread's worker (see describe-thread.ts): parses composite answers and turns their describes
 * into catalog entry bytes, off the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { DescribeWorkerData, FromDescribeWorker, ToDescribeWorker } from './describe-thread.js';
import { readAnswer } from './described.js';

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
    const results = readAnswer(Buffer.from(bytes, 0, length), setup, customSettings);
    for (const result of results) {
      if ('converted' in result && result.converted.kind === 'entry') {
        transfer.push(result.converted.bytes.buffer as ArrayBuffer);
      }
    }
    reply = { id, bytes, results };
  } catch (error) {
    reply = { id, bytes, malformed: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply, transfer);
  Atomics.add(setup.finished, 0, 1);
});
