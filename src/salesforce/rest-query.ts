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

/**
 * One query page's body as bytes, unparsed (for callers that parse it elsewhere, e.g. in a worker thread).
 * The body is read inside the client's retry, like `client.json`, so a body cut short is fetched again.
 */
export async function queryPageBytes(
  client: SalesforceClient,
  path: string,
  options: { label: string; signal?: AbortSignal },
): Promise<Uint8Array> {
  return client.withRetry({ label: options.label, signal: options.signal }, async () => {
    const response = await client.request({ path, label: options.label, signal: options.signal });
    return new Uint8Array(await response.arrayBuffer());
  });
}
