/**
 * Bulk rows converted in a worker thread (csv-lines-worker.ts). On the main thread, converting a page competes
 * with the download it depends on: socket reads and gunzip callbacks wait while a slice of rows is converted,
 * so the org and the tap take turns. With the conversion in a worker the main thread only moves bytes.
 *
 * `LineThread.decoder()` is a `PageDecoder` like `CsvLineDecoder` and yields the same batches: the worker runs
 * that very class. Bytes in flight to the worker are bounded, so memory stays bounded whatever the page size.
 */
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { TapError } from '../errors.js';
import type { PageDecoder } from '../salesforce/bulk2.js';
import { BATCH_HEADROOM, type LineBatch, type LineStreamSetup } from './csv-lines.js';

export type ToLineWorker =
  | {
      kind: 'open';
      id: number;
      setup: LineStreamSetup;
      skip: number;
      cap: string | null;
      prefix: string;
    }
  | { kind: 'write'; id: number; bytes: ArrayBuffer; length: number; prefix: string }
  | { kind: 'end'; id: number }
  | { kind: 'close'; id: number };

/** One batch of lines from the worker. */
export interface WorkerBatch {
  /** The lines' buffer, transferred; null when they are in `slot` of the shared slots instead. */
  lines: ArrayBuffer | null;
  slot: number;
  offset: number;
  length: number;
  count: number;
  highest: string | null;
}

export type FromLineWorker =
  /**
   * The batches a write (or the end) made, in one message: a message costs each thread tens of microseconds.
   * `written` is the write's buffer, back for the next write.
   */
  | { kind: 'converted'; id: number; batches: WorkerBatch[]; written: ArrayBuffer | null }
  | { kind: 'done'; id: number; rows: number }
  | { kind: 'failed'; id: number; data: boolean; message: string };

/**
 * A page's bytes go to the worker in messages of this size, gathered from the runner's 64 KiB slices. Each
 * message wakes the other thread, and on a busy machine the sender often gives up its core there: at 64 KiB,
 * with a message per batch and an acknowledgement per write, that was ~1 s of the worker's time per 1 000 000
 * Account rows.
 */
const WRITE_BYTES = 512 * 1024;
/** Messages not yet converted before `write` waits: ~1 MiB of a page's bytes. */
const MAX_IN_FLIGHT = 2;

const WORKER_URL = new URL('./csv-lines-worker.js', import.meta.url);

/**
 * Batches come back in slots of memory shared with the worker and are freed once written, so the main thread
 * allocates nothing per batch: transferring a new buffer per batch (~1.9 GB for 1 000 000 Account rows) made
 * V8 run a full collection every few dozen MB, seconds of the main thread's time. A batch that finds no free
 * slot, or outgrows one, is transferred as before.
 */
export interface LineSlots {
  memory: SharedArrayBuffer;
  /** Per slot: 0 free, 1 taken (set by the worker, cleared here once the batch is written). */
  states: SharedArrayBuffer;
  slotBytes: number;
}

/** A batch and its headroom. Smaller than the main thread's batches: several are in flight at once. */
const SLOT_BYTES = 256 * 1024 + BATCH_HEADROOM;
/** Enough for the batches in flight, in the engine's hands and in the writer's chunk. */
const SLOT_COUNT = 16;

/** Whether to convert in a worker: asked for (`bulk_line_worker`) and a second core to run it on. */
export function lineThreadUseful(wanted: boolean): boolean {
  return wanted && availableParallelism() > 1;
}

let mainHeapTuned = false;

/**
 * With rows converted in the worker, the main thread only moves bytes: its heap stays at ~10 MB. Two of V8's
 * defaults cost it dearly there, so both are changed when the first Bulk stream starts. Both flags are read
 * as V8 goes, so setting them now takes effect; both are process-wide, so REST page workers started later in
 * the run get them too (there the first costs ~20 % more CPU and halves the memory).
 * - V8 doubles the young generation whenever the bytes surviving its scavenges add up to its size, which a
 *   long sync always reaches: ~30 MB more RSS from then on (1 000 000 Account rows peaked at 155 MB,
 *   2 000 000 and 4 000 000 at 187 MB). Held at its size, 2 000 000 rows peak at ~160 MB, at the same speed.
 * - On a heap this small, V8 starts incremental marking again almost as soon as a collection ends: ~20 full
 *   collections per 1 000 000 rows, their marking ~1 s of its helper threads' CPU. Marking now starts once
 *   80 % of the room below the heap's limit is used (at once past 90 %): 0–2 collections, ~1.5 CPU-s less.
 */
function tuneMainHeap(): void {
  if (mainHeapTuned) return;
  mainHeapTuned = true;
  setFlagsFromString('--semi-space-growth-factor=1');
  setFlagsFromString('--incremental-marking-soft-trigger=80');
  setFlagsFromString('--incremental-marking-hard-trigger=90');
}

export class LineThread {
  private readonly worker: Worker;
  private readonly sessions = new Map<number, ThreadDecoder>();
  private nextId = 1;
  private broken: TapError | null = null;
  /**
   * Write buffers back from the worker, used again: a new buffer per write made the main thread's
   * collector run for every few dozen MB of result.
   */
  private readonly spare: ArrayBuffer[] = [];

  readonly slots: LineSlots = {
    memory: new SharedArrayBuffer(SLOT_BYTES * SLOT_COUNT),
    states: new SharedArrayBuffer(4 * SLOT_COUNT),
    slotBytes: SLOT_BYTES,
  };
  private readonly states = new Int32Array(this.slots.states);

