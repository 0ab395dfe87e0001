/**
 * The Bulk runner (`api_type: BULK`). Bulk API 2.0 by default: one `queryAll` job per stream (the REST SOQL
 * without ORDER BY), polled with backoff, its CSV result pages streamed through the CSV parser and coerced
 * like REST records, the next pages read ahead while the current one is written. `bulk_api_version: "1.0"`
 * runs Bulk 1.0 with PK chunking instead (bulk1.ts).
 *
 * Resumable: STATE carries `bookmarks[stream].bulk` (see `Bulk2Resume` / `Bulk1Resume`), checkpointed after
 * every page (2.0) or chunk (1.0) is fully written; a new run picks the same job up where it stopped. Rows
 * come unordered, so the replication-key bookmark moves only in the final checkpoint, to the highest value
 * seen (never past the job's signpost).
 *
 * What Bulk cannot serve goes through the REST runner, with one warning line: selected compound fields,
 * objects the Bulk API refuses, and jobs that fail (REST copes with QUERY_TIMEOUT by splitting windows).
 */
import { ApiError } from '../../errors.js';
import { checkBulkQuota, recordBulkUsage } from '../../salesforce/bulk-limits.js';
import { BULK1_REFUSALS, Bulk1JobFailed, type Bulk1Resume, runBulk1Job } from '../../salesforce/bulk1.js';
import {
  BulkJobFailed,
  createJob,
  deleteJob,
  getJob,
  openResultPage,
  type PageDecoder,
  pollJob,
  readPage,
  resultPages,
} from '../../salesforce/bulk2.js';
import { buildSoql, type KeyType } from '../../salesforce/soql.js';
import type { StreamBookmark } from '../../singer/state.js';
import { CsvLineDecoder, type LineBatch, linePlanner } from '../csv-lines.js';
import { LineThread, lineThreadUseful } from '../csv-lines-thread.js';
import type { QueryRunner, RunnerContext, RunnerItem, SfRecord } from '../runner.js';
import { later } from '../state.js';
import { restRunner } from './rest.js';

/** `bookmarks[stream].bulk` while a Bulk 2.0 job is being read. */
export interface Bulk2Resume {
  api: '2.0';
  jobId: string;
  /** Locator of the next page to read; null = the first page. */
  locator: string | null;
  /** The job's window on the replication key, `[start, signpost)`. */
  start: string | null;
  signpost: string;
  /** Highest replication-key value written so far from this job. */
  highest: string | null;
}

export type BulkResume = Bulk2Resume | Bulk1Resume;

export const bulkRunner: QueryRunner = {
  name: 'BULK',
  ordered: false,
  run: runBulk,
};

/** Raised before any record is written when the stream should go through REST instead. */
class UseRest extends Error {
  override name = 'UseRest';
}

async function* runBulk(context: RunnerContext): AsyncGenerator<RunnerItem> {
  const { plan, config } = context;
  const compound = plan.fields.filter((f) => isCompound(plan.schema.properties?.[f]));
  try {
    if (compound.length > 0) {
      throw new UseRest(
        `the Bulk API cannot select compound field${compound.length > 1 ? 's' : ''} ${compound.join(', ')} (rediscover with api_type BULK to select their components)`,
      );
    }
    if (config.bulk.version === '1.0') yield* runVersion1(context);
    else yield* runVersion2(context);
  } catch (error) {
    if (!(error instanceof UseRest)) throw error;
    yield* viaRest(context, error.message);
  }
}

function isCompound(schema: { type?: unknown; properties?: unknown } | undefined): boolean {
  if (!schema) return false;
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  return types.includes('object') && schema.properties !== undefined;
}

/** Salesforce's answers that mean "not through Bulk", as opposed to a query REST would refuse too. */
export function isBulkRefusal(error: unknown): boolean {
  if (!(error instanceof ApiError) || error.status < 400 || error.status >= 500) return false;
  const code = error.errorCode ?? '';
  if (['INVALIDENTITY', 'InvalidEntity', 'FeatureNotEnabled', ...BULK1_REFUSALS].includes(code)) return true;
  return /not supported (by|in) (the )?Bulk|compound data not supported|Bulk API is not enabled/i.test(
    error.message,
  );
}

