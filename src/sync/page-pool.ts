/**
 * A few worker threads that turn `queryAll` page bytes into RECORD line bytes (decode, `JSON.parse`, coerce,
 * `JSON.stringify`, UTF-8), so the main thread only fetches pages and writes bytes. One pool serves every
 * stream of the run that needs it: streams lease it, and the workers end when the last lease is released, so
 * the process exits as soon as its work does. A worker that fails fails every page it holds with one clear
 * error; no page waits for an answer that cannot come.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { TapError } from '../errors.js';
import { MalformedPage, type PageHead, type PageLines, type PageSetup } from './page-lines.js';

export type ToWorker =
  | { kind: 'setup'; key: number; setup: PageSetup }
  | { kind: 'forget'; key: number }
  | { kind: 'page'; job: number; key: number; prefix: string; bytes: ArrayBuffer; length: number };

type FromWorker =
  | { kind: 'head'; job: number; head: PageHead }
  | {
      kind: 'lines';
      job: number;
      bytes: ArrayBuffer;
      used: number;
      /** The page's own buffer, handed back for the next page. */
      input: ArrayBuffer;
      ends: Uint32Array;
      positions: Array<string | null>;
      count: number;
    }
  | { kind: 'failed'; job: number; malformed: boolean; message: string };

/** A page handed to a worker: its head once parsed, its lines once written. */
export interface PageJob {
  head: Promise<PageHead>;
  lines: Promise<PageLines & { input?: ArrayBuffer }>;
}

interface Pending {
  headSettled: boolean;
  resolveHead: (head: PageHead) => void;
  resolveLines: (lines: PageLines & { input?: ArrayBuffer }) => void;
  reject: (error: unknown) => void;
}

interface Member {
  worker: Worker;
  pending: Map<number, Pending>;
  /** Replaced after running out of memory: its exit is expected. */
  retired: boolean;
}

/**
 * A page too large for a worker's heap: the worker is replaced, and the page is converted on the main thread
 * instead (its bytes went with the worker, so it is fetched again).
 */
export class WorkerOutOfMemory extends Error {
  override name = 'WorkerOutOfMemory';
}

/**
 * Each worker's heap is bounded: V8 would otherwise size a worker's heap for speed, to ~150-200 MB each on a
 * 4-5 MB page, where ~30-90 MB is in use. A page that does not fit (see WorkerOutOfMemory) is converted on
 * the main thread.
 */
const LIMITS = { maxOldGenerationSizeMb: 128, maxYoungGenerationSizeMb: 32 };

/**
 * How many page workers a run uses: `rest_page_workers`, else one per core the process may use, at most 3, at
 * least 1 (the main thread only fetches and writes); 0 turns the workers off (pages are converted on the main
 * thread, record by record).
 */
export function pageWorkerCount(configured: number | null): number {
  if (configured !== null) return configured;
  return Math.max(1, Math.min(3, availableParallelism()));
}

const WORKER_URL = new URL('./rest-worker.js', import.meta.url);

class PagePool {
  readonly size: number;
  private readonly members: Member[] = [];
  private readonly setups = new Map<number, PageSetup>();
  private nextJob = 1;
  private nextKey = 1;
  private turn = 0;
  private failure: TapError | null = null;
  private closing = false;

  constructor(size: number) {
    this.size = size;
    for (let i = 0; i < size; i++) this.members.push(this.start());
  }

  private start(): Member {
    const worker = new Worker(WORKER_URL, { resourceLimits: LIMITS });
    const member: Member = { worker, pending: new Map(), retired: false };
    worker.on('message', (message: FromWorker) => this.receive(member, message));
    worker.on('error', (error) => {
      if ((error as { code?: unknown }).code === 'ERR_WORKER_OUT_OF_MEMORY' && !this.closing) {
        this.replace(member);
        return;
      }
      this.fail(new TapError('internal', `REST page worker failed: ${error.message}`, { cause: error }));
    });
    worker.on('messageerror', (error) =>
      this.fail(new TapError('internal', `REST page worker sent an unreadable message: ${error.message}`)),
    );
    worker.on('exit', (code) => {
      if (!this.closing && !member.retired)
        this.fail(new TapError('internal', `REST page worker exited (code ${code})`));
    });
    return member;
  }

  /** A worker that ran out of memory: its pages fail with WorkerOutOfMemory and a new worker takes its place. */
  private replace(member: Member): void {
    if (member.retired) return;
    member.retired = true;
    for (const pending of member.pending.values())
      pending.reject(new WorkerOutOfMemory('page too large for a worker'));
    member.pending.clear();
    const index = this.members.indexOf(member);
    const fresh = this.start();
    for (const [key, setup] of this.setups)
      fresh.worker.postMessage({ kind: 'setup', key, setup } satisfies ToWorker);
    if (index >= 0) this.members[index] = fresh;
    void member.worker.terminate().catch(() => undefined);
  }

