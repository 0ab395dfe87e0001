/**
 * The REST runner: `queryAll` pages, incremental windows `[start, signpost)` ordered by (key, Id), full
 * table ordered by Id from the last Id written (resumable). QUERY_TIMEOUT splits the window in halves;
 * objects whose full SOQL does not fit in a URL are queried in field chunks merged by Id. When the engine
 * takes lines from it, pages of one query go to page workers and come back as RECORD line bytes
 * (rest-pages.ts); field-chunked objects, and callers that read records, get records.
 */
import { ApiError } from '../../errors.js';
import type { SalesforceClient } from '../../salesforce/client.js';
import { type QueryPage, queryAllPages, queryAllPath } from '../../salesforce/rest-query.js';
import { buildSoql, chunkFields, type KeyType, type SoqlOptions } from '../../salesforce/soql.js';
import { compileCoercer } from '../coerce.js';
import { pageWorkerCount } from '../page-pool.js';
import { queryAllLines } from '../rest-pages.js';
import type { QueryRunner, RunnerContext, RunnerItem, SfRecord } from '../runner.js';

/** URI + headers must stay under 16 384 bytes; leave room for the headers (the bearer token above all). */
export const MAX_QUERY_URL = 12_000;
/** Halvings of one window before QUERY_TIMEOUT is given up on (1/4096 of the window). */
export const MAX_SPLIT_DEPTH = 12;

interface Window {
  start: string | null;
  end: string;
  depth: number;
}

export const restRunner: QueryRunner = {
  name: 'REST',
  ordered: true,
  run: runRest,
};

async function* runRest(context: RunnerContext): AsyncGenerator<RunnerItem> {
  const { plan, client, logger, signal } = context;
  const props = plan.schema.properties ?? {};
  const hasId = 'Id' in props;
  const rk = plan.replicationKey;
  const keyType: KeyType = rk && props[rk]?.format === 'date' ? 'date' : 'datetime';
  const coerce = compileCoercer(plan.schema, plan.fields, 'json');
  const base: SoqlOptions = { object: plan.object, fields: plan.fields, orderById: hasId };
  const always = [...(hasId ? ['Id'] : []), ...(rk ? [rk] : [])];
  const groups = chunkFields(plan.fields, always, (group) =>
    fitsUrl(
      client,
      buildSoql({
        ...base,
        fields: group,
        replicationKey: rk,
        start: plan.start,
        end: plan.signpost,
        afterId: '0'.repeat(18),
      }),
    ),
  );
  if (groups.length > 1) {
    if (!hasId)
      throw new ApiError(`${plan.object}: too wide for one query and has no Id to merge chunks by`, 0);
    logger.info(
      { stream: plan.stream, chunks: groups.length },
      `${plan.stream}: querying ${groups.length} field chunks merged by Id`,
    );
  }
  const pages = (options: SoqlOptions): AsyncGenerator<RowsPage> =>
    groups.length === 1
      ? rowsOf(queryAllPages(client, buildSoql(options), { label: `query ${plan.object}`, signal }))
      : mergedPages(
          client,
          groups.map((g) => buildSoql({ ...options, fields: g })),
          plan.object,
          signal,
          logger,
        );
  // Pages of one query, as the engine's lines when it takes them from this runner, through page workers.
  const workers = context.orderedLines ? pageWorkerCount(context.config.restPageWorkers) : 0;
  const setup = { schema: plan.schema, fields: plan.fields, position: rk ?? (hasId ? 'Id' : null) };
  if (groups.length === 1 && workers > 0)
    logger.debug(
      { stream: plan.stream, workers },
      `${plan.stream}: pages after the first converted in ${workers} workers`,
    );
  /** Each page as one runner item, with the replication-key value of its last record (null if none). */
  async function* items(options: SoqlOptions): AsyncGenerator<{ item: RunnerItem; tail: string | null }> {
    if (groups.length === 1 && workers > 0) {
      const lines = queryAllLines(client, buildSoql(options), {
        label: `query ${plan.object}`,
        signal,
        setup,
        prefix: context.recordPrefix,
        workers,
      });
      for await (const page of lines) {
        if (page.count === 0) continue;
        const { count, total, ends, positions } = page;
        yield {
          item: { type: 'lines', lines: page.lines, count, total, ends, positions },
          tail: rk ? (positions[count - 1] ?? null) : null,
        };
      }
      return;
    }
    for await (const page of pages(options)) {
      const records = take(page, coerce);
      const tail = rk ? records[records.length - 1]?.[rk] : null;
      yield {
        item: { type: 'records', records, total: page.total },
        tail: typeof tail === 'string' ? tail : null,
      };
    }
  }

  if (!rk) {
    const afterId = hasId && typeof plan.bookmark.last_id === 'string' ? plan.bookmark.last_id : null;
    for await (const { item } of items({ ...base, afterId })) yield item;
    return;
  }

  const windows: Window[] = [{ start: plan.start, end: plan.signpost, depth: 0 }];
  let warned = false;
  while (windows.length > 0) {
    const window = windows.shift() as Window;
    let last: string | null = null;
    try {
      for await (const { item, tail } of items({
        ...base,
        replicationKey: rk,
        keyType,
        start: window.start,
        end: window.end,
      })) {
        if (tail !== null) last = tail;
        yield item;
      }
    } catch (error) {
      if (!(error instanceof ApiError && error.errorCode === 'QUERY_TIMEOUT')) throw error;
      // Rows already written stay written; the rest of the window is queried again in halves (rows at
      // `last` itself come again: `>=`).
      const from = last ?? window.start ?? new Date(0).toISOString();
      const lo = Date.parse(from);
      const hi = Date.parse(window.end);
      const mid = lo + Math.floor((hi - lo) / 2 / 1000) * 1000;
      if (window.depth >= MAX_SPLIT_DEPTH || mid <= lo) {
        throw new ApiError(
          `${plan.object}: QUERY_TIMEOUT even for a window of ${Math.round((hi - lo) / 1000)} s (${from} to ${window.end}); giving up`,
          error.status,
          'QUERY_TIMEOUT',
          { cause: error },
        );
      }
      if (!warned) {
        logger.warn(
          { stream: plan.stream, start: from, end: window.end },
          `${plan.stream}: QUERY_TIMEOUT; querying the ${rk} window in halves (repeated as needed, up to ${MAX_SPLIT_DEPTH} times)`,
        );
        warned = true;
      }
      const midIso = new Date(mid).toISOString();
      windows.unshift(
        { start: from, end: midIso, depth: window.depth + 1 },
        { start: midIso, end: window.end, depth: window.depth + 1 },
      );
    }
  }
}