/** The highest replication-key value of `records` above `current`, never past `cap`. */
function highestKey(records: SfRecord[], rk: string, current: string | null, cap: string): string | null {
  let highest = current;
  for (const record of records) {
    const value = record[rk];
    if (typeof value === 'string' && value <= cap && (highest === null || value > highest)) highest = value;
  }
  return highest;
}

function finalCheckpoint(rk: string | null, highest: string | null, commit = false): RunnerItem {
  const bookmark: StreamBookmark = { bulk: null };
  if (rk && highest) bookmark[rk] = highest;
  return commit ? { type: 'checkpoint', bookmark, commit } : { type: 'checkpoint', bookmark };
}

function savedResume(bookmark: StreamBookmark, api: '2.0' | '1.0'): BulkResume | null {
  const saved = bookmark.bulk as Partial<BulkResume> | null | undefined;
  if (!saved || typeof saved !== 'object' || saved.api !== api || typeof saved.jobId !== 'string')
    return null;
  return saved as BulkResume;
}

function bulkSoql(context: RunnerContext): string {
  const { plan } = context;
  const rk = plan.replicationKey;
  const keyType: KeyType = rk && plan.schema.properties?.[rk]?.format === 'date' ? 'date' : 'datetime';
  return buildSoql({
    object: plan.object,
    fields: plan.fields,
    replicationKey: rk,
    keyType,
    start: plan.start,
    end: rk ? plan.signpost : null,
    orderBy: false,
  });
}

/**
 * The decoder factory for one job's result pages, replication-key values capped at `cap()`: in the line
 * worker when there is one, else on the main thread.
 */
function decoders(
  context: RunnerContext,
  thread: LineThread | null,
  cap: () => string,
): (skip: number) => PageDecoder<LineBatch> {
  const { plan } = context;
  const setup = {
    stream: plan.stream,
    schema: plan.schema,
    fields: plan.fields,
    replicationKey: plan.replicationKey,
  };
  const planner = linePlanner(setup);
  return (skip) =>
    thread
      ? thread.decoder({ setup, skip, cap: cap(), prefix: context.recordPrefix })
      : new CsvLineDecoder({ plan: planner, prefix: context.recordPrefix, skip, cap: cap() });
}

function linesItem(batch: LineBatch, total?: number): RunnerItem {
  const { lines, count, release } = batch;
  return {
    type: 'lines',
    lines,
    count,
    ...(total === undefined ? {} : { total }),
    ...(release ? { release } : {}),
  };
}

