/**
 * Composite describe answers read in a worker thread (describe-worker.ts) as well as on the main thread. The
 * 41 answers of a 1 000-object org arrive within ~0.2 s of each other, and reading one (parse, catalog entries,
 * their text) takes 2–10 ms besides the socket reads: on the main thread alone they were still queued 0.1–0.2 s
 * after the last had arrived. An answer goes to the worker while it has fewer than `WORKER_QUEUE` unfinished,
 * and is read here otherwise, so both threads stay busy whatever their speeds. Either way it becomes the same
 * bytes (`described.ts`).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { TapError } from '../errors.js';
import type { AnswerReader, ReadSubresult } from '../salesforce/describe.js';
import { type DescribedObject, type DescribedSetup, readAnswer } from './described.js';

export type ToDescribeWorker =
  | { kind: 'setup'; customSettings: readonly string[] }
  | { kind: 'answer'; id: number; bytes: ArrayBuffer; length: number };

export interface DescribeWorkerData extends DescribedSetup {
  /** One Int32: answers the worker has finished. */
  finished: Int32Array;
}

export type FromDescribeWorker = { id: number; bytes: ArrayBuffer } & (
  | { results: ReadSubresult<DescribedObject>[] }
  | { malformed: string }
);

/** Answers the worker may have unfinished before the next one is read here. */
const WORKER_QUEUE = 2;
/** Below this many objects to describe the worker's start-up (~30 ms of CPU) buys nothing. */
const MIN_OBJECTS = 100;

const WORKER_URL = new URL('./describe-worker.js', import.meta.url);

/**
 * Whether to read answers in a worker too: a second core to run it on, and enough objects, which is any org
 * unless `streams` names only a few. Known before describeGlobal, so the worker starts while it is on the way.
 */
export function describeThreadUseful(streams: readonly string[] | null): boolean {
  return availableParallelism() > 1 && (streams === null || streams.length >= MIN_OBJECTS);
}

export class DescribeThread implements AnswerReader<DescribedObject> {
  private readonly worker: Worker;
  private customSettings: ReadonlySet<string> = new Set();
  private readonly waiting = new Map<
    number,
    { resolve: (answer: { results: ReadSubresult<DescribedObject>[] }) => void; reject: (e: Error) => void }
  >();
  /** Answer buffers back from the worker, used again. */
  private readonly spare: ArrayBuffer[] = [];
  private broken: TapError | null = null;

  /**
   * Answers the worker has finished, counted by the worker: its replies wait in the main thread's queue behind
   * the socket reads, up to ~0.1 s on a busy machine, and counting those instead left the worker idle.
   */
  private readonly finished = new Int32Array(new SharedArrayBuffer(4));
  private sent = 0;

  constructor(private readonly setup: DescribedSetup) {
    const workerData: DescribeWorkerData = { ...setup, finished: this.finished };
    this.worker = new Worker(WORKER_URL, { workerData });
    this.worker.on('message', (message: FromDescribeWorker) => this.settle(message));
    this.worker.on('error', (error) => this.fail(`the describe worker failed: ${error.message}`));
    this.worker.on('exit', (code) => this.fail(`the describe worker exited (code ${code})`));
  }

  /** The org's custom settings, from describeGlobal: before the first answer. */
  configure(customSettings: readonly string[]): void {
    this.customSettings = new Set(customSettings);
    this.post({ kind: 'setup', customSettings });
  }

  /** Answers sent to the worker so far (the others were read here). */
  get answersInWorker(): number {
    return this.sent;
  }

  /** Takes `body` before it returns (its memory is reused); fails, as a parse would, on a non-answer. */
  async read(body: Buffer): Promise<{ results: ReadSubresult<DescribedObject>[] }> {
    if (this.broken || this.sent - Atomics.load(this.finished, 0) >= WORKER_QUEUE) return this.readHere(body);
    const id = ++this.sent;
    const bytes = this.bufferFor(body.length);
    new Uint8Array(bytes).set(body);
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.post({ kind: 'answer', id, bytes, length: body.length }, [bytes]);
    });
  }

  async close(): Promise<void> {
    this.broken ??= new TapError('internal', 'the describe worker was closed');
    this.worker.removeAllListeners('exit');
    // The process need not wait for the worker to wind down.
    this.worker.unref();
    await this.worker.terminate();
  }

  private post(message: ToDescribeWorker, transfer: ArrayBuffer[] = []): void {
    if (!this.broken) this.worker.postMessage(message, transfer);
  }

  /** What the worker does, here. Throws on a body that is not an answer, as `parseBatchAnswer` does. */
  private readHere(body: Buffer): { results: ReadSubresult<DescribedObject>[] } {
    return { results: readAnswer(body, this.setup, this.customSettings) };
  }

  private bufferFor(length: number): ArrayBuffer {
    const spare = this.spare.pop();
    return spare && spare.byteLength >= length ? spare : new ArrayBuffer(Math.max(length, 512 * 1024));
  }

  private settle(message: FromDescribeWorker): void {
    if (this.spare.length < WORKER_QUEUE) this.spare.push(message.bytes);
    const waiter = this.waiting.get(message.id);
    if (!waiter) return;
    this.waiting.delete(message.id);
    if ('malformed' in message) waiter.reject(new SyntaxError(message.malformed));
    else waiter.resolve({ results: message.results });
  }

  private fail(message: string): void {
    if (this.broken) return;
    this.broken = new TapError('internal', message);
    for (const waiter of this.waiting.values()) waiter.reject(this.broken);
    this.waiting.clear();
  }
}
