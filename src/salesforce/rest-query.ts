/**
 * `queryAll` paged through `nextRecordsUrl` by our own loop: jsforce's autoFetch stops at 10 000 rows and
 * keeps every record. One page is fetched ahead while the caller writes the current one, so memory holds
 * two pages at most, whatever the table's size. Each page is read whole inside the client's retry, so a
 * body cut short is fetched again and never half-used.
 */
import type { SalesforceClient } from './client.js';

export interface QueryPage {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string | null;
  records: Array<Record<string, unknown>>;
}

/** The request path for a `queryAll` of `soql`; its length decides whether a query fits in a URL. */
export function queryAllPath(client: SalesforceClient, soql: string): string {
  return `${client.dataPath('queryAll')}?q=${encodeURIComponent(soql)}`;
}

export interface PageOptions {
  label?: string;
  signal?: AbortSignal;
}

/** Pages of `queryAll` for `soql`, the next one prefetched. Breaking out of the loop cancels the prefetch. */
export async function* queryAllPages(
  client: SalesforceClient,
  soql: string,
  options: PageOptions = {},
): AsyncGenerator<QueryPage> {
  const label = options.label ?? 'query';
  const controller = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
  const get = (path: string): Promise<QueryPage> => client.json<QueryPage>({ path, label, signal });
  let pending: Promise<QueryPage> | null = get(queryAllPath(client, soql));
  try {
    while (pending) {
      const page: QueryPage = await pending;
      pending = page.nextRecordsUrl && !page.done ? get(page.nextRecordsUrl) : null;
      // Until the caller asks for it, a failure of the prefetch must not count as unhandled.
      pending?.catch(() => undefined);
      yield page;
    }
  } finally {
    if (pending) {
      controller.abort();
      await pending.catch(() => undefined);
    }
  }
}

/** Where `queryPageBytes` gets the memory for page bodies, so that it can be used again. */
export interface ByteBuffers {
  /** A buffer of at least `min` bytes (0: of the size the caller expects a page to need). */
  take(min: number): ArrayBuffer;
  /** A buffer no longer used. */
  give(buffer: ArrayBuffer): void;
}

/**
 * One query page's body as bytes, unparsed (for callers that parse it elsewhere, e.g. in a worker thread).
 * The body is read inside the client's retry, like `client.json`, so a body cut short is fetched again. With
 * `buffers` the body is read into a buffer taken from there (the view starts at its first byte), instead of
 * a new one per page.
 */
export async function queryPageBytes(
  client: SalesforceClient,
  path: string,
  options: { label: string; signal?: AbortSignal; buffers?: ByteBuffers },
): Promise<Uint8Array> {
  const { buffers } = options;
  return client.withRetry({ label: options.label, signal: options.signal }, async () => {
    const response = await client.request({ path, label: options.label, signal: options.signal });
    if (!buffers) return new Uint8Array(await response.bytes());
    let bytes = new Uint8Array(buffers.take(0));
    let used = 0;
    try {
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        if (used + chunk.length > bytes.length) {
          const grown = new Uint8Array(buffers.take(Math.max(bytes.length * 2, used + chunk.length)));
          grown.set(bytes.subarray(0, used));
          buffers.give(bytes.buffer as ArrayBuffer);
          bytes = grown;
        }
        bytes.set(chunk, used);
        used += chunk.length;
      }
    } catch (error) {
      buffers.give(bytes.buffer as ArrayBuffer);
      throw error;
    }
    return bytes.subarray(0, used);
  });
}