/** The page's rows coerced; the raw rows are released at once, so only one copy of a page stays alive. */
function take(page: RowsPage, coerce: (raw: Record<string, unknown>) => SfRecord): SfRecord[] {
  const records = page.rows.map(coerce);
  page.rows.length = 0;
  return records;
}

function fitsUrl(client: SalesforceClient, soql: string): boolean {
  return client.url(queryAllPath(client, soql)).length <= MAX_QUERY_URL;
}

interface RowsPage {
  rows: Array<Record<string, unknown>>;
  total: number;
}

async function* rowsOf(pages: AsyncGenerator<QueryPage>): AsyncGenerator<RowsPage> {
  for await (const page of pages) yield { rows: page.records, total: page.totalSize };
}

/**
 * Rows of several queries that differ only in their fields, merged by Id. Every query has the same WHERE and
 * ORDER BY, so rows come in the same order; the query that has delivered the fewest rows is read next, and a
 * row is emitted once every query has delivered its part. A row some query never returns changed or vanished
 * after the signpost (it is read again next run) and is dropped with a warning.
 */
async function* mergedPages(
  client: SalesforceClient,
  soqls: string[],
  object: string,
  signal: AbortSignal,
  logger: RunnerContext['logger'],
): AsyncGenerator<RowsPage> {
  const n = soqls.length;
  const iterators = soqls.map((soql, i) =>
    queryAllPages(client, soql, { label: `query ${object} (chunk ${i + 1}/${n})`, signal }),
  );
  const received = new Array<number>(n).fill(0);
  const finished = new Array<boolean>(n).fill(false);
  const pending = new Map<string, { parts: number; row: Record<string, unknown> }>();
  let total = 0;
  try {
    for (;;) {
      let next = -1;
      for (let i = 0; i < n; i++) {
        if (!finished[i] && (next < 0 || (received[i] as number) < (received[next] as number))) next = i;
      }
      if (next < 0) break;
      const result = await (iterators[next] as AsyncGenerator<QueryPage>).next();
      if (result.done) {
        finished[next] = true;
        continue;
      }
      const page = result.value;
      if (next === 0) total = page.totalSize;
      received[next] = (received[next] as number) + page.records.length;
      const complete: Array<Record<string, unknown>> = [];
      for (const row of page.records) {
        const id = row.Id as string;
        const entry = pending.get(id);
        if (!entry) {
          pending.set(id, { parts: 1, row: { ...row } });
          continue;
        }
        Object.assign(entry.row, row);
        entry.parts++;
        if (entry.parts === n) {
          pending.delete(id);
          complete.push(entry.row);
        }
      }
      if (complete.length > 0) yield { rows: complete, total };
    }
    if (pending.size > 0) {
      logger.warn(
        { object, rows: pending.size },
        `${object}: ${pending.size} rows changed between field-chunk queries; the next run reads them again`,
      );
    }
  } finally {
    await Promise.all(iterators.map((it) => it.return(undefined)));
  }
}