async function* runVersion2(context: RunnerContext): AsyncGenerator<RunnerItem> {
  const { client, config, plan, logger, signal } = context;
  const rk = plan.replicationKey;
  let job = savedResume(plan.bookmark, '2.0') as Bulk2Resume | null;
  let total: number | undefined;

  if (job) {
    try {
      const info = await getJob(client, job.jobId, signal);
      if (info.state === 'Failed' || info.state === 'Aborted') {
        logger.info(`${plan.stream}: saved Bulk job ${job.jobId} ended ${info.state}; querying again`);
        job = null;
      } else {
        logger.info(
          { stream: plan.stream, jobId: job.jobId, locator: job.locator },
          `${plan.stream}: resuming Bulk job ${job.jobId}${job.locator ? ` at page ${job.locator}` : ''}`,
        );
      }
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
      logger.info(
        `${plan.stream}: saved Bulk job ${job?.jobId} is gone (expired or deleted); querying again`,
      );
      job = null;
    }
  }

  // Two rounds at most: a resumed job whose results vanish before its first page is replaced once.
  for (let round = 0; ; round++) {
    const resumed = job !== null;
    if (!job) {
      const soql = bulkSoql(context);
      await checkBulkQuota(client, 'DailyBulkV2QueryJobs', config, logger);
      let created: Awaited<ReturnType<typeof createJob>>;
      try {
        created = await createJob(client, { soql, signal });
      } catch (error) {
        if (isBulkRefusal(error))
          throw new UseRest(`the Bulk API refuses this query (${(error as Error).message})`);
        throw error;
      }
      recordBulkUsage(client, 'DailyBulkV2QueryJobs');
      logger.info(
        { stream: plan.stream, jobId: created.id },
        `${plan.stream}: Bulk job ${created.id} created`,
      );
      job = {
        api: '2.0',
        jobId: created.id,
        locator: null,
        start: plan.start,
        signpost: plan.signpost,
        highest: null,
      };
      yield { type: 'checkpoint', bookmark: { bulk: { ...job } } };
    }
    const current: Bulk2Resume = job;

    try {
      const info = await pollJob(client, current.jobId, {
        timeoutSeconds: config.bulk.pollTimeoutSeconds,
        signal,
      });
      total = info.numberRecordsProcessed;
    } catch (error) {
      if (!(error instanceof BulkJobFailed)) throw error;
      await deleteJob(client, current.jobId).catch(() => undefined);
      throw new UseRest(`Bulk job ${current.jobId} failed (${error.errorMessage})`);
    }

    const options = {
      maxRecords: config.bulk.maxRecords,
      gzip: config.bulk.gzip,
      parallel: config.bulk.parallelDownloads,
      signal,
    };
    const thread = lineThreadUseful(config.bulk.lineWorker) ? new LineThread() : null;
    const decoder = decoders(context, thread, () => current.signpost);
    let highest = current.highest;
    let pagesRead = 0;
    try {
      for await (const page of resultPages(client, current.jobId, current.locator, options)) {
        const reopen = () => openResultPage(client, current.jobId, page.locator, options);
        for await (const batch of readPage(client, page, { decoder, reopen })) {
          highest = later(highest, batch.highest);
          yield linesItem(batch, total);
        }
        pagesRead++;
        if (page.next) {
          yield {
            type: 'checkpoint',
            bookmark: { bulk: { ...current, locator: page.next, highest } satisfies Bulk2Resume },
          };
        }
      }
    } catch (error) {
      if (resumed && pagesRead === 0 && round === 0 && error instanceof ApiError && error.status === 404) {
        logger.info(`${plan.stream}: results of Bulk job ${current.jobId} are gone; querying again`);
        job = null;
        continue;
      }
      throw error;
    } finally {
      await thread?.close();
    }

    // The STATE that no longer points at the job is on stdout before the job is deleted: a run killed in
    // between resumes from it, instead of finding its saved job gone and reading the whole object again.
    yield finalCheckpoint(rk, highest, true);
    try {
      await deleteJob(client, current.jobId);
    } catch (error) {
      logger.warn(`${plan.stream}: could not delete Bulk job ${current.jobId}: ${(error as Error).message}`);
    }
    return;
  }
}

async function* runVersion1(context: RunnerContext): AsyncGenerator<RunnerItem> {
  const { plan } = context;
  const rk = plan.replicationKey;
  const saved = savedResume(plan.bookmark, '1.0') as Bulk1Resume | null;
  let highest: string | null = saved?.highest ?? null;
  let cap = saved?.signpost ?? plan.signpost;
  let wrote = false;
  const thread = lineThreadUseful(context.config.bulk.lineWorker) ? new LineThread() : null;
  try {
    for await (const item of runBulk1Job(context, {
      soql: bulkSoql(context),
      saved,
      decoder: decoders(context, thread, () => cap),
    })) {
      if (item.type === 'batch') {
        wrote = true;
        highest = later(highest, item.batch.highest);
        yield linesItem(item.batch);
      } else {
        cap = item.resume.signpost;
        yield { type: 'checkpoint', bookmark: { bulk: { ...item.resume, highest } } };
      }
    }
  } catch (error) {
    if (isBulkRefusal(error))
      throw new UseRest(`the Bulk API refuses this query (${(error as Error).message})`);
    if (error instanceof Bulk1JobFailed && !wrote) throw new UseRest(error.message);
    throw error;
  } finally {
    await thread?.close();
  }
  yield finalCheckpoint(rk, highest);
}

/** The stream through the REST runner, with the final checkpoint an unordered runner owes the engine. */
async function* viaRest(context: RunnerContext, reason: string): AsyncGenerator<RunnerItem> {
  const { plan, logger } = context;
  logger.warn({ stream: plan.stream }, `${plan.stream}: ${reason}; syncing this stream through REST`);
  const rk = plan.replicationKey;
  let highest: string | null = null;
  for await (const item of restRunner.run(context)) {
    if (item.type === 'records' && rk) highest = highestKey(item.records, rk, highest, plan.signpost);
    yield item;
  }
  yield finalCheckpoint(rk, highest);
}
