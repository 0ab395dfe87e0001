/**
 * `queryAll` pages as RECORD line bytes, in order. The main thread fetches pages (through the client, so its
 * retry policy, session refresh, API usage and quota guards apply to every request) and page workers
 * (page-pool.ts) convert them. The next page is requested as soon as this one's head names it — read from
 * the page's first bytes, else once a worker has parsed it — so fetching runs while the workers convert.
 * At most `workers + 1` pages are held besides the one the caller is writing. A result of a single page is
 * converted on the main thread, so small streams start no worker.
 */
import { ApiError } from '../errors.js';
import { Retriable, type SalesforceClient } from '../salesforce/client.js';
import { type ByteBuffers, queryAllPath, queryPageBytes } from '../salesforce/rest-query.js';
import {
  compilePageLines,
  MalformedPage,
  type PageHead,
  type PageLines,
  type PageSetup,
  sameHead,
  sniffHead,
} from './page-lines.js';
import { leasePool, type PoolLease, WorkerOutOfMemory } from './page-pool.js';

export interface LinesPage {
  /** The page's RECORD lines, UTF-8. */
  lines: Buffer;
  /** Byte offset just past each record's line. */
  ends: Uint32Array;
  /** Each record's position value (replication key or Id), else null. */
  positions: Array<string | null>;
  count: number;
  total: number;
}

export interface LinesOptions {
  label: string;
  signal: AbortSignal;
  setup: PageSetup;
  /** The head of this stream's RECORD lines, taken when a page is handed over for conversion. */
  prefix: () => string;
  /** Page workers (at least 1). */
  workers: number;
}

interface Loaded {
  head: PageHead;
  lines: Promise<PageLines>;
}

