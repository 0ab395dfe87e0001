/**
 * The Bulk line worker (see csv-lines-thread.ts): runs `CsvLineDecoder` on result-page bytes off the main
 * thread, so the main thread stays free for the download (socket reads, gunzip callbacks) while rows are
 * converted. Byte buffers are transferred both ways, not copied.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { TapError } from '../errors.js';
import {
  BATCH_HEADROOM,
  CsvLineDecoder,
  type LineBuffers,
  type LinePlan,
  type LineStreamSetup,
  linePlanner,
} from './csv-lines.js';
import type { FromLineWorker, LineSlots, ToLineWorker, WorkerBatch } from './csv-lines-thread.js';

const port = parentPort;
if (!port) throw new Error('csv-lines-worker.js runs as a worker thread');

const sessions = new Map<number, { decoder: CsvLineDecoder; setPrefix: (prefix: string) => void }>();

const slots = workerData as LineSlots;
const states = new Int32Array(slots.states);
/** A batch fills one slot. */
const BATCH_BYTES = slots.slotBytes - BATCH_HEADROOM;

/** Batches go into a free shared slot when one fits; the main thread frees it once the lines are written. */
const buffers: LineBuffers = {
  take(bytes) {
    if (bytes <= slots.slotBytes) {
      for (let slot = 0; slot < states.length; slot++) {
        if (Atomics.compareExchange(states, slot, 0, 1) === 0) {
          return Buffer.from(slots.memory, slot * slots.slotBytes, slots.slotBytes);
        }
      }
    }
    return Buffer.allocUnsafe(bytes);
  },
  drop(buffer) {
    if (buffer.buffer === slots.memory) Atomics.store(states, slotOf(buffer), 0);
  },
};

function slotOf(buffer: Buffer): number {
  return Math.floor(buffer.byteOffset / slots.slotBytes);
}

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

/** The decoder's ready batches, and the write's buffer if any, back to the main thread in one message. */
function handOut(id: number, decoder: CsvLineDecoder, written: ArrayBuffer | null): void {
  const batches: WorkerBatch[] = [];
  const transfer: ArrayBuffer[] = written ? [written] : [];
  for (let batch = decoder.take(); batch; batch = decoder.take()) {
    const { lines, count, highest } = batch;
    if (lines.buffer === slots.memory) {
      const slot = slotOf(lines);
      const offset = lines.byteOffset - slot * slots.slotBytes;
      batches.push({ lines: null, slot, offset, length: lines.length, count, highest });
      continue;
    }
    const buffer = lines.buffer as ArrayBuffer;
    batches.push({ lines: buffer, slot: -1, offset: lines.byteOffset, length: lines.length, count, highest });
    if (lines.byteOffset === 0) transfer.push(buffer);
  }
  if (batches.length > 0 || written) post({ kind: 'converted', id, batches, written }, transfer);
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
        buffers,
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
      sessions.get(id)?.decoder.dispose();
      sessions.delete(id);
      return;
    }
    const session = sessions.get(id);
    if (!session) return;
    if (message.kind === 'write') {
      session.setPrefix(message.prefix);
      session.decoder.write(Buffer.from(message.bytes, 0, message.length));
      // The decoder keeps copies of what it still needs: the buffer goes back for the next write.
      handOut(id, session.decoder, message.bytes);
      return;
    }
    session.decoder.end();
    handOut(id, session.decoder, null);
    sessions.delete(id);
    post({ kind: 'done', id, rows: session.decoder.rows });
  } catch (error) {
    sessions.get(id)?.decoder.dispose();
    sessions.delete(id);
    post({
      kind: 'failed',
      id,
      data: error instanceof TapError && error.kind === 'data',
      message: error instanceof Error ? error.message : String(error),
    });
  }
});
