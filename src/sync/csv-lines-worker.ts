/**
 * The Bulk line worker (see csv-lines-thread.ts): runs `CsvLineDecoder` on result-page bytes off the main
 * thread, so the main thread stays free for the download (socket reads, gunzip callbacks) while rows are
 * converted. Byte buffers are transferred both ways, not copied.
 */
import { parentPort } from 'node:worker_threads';
import { TapError } from '../errors.js';
import { CsvLineDecoder, type LinePlan, type LineStreamSetup, linePlanner } from './csv-lines.js';
import type { FromLineWorker, ToLineWorker } from './csv-lines-thread.js';

const port = parentPort;
if (!port) throw new Error('csv-lines-worker.js runs as a worker thread');

const sessions = new Map<number, { decoder: CsvLineDecoder; setPrefix: (prefix: string) => void }>();
/** Smaller than the main thread's batches: several are in flight between the threads at once. */
const BATCH_BYTES = 256 * 1024;

/** One planner per stream, kept across its pages. */
const planners = new Map<string, (header: string[]) => LinePlan | null>();

function post(message: FromLineWorker, transfer: ArrayBuffer[] = []): void {
  (port as NonNullable<typeof port>).postMessage(message, transfer);
}

function plannerFor(setup: LineStreamSetup): (header: string[]) => LinePlan | null {
  let planner = planners.get(setup.stream);
  if (!planner) {
    planner = linePlanner(setup);
    planners.set(setup.stream, planner);
  }
  return planner;
}

function handOut(id: number, decoder: CsvLineDecoder): void {
  for (let batch = decoder.take(); batch; batch = decoder.take()) {
    // A batch is a view of the start of its own buffer: hand the buffer over whole.
    const buffer = batch.lines.buffer as ArrayBuffer;
    post(
      {
        kind: 'batch',
        id,
        lines: buffer,
        offset: batch.lines.byteOffset,
        length: batch.lines.length,
        count: batch.count,
        highest: batch.highest,
      },
      batch.lines.byteOffset === 0 ? [buffer] : [],
    );
  }
}

port.on('message', (message: ToLineWorker) => {
  const { id } = message;
  try {
    if (message.kind === 'open') {
      // The RECORD line head carries the time: each write brings the current one for the batches it starts.
      let prefix = message.prefix;
      const decoder = new CsvLineDecoder({
        plan: plannerFor(message.setup),
        prefix: () => prefix,
        skip: message.skip,
        cap: message.cap,
        batchBytes: BATCH_BYTES,
      });
      sessions.set(id, {
        decoder,
        setPrefix: (next) => {
          prefix = next;
        },
      });
      return;
    }
    if (message.kind === 'close') {
      sessions.delete(id);
      return;
    }
    const session = sessions.get(id);
    if (!session) return;
    if (message.kind === 'write') {
      session.setPrefix(message.prefix);
      session.decoder.write(Buffer.from(message.bytes, 0, message.length));
      handOut(id, session.decoder);
      post({ kind: 'ack', id });
      return;
    }
    session.decoder.end();
    handOut(id, session.decoder);
    sessions.delete(id);
    post({ kind: 'done', id, rows: session.decoder.rows });
  } catch (error) {
    sessions.delete(id);
    post({
      kind: 'failed',
      id,
      data: error instanceof TapError && error.kind === 'data',
      message: error instanceof Error ? error.message : String(error),
    });
  }
});