  private receive(member: Member, message: FromWorker): void {
    const pending = member.pending.get(message.job);
    if (!pending) return;
    if (message.kind === 'head') {
      pending.headSettled = true;
      pending.resolveHead(message.head);
      return;
    }
    member.pending.delete(message.job);
    if (message.kind === 'lines') {
      pending.resolveLines({
        bytes: new Uint8Array(message.bytes),
        used: message.used,
        ends: message.ends,
        positions: message.positions,
        count: message.count,
        input: message.input,
      });
    } else {
      pending.reject(
        message.malformed
          ? new MalformedPage(message.message)
          : new TapError('internal', `REST page worker: ${message.message}`),
      );
    }
  }

  private fail(error: TapError): void {
    if (this.failure) return;
    this.failure = error;
    for (const member of this.members) {
      for (const pending of member.pending.values()) pending.reject(error);
      member.pending.clear();
    }
    void this.close();
  }

  /** Sends a stream's setup to every worker; its key goes with each page of the stream. */
  register(setup: PageSetup): number {
    const key = this.nextKey++;
    this.setups.set(key, setup);
    for (const { worker } of this.members)
      worker.postMessage({ kind: 'setup', key, setup } satisfies ToWorker);
    return key;
  }

  forget(key: number): void {
    if (!this.setups.delete(key) || this.closing) return;
    for (const { worker } of this.members) worker.postMessage({ kind: 'forget', key } satisfies ToWorker);
  }

  /** Hands a page over (its bytes are transferred: the caller's view of them is emptied). */
  submit(key: number, bytes: Uint8Array, prefix: string): PageJob {
    const job = this.nextJob++;
    let resolveHead!: (head: PageHead) => void;
    let rejectHead!: (error: unknown) => void;
    let resolveLines!: (lines: PageLines & { input?: ArrayBuffer }) => void;
    let rejectLines!: (error: unknown) => void;
    const head = new Promise<PageHead>((resolve, reject) => {
      resolveHead = resolve;
      rejectHead = reject;
    });
    const lines = new Promise<PageLines & { input?: ArrayBuffer }>((resolve, reject) => {
      resolveLines = resolve;
      rejectLines = reject;
    });
    const pending: Pending = {
      headSettled: false,
      resolveHead,
      resolveLines,
      reject: (error) => {
        if (!pending.headSettled) rejectHead(error);
        rejectLines(error);
      },
    };
    // The caller may stop listening (an interrupted run); a failure nobody awaits is not unhandled.
    head.catch(() => undefined);
    lines.catch(() => undefined);
    if (this.failure || this.closing) {
      pending.reject(this.failure ?? new TapError('internal', 'REST page workers are closed'));
      return { head, lines };
    }
    // The member with the fewest pages in hand, taking turns on a tie.
    let chosen = this.members[this.turn % this.members.length] as Member;
    for (const member of this.members) if (member.pending.size < chosen.pending.size) chosen = member;
    this.turn++;
    chosen.pending.set(job, pending);
    // The page's whole buffer is transferred (the view starts at its first byte, or is copied out first).
    const own =
      bytes.byteOffset === 0 && bytes.buffer instanceof ArrayBuffer
        ? bytes.buffer
        : (bytes.slice().buffer as ArrayBuffer);
    chosen.worker.postMessage(
      { kind: 'page', job, key, prefix, bytes: own, length: bytes.byteLength } satisfies ToWorker,
      [own],
    );
    return { head, lines };
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const closed = new TapError('internal', 'REST page workers are closed');
    for (const member of this.members) {
      for (const pending of member.pending.values()) pending.reject(closed);
      member.pending.clear();
    }
    await Promise.all(this.members.map(({ worker }) => worker.terminate().catch(() => undefined)));
  }
}

let shared: PagePool | null = null;
let leases = 0;

/** A stream's use of the shared pool; `release()` once, when the stream's pages are done. */
export interface PoolLease {
  submit(bytes: Uint8Array, prefix: string): PageJob;
  release(): Promise<void>;
}

/** Leases the shared pool for a stream of `setup` (starting `size` workers if no stream holds them). */
export function leasePool(setup: PageSetup, size: number): PoolLease {
  if (!shared) shared = new PagePool(Math.max(1, size));
  const pool = shared;
  leases++;
  const key = pool.register(setup);
  let released = false;
  return {
    submit: (bytes, prefix) => pool.submit(key, bytes, prefix),
    release: async () => {
      if (released) return;
      released = true;
      pool.forget(key);
      if (--leases === 0) {
        if (shared === pool) shared = null;
        await pool.close();
      }
    },
  };
}
