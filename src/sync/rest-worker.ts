/**
 * A page worker (see page-pool.ts): turns `queryAll` page bytes into RECORD line bytes off the main thread.
 * It posts the page's head as soon as the page is parsed, then the lines; the byte buffers are transferred,
 * not copied.
 */
import { parentPort } from 'node:worker_threads';
import { compilePageLines, MalformedPage, type PageLines, type PageSetup } from './page-lines.js';
import type { ToWorker } from './page-pool.js';

const port = parentPort;
if (!port) throw new Error('rest-worker.js runs as a worker thread');

const streams = new Map<number, ReturnType<typeof compilePageLines>>();

port.on('message', (message: ToWorker) => {
  if (message.kind === 'setup') {
    streams.set(message.key, compilePageLines(message.setup as PageSetup));
    return;
  }
  if (message.kind === 'forget') {
    streams.delete(message.key);
    return;
  }
  const { job } = message;
  const convert = streams.get(message.key);
  try {
    if (!convert) throw new Error(`no setup for stream ${message.key}`);
    const lines: PageLines = convert(
      new Uint8Array(message.bytes, 0, message.length),
      message.prefix,
      (head) => port.postMessage({ kind: 'head', job, head }),
    );
    port.postMessage(
      {
        kind: 'lines',
        job,
        bytes: lines.bytes.buffer,
        used: lines.used,
        ends: lines.ends,
        positions: lines.positions,
        count: lines.count,
        input: message.bytes,
      },
      [lines.bytes.buffer as ArrayBuffer, lines.ends.buffer as ArrayBuffer, message.bytes],
    );
  } catch (error) {
    port.postMessage({
      kind: 'failed',
      job,
      malformed: error instanceof MalformedPage,
      message: error instanceof Error ? error.message : String(error),
    });
  }
});
