/**
 * Bulk rows converted in a worker thread (csv-lines-worker.ts). On the main thread, converting a page competes
 * with the download it depends on: socket reads and gunzip callbacks wait while a slice of rows is converted,
 * so the org and the tap take turns. With the conversion in a worker the main thread only moves bytes.
 *
 * `LineThread.decoder()` is a `PageDecoder` like `CsvLineDecoder` and yields the same batches: the worker runs
 * that very class. Bytes in flight to the worker are bounded, so memory stays bounded whatever the page size.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { TapError } from '../errors.js';
import type { PageDecoder } from '../salesforce/bulk2.js';
import type { LineBatch, LineStreamSetup } from './csv-lines.js';

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

export type FromLineWorker =
  | {
      kind: 'batch';
      id: number;
      lines: ArrayBuffer;
      offset: number;
      length: number;
      count: number;
      highest: string | null;
    }
  | { kind: 'ack'; id: number }
  | { kind: 'done'; id: number; rows: number }
  | { kind: 'failed'; id: number; data: boolean; message: string };

/** Writes not yet converted before `write` waits: ~1 MiB of a page's bytes in 64 KiB slices. */
const MAX_IN_FLIGHT = 4;

const WORKER_URL = new URL('./csv-lines-worker.js', import.meta.url);

/** Whether to convert in a worker: asked for (`bulk_line_worker`) and a second core to run it on. */
export function lineThreadUseful(wanted: boolean): boolean {
  return wanted && availableParallelism() > 1;
}

export class LineThread {
  private readonly worker: Worker;
  private readonly sessions = new Map<number, ThreadDecoder>();
  private nextId = 1;
  private broken: TapError | null = null;

  constructor() {
    this.worker = new Worker(WORKER_URL, {
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
      case 'batch':
        this.ready.push({
          lines: Buffer.from(message.lines, message.offset, message.length),
          count: message.count,
          highest: message.highest,
        });
        break;
      case 'ack':
        this.inFlight--;
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
    // A copy the worker can own: the chunk may be a view of a buffer something else still uses.
    const copy = new Uint8Array(bytes.length);
    copy.set(bytes);
    this.inFlight++;
    this.thread.post(
      { kind: 'write', id: this.id, bytes: copy.buffer, length: copy.length, prefix: this.prefix() },
      [copy.buffer],
    );
    while (this.inFlight > MAX_IN_FLIGHT && !this.finished) await this.next();
    this.check();
  }

  async end(): Promise<void> {
    this.check();
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