  constructor() {
    tuneMainHeap();
    this.worker = new Worker(WORKER_URL, {
      workerData: this.slots,
      resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 24 },
    });
    this.worker.on('message', (message: FromLineWorker) => this.sessions.get(message.id)?.receive(message));
    this.worker.on('error', (error) => this.fail(`the Bulk line worker failed: ${error.message}`));
    this.worker.on('exit', (code) => this.fail(`the Bulk line worker exited (code ${code})`));
  }

  /** A decoder for one reading of one result page, as `CsvLineDecoder` would be. */
  decoder(options: {
    setup: LineStreamSetup;
    skip: number;
    cap: string | null;
    prefix: () => string;
  }): PageDecoder<LineBatch> {
    const id = this.nextId++;
    const decoder = new ThreadDecoder(this, id, options.prefix);
    if (this.broken) decoder.receive({ kind: 'failed', id, data: false, message: this.broken.message });
    else {
      this.sessions.set(id, decoder);
      this.post({
        kind: 'open',
        id,
        setup: options.setup,
        skip: options.skip,
        cap: options.cap,
        prefix: options.prefix(),
      });
    }
    return decoder;
  }

  post(message: ToLineWorker, transfer: ArrayBuffer[] = []): void {
    if (!this.broken) this.worker.postMessage(message, transfer);
  }

  /** A batch's lines, and how to free their slot once written. */
  linesOf(batch: WorkerBatch): Pick<LineBatch, 'lines' | 'release'> {
    if (batch.lines !== null) return { lines: Buffer.from(batch.lines, batch.offset, batch.length) };
    const { slot } = batch;
    const lines = Buffer.from(this.slots.memory, slot * SLOT_BYTES + batch.offset, batch.length);
    return { lines, release: () => Atomics.store(this.states, slot, 0) };
  }

  /** A buffer for one write, which the worker may own. */
  buffer(): ArrayBuffer {
    return this.spare.pop() ?? new ArrayBuffer(WRITE_BYTES);
  }

  giveBack(buffer: ArrayBuffer): void {
    if (this.spare.length < MAX_IN_FLIGHT + 1) this.spare.push(buffer);
  }

  forget(id: number): void {
    if (this.sessions.delete(id)) this.post({ kind: 'close', id });
  }

  async close(): Promise<void> {
    this.broken ??= new TapError('internal', 'the Bulk line worker was closed');
    this.sessions.clear();
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }

  private fail(message: string): void {
    if (this.broken) return;
    this.broken = new TapError('internal', message);
    for (const [id, session] of this.sessions) session.receive({ kind: 'failed', id, data: false, message });
    this.sessions.clear();
  }
}

/** The main thread's side of one page reading in the worker. */
class ThreadDecoder implements PageDecoder<LineBatch> {
  rows = 0;
  private readonly ready: LineBatch[] = [];
  private inFlight = 0;
  /** Bytes gathered for the next message to the worker. */
  private gathering: ArrayBuffer | null = null;
  private gathered = 0;
  private failure: TapError | null = null;
  private finished = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly thread: LineThread,
    private readonly id: number,
    private readonly prefix: () => string,
  ) {}

  receive(message: FromLineWorker): void {
    switch (message.kind) {
      case 'converted':
        for (const batch of message.batches) {
          this.ready.push({ ...this.thread.linesOf(batch), count: batch.count, highest: batch.highest });
        }
        if (message.written) {
          this.inFlight--;
          this.thread.giveBack(message.written);
        }
        break;
      case 'done':
        this.rows = message.rows;
        this.finished = true;
        this.thread.forget(this.id);
        break;
      case 'failed':
        this.failure = new TapError(message.data ? 'data' : 'internal', message.message);
        this.finished = true;
        this.thread.forget(this.id);
        break;
    }
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  async write(bytes: Buffer): Promise<void> {
    this.check();
    for (let offset = 0; offset < bytes.length; ) {
      // A copy the worker can own: the chunk may be a view of a buffer something else still uses.
      this.gathering ??= this.thread.buffer();
      const room = this.gathering.byteLength - this.gathered;
      const end = Math.min(bytes.length, offset + room);
      bytes.copy(new Uint8Array(this.gathering), this.gathered, offset, end);
      this.gathered += end - offset;
      offset = end;
      if (this.gathered === this.gathering.byteLength) await this.send();
    }
  }

  async end(): Promise<void> {
    this.check();
    await this.send();
    this.thread.post({ kind: 'end', id: this.id });
    while (!this.finished) await this.next();
    this.check();
  }

  take(): LineBatch | null {
    this.check();
    return this.ready.shift() ?? null;
  }

  close(): void {
    this.thread.forget(this.id);
    for (const batch of this.ready.splice(0)) batch.release?.();
    if (this.gathering) this.thread.giveBack(this.gathering);
    this.gathering = null;
    this.gathered = 0;
  }

  /** Hands the gathered bytes to the worker; waits while too many are not yet converted. */
  private async send(): Promise<void> {
    const bytes = this.gathering;
    if (!bytes || this.gathered === 0) return;
    const length = this.gathered;
    this.gathering = null;
    this.gathered = 0;
    this.inFlight++;
    this.thread.post({ kind: 'write', id: this.id, bytes, length, prefix: this.prefix() }, [bytes]);
    while (this.inFlight > MAX_IN_FLIGHT && !this.finished) await this.next();
    this.check();
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }

  private next(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }
}