export async function* queryAllLines(
  client: SalesforceClient,
  soql: string,
  options: LinesOptions,
): AsyncGenerator<LinesPage> {
  const { label, setup, prefix } = options;
  const controller = new AbortController();
  const signal = AbortSignal.any([options.signal, controller.signal]);
  const depth = Math.max(2, options.workers + 1);
  let local: ReturnType<typeof compilePageLines> | null = null;
  let lease: PoolLease | null = null;
  const buffers = recycled(depth + 1);

  const malformed = (error: MalformedPage): Retriable =>
    new Retriable(new ApiError(`${label}: ${error.message}`, 200, undefined, { cause: error }));
  /** Converts a page on this thread; a malformed page is retried like any malformed answer. */
  const convertHere = (bytes: Uint8Array): { head: PageHead; lines: PageLines } => {
    local ??= compilePageLines(setup);
    let head: PageHead | null = null;
    try {
      const lines = local(bytes, prefix(), (h) => {
        head = h;
      });
      return { head: head as unknown as PageHead, lines };
    } catch (error) {
      if (error instanceof MalformedPage) throw malformed(error);
      throw error;
    }
  };

  /** Fetches a page and hands it over; resolves once the next page's address is known. */
  let loads = 0;
  const load = (path: string): Promise<Loaded> => {
    const first = loads++ === 0;
    return client.withRetry({ label, signal }, async () => {
      const bytes = await queryPageBytes(client, path, { label, signal, buffers });
      signal.throwIfAborted();
      const sniffed = sniffHead(bytes);
      // The first page stays here when it is the only one (or says nothing before it is parsed).
      if (lease === null && (sniffed ? sniffed.done : first)) {
        try {
          const { head, lines } = convertHere(bytes);
          return { head, lines: Promise.resolve(lines) };
        } finally {
          buffers.give(bytes.buffer as ArrayBuffer);
        }
      }
      lease ??= leasePool(setup, options.workers);
      const job = lease.submit(bytes, prefix());
      if (sniffed) {
        // Paging goes on at once; the parsed head must agree before the page's lines are used.
        const checked = job.head.then((head) => {
          if (!sameHead(sniffed, head))
            throw new ApiError(`${label}: the page's head and its parsed content disagree`, 200);
          return job.lines;
        });
        checked.catch(() => undefined);
        return { head: sniffed, lines: checked };
      }
      let head: PageHead;
      try {
        head = await job.head;
      } catch (error) {
        if (error instanceof MalformedPage) throw malformed(error);
        if (!(error instanceof WorkerOutOfMemory)) throw error;
        // Too large for a worker: read again and converted here.
        const here = convertHere(await queryPageBytes(client, path, { label, signal }));
        return { head: here.head, lines: Promise.resolve(here.lines) };
      }
      return { head, lines: job.lines };
    });
  };

  /** A page already handed over; one found malformed only after its head was read is fetched again here. */
  const linesOf = async (path: string, loaded: Loaded): Promise<PageLines> => {
    try {
      const lines: PageLines & { input?: ArrayBuffer } = await loaded.lines;
      if (lines.input) buffers.give(lines.input);
      return lines;
    } catch (error) {
      const tooLarge = error instanceof WorkerOutOfMemory;
      if (!(error instanceof MalformedPage) && !tooLarge) throw error;
      // Fetched again and converted here: a malformed page counts as the first attempt.
      return client.withRetry({ label, signal }, async (attempt) => {
        if (attempt === 1 && error instanceof MalformedPage) throw malformed(error);
        const { head, lines } = convertHere(await queryPageBytes(client, path, { label, signal }));
        // The first page read again opens a new query locator; the pages after it came from the first one,
        // which holds the same rows in the same order.
        if (head.totalSize !== loaded.head.totalSize || head.done !== loaded.head.done)
          throw new ApiError(`${label}: the page changed between two reads`, 200);
        return lines;
      });
    }
  };

  const queue: Array<{ path: string; loaded: Promise<Loaded> }> = [];
  let next: string | null = queryAllPath(client, soql);
  let fetching = false;
  const pump = (): void => {
    if (next === null || fetching || queue.length >= depth || signal.aborted) return;
    const path = next;
    next = null;
    fetching = true;
    const loaded = load(path);
    queue.push({ path, loaded });
    loaded.then(
      (page) => {
        fetching = false;
        next = page.head.done ? null : page.head.nextRecordsUrl;
        pump();
      },
      // The caller meets the failure when it reaches this page; paging stops here.
      () => {
        fetching = false;
      },
    );
  };

  try {
    pump();
    while (queue.length > 0) {
      const { path, loaded } = queue[0] as { path: string; loaded: Promise<Loaded> };
      const page = await loaded;
      const lines = await linesOf(path, page);
      queue.shift();
      pump();
      yield {
        lines: Buffer.from(lines.bytes.buffer, lines.bytes.byteOffset, lines.used),
        ends: lines.ends,
        positions: lines.positions,
        count: lines.count,
        total: page.head.totalSize,
      };
    }
  } finally {
    controller.abort();
    next = null;
    // Releasing the pool first: pages still in a worker are settled at once when it ends.
    await (lease as PoolLease | null)?.release();
    await Promise.all(queue.map(({ loaded }) => loaded.then((page) => page.lines).catch(() => undefined)));
  }
}

/**
 * Page buffers used again: a page's bytes go to a worker and come back with its lines, so a stream allocates
 * a few buffers instead of one per page (fewer garbage collections on the main thread). A new buffer is as
 * large as the largest asked for so far.
 */
function recycled(keep: number): ByteBuffers {
  let free: ArrayBuffer[] = [];
  let size = 256 * 1024;
  return {
    take(min) {
      const want = Math.max(min, size);
      const index = free.findIndex((b) => b.byteLength >= want);
      if (index >= 0) return free.splice(index, 1)[0] as ArrayBuffer;
      size = want;
      // Smaller buffers will not be asked for again.
      free = free.filter((b) => b.byteLength >= size);
      return new ArrayBuffer(size);
    },
    give(buffer) {
      if (buffer.byteLength >= size && free.length < keep) free.push(buffer);
    },
  };
}
