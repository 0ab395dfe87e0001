/**
 * Bulk API 1.0 query jobs with PK chunking (`bulk_api_version: "1.0"`), the behaviour users of the singer-io
 * tap rely on: `Sforce-Enable-PKChunking: chunkSize=N[; parent=X]`, the chunk batches polled as one list,
 * the original batch (`NotProcessed` once split) ignored, failed chunks run again, and the job and the
 * batches still to read kept in STATE so a killed run resumes them.
 *
 * Bulk 1.0 authenticates with `X-SFDC-Session` (set per attempt by the client) and answers in XML for CSV
 * jobs; the few fields read here are taken from either XML or JSON.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError } from '../errors.js';
import type { RunnerContext } from '../sync/runner.js';
import { checkBulkQuota, recordBulkUsage } from './bulk-limits.js';
import { type OpenPage, type PageDecoder, pollDelayMs, readPage, readSignal } from './bulk2.js';
import type { SalesforceClient } from './client.js';

/** Bulk 1.0 exceptionCodes that mean "this object or query cannot go through Bulk". */
export const BULK1_REFUSALS = ['InvalidEntity', 'FeatureNotEnabled'];

/** A batch whose results are still to be written: `[jobId, batchId]`. */
export type BatchRef = [string, string];

/** `bookmarks[stream].bulk` while a Bulk 1.0 job is being read. */
export interface Bulk1Resume {
  api: '1.0';
  jobId: string;
  /** The batch holding the query (split into chunk batches under PK chunking). */
  batchId: string;
  /** Completed batches not yet written, in order; null while the job is still running. */
  pending: BatchRef[] | null;
  start: string | null;
  signpost: string;
  highest: string | null;
}

export interface BatchInfo {
  id: string;
  jobId: string;
  state: string;
  stateMessage?: string;
}

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function unescapeXml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos);/g, (_, name: string) => XML_ENTITIES[name] ?? '');
}

/** `<name>value</name>` leaves of one XML element, or the string fields of a JSON object. */
function fields(body: string | Record<string, unknown>): Record<string, string> {
  if (typeof body !== 'string') {
    return Object.fromEntries(Object.entries(body).filter(([, v]) => typeof v === 'string')) as Record<
      string,
      string
    >;
  }
  const out: Record<string, string> = {};
  for (const m of body.matchAll(/<(\w+)>([^<]*)<\/\1>/g)) out[m[1] as string] ??= unescapeXml(m[2] as string);
  return out;
}

function parseBody(text: string): string | Record<string, unknown> | unknown[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('['))
    return JSON.parse(trimmed) as Record<string, unknown>;
  return text;
}

function asBatch(o: string | Record<string, unknown>): BatchInfo {
  const f = fields(o);
  return { id: f.id ?? '', jobId: f.jobId ?? '', state: f.state ?? '', stateMessage: f.stateMessage };
}

/** Batches from a `batchInfoList` (XML) or `{batchInfo: [...]}` (JSON). */
export function parseBatchList(text: string): BatchInfo[] {
  const body = parseBody(text);
  if (typeof body === 'string') {
    return [...body.matchAll(/<batchInfo>([\s\S]*?)<\/batchInfo>/g)].map((m) => asBatch(m[1] as string));
  }
  const list = (body as Record<string, unknown>).batchInfo;
  const items = Array.isArray(list) ? list : list ? [list] : [];
  return items.map((item) => asBatch(item as Record<string, unknown>));
}

/** Result ids from a `result-list` (XML) or a JSON array. */
export function parseResultList(text: string): string[] {
  const body = parseBody(text);
  if (Array.isArray(body)) return body.filter((v): v is string => typeof v === 'string');
  if (typeof body === 'string')
    return [...body.matchAll(/<result>([^<]+)<\/result>/g)].map((m) => m[1] as string);
  return [];
}

/** The parent object PK chunking must split on for History, Share and similar tables, else null. */
export function pkChunkingParent(object: string): string | null {
  const m = /^(.+?)(FieldHistory|History|Share|CleanInfo)$/.exec(object);
  if (!m) return null;
  const base = m[1] as string;
  // Foo__History / Foo__Share belong to Foo__c.
  return base.endsWith('__') ? `${base}c` : base;
}

/** The PK chunking header value: `chunkSize=N` with `; parent=X` for History/Share objects. */
export function pkChunkingHeader(object: string, chunkSize: number): string {
  const parent = pkChunkingParent(object);
  return `chunkSize=${chunkSize}${parent ? `; parent=${parent}` : ''}`;
}

class Bulk1Api {
  constructor(
    private readonly client: SalesforceClient,
    private readonly signal?: AbortSignal,
  ) {}

  private path(tail: string): string {
    return `/services/async/${this.client.apiVersion}/job${tail}`;
  }

  async text(
    method: 'GET' | 'POST',
    tail: string,
    label: string,
    body?: string,
    headers?: Record<string, string>,
  ): Promise<string> {
    return this.client.withRetry(label, async () => {
      const response = await this.client.request({
        method,
        path: this.path(tail),
        body,
        headers: { Accept: 'application/xml, application/json', ...headers },
        label,
        sessionHeader: 'X-SFDC-Session',
        signal: this.signal,
      });
      return response.text();
    });
  }

  async createJob(object: string, pkChunking: string | null): Promise<string> {
    const headers: Record<string, string> = { 'Content-Type': 'application/json; charset=UTF-8' };
    if (pkChunking) headers['Sforce-Enable-PKChunking'] = pkChunking;
    const text = await this.text(
      'POST',
      '',
      'bulk1.create',
      JSON.stringify({ operation: 'queryAll', object, contentType: 'CSV' }),
      headers,
    );
    const id = fields(parseBody(text) as Record<string, unknown>).id;
    if (!id) throw new ApiError(`bulk1.create: no job id in the answer (${text.slice(0, 200)})`, 0);
    return id;
  }

  async addBatch(jobId: string, soql: string): Promise<BatchInfo> {
    const text = await this.text('POST', `/${jobId}/batch`, 'bulk1.batch', soql, {
      'Content-Type': 'text/csv; charset=UTF-8',
    });
    return asBatch(parseBody(text) as Record<string, unknown>);
  }

  async closeJob(jobId: string): Promise<void> {
    await this.text('POST', `/${jobId}`, 'bulk1.close', JSON.stringify({ state: 'Closed' }), {
      'Content-Type': 'application/json; charset=UTF-8',
    });
  }

  async batches(jobId: string): Promise<BatchInfo[]> {
    return parseBatchList(await this.text('GET', `/${jobId}/batch`, 'bulk1.status'));
  }

  async batchRequest(jobId: string, batchId: string): Promise<string> {
    return this.text('GET', `/${jobId}/batch/${batchId}/request`, 'bulk1.request');
  }

  async results(jobId: string, batchId: string): Promise<string[]> {
    return parseResultList(await this.text('GET', `/${jobId}/batch/${batchId}/result`, 'bulk1.results'));
  }

  async openResult(jobId: string, batchId: string, resultId: string): Promise<OpenPage> {
    const { body } = await this.client.request({
      path: this.path(`/${jobId}/batch/${batchId}/result/${resultId}`),
      headers: { Accept: 'text/csv' },
      label: 'bulk1.result',
      sessionHeader: 'X-SFDC-Session',
      signal: this.signal,
    });
    return { jobId, locator: null, next: null, records: null, body, ...readSignal() };
  }
}

const TERMINAL = new Set(['Completed', 'Failed', 'NotProcessed']);

/**
 * Polls the job's batch list until the query is done: the original batch `NotProcessed` (split into chunks)
 * with every chunk Completed or Failed, or the original itself Completed or Failed (no chunking).
 */
async function waitForBatches(
  api: Bulk1Api,
  jobId: string,
  originalId: string,
  timeoutSeconds: number,
  signal?: AbortSignal,
): Promise<BatchInfo[]> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (let n = 0; ; n++) {
    const list = await api.batches(jobId);
    const original = list.find((b) => b.id === originalId);
    const chunks = list.filter((b) => b.id !== originalId);
    if (original?.state === 'Completed' || original?.state === 'Failed') return [original];
    if (original?.state === 'NotProcessed' && chunks.every((b) => TERMINAL.has(b.state))) return chunks;
    const wait = pollDelayMs(n);
    if (Date.now() + wait > deadline) {
      const open = chunks.filter((b) => !TERMINAL.has(b.state)).length;
      throw new ApiError(
        `Bulk 1.0 job ${jobId} still has ${open || 1} batch(es) running after ${timeoutSeconds} s (bulk_poll_timeout_seconds); raise the setting for very large objects`,
        0,
        'BULK_POLL_TIMEOUT',
      );
    }
    await sleep(wait, undefined, { signal });
  }
}

/** A chunk that failed, run again as a job of its own (no chunking). */
const CHUNK_ATTEMPTS = 2;

export type Bulk1Item<B> = { type: 'batch'; batch: B } | { type: 'checkpoint'; resume: Bulk1Resume };

export interface Bulk1Options<B> {
  soql: string;
  saved: Bulk1Resume | null;
  /** Decodes one reading of a result file (see `readPage`); such a file may be `noRecordsHeader` (csv.ts). */
  decoder: (skip: number) => PageDecoder<B>;
}

/** A chunk that still failed after its retries, before anything of the job was written. */
export class Bulk1JobFailed extends ApiError {
  constructor(message: string) {
    super(message, 0, 'BULK_JOB_FAILED');
    this.name = 'Bulk1JobFailed';
  }
}

/** Runs (or resumes) one Bulk 1.0 query job and yields its records batch by batch, with resume points. */
export async function* runBulk1Job<B extends { count: number }>(
  context: RunnerContext,
  options: Bulk1Options<B>,
): AsyncGenerator<Bulk1Item<B>> {
  const { client, config, plan, logger, signal } = context;
  const api = new Bulk1Api(client, signal);
  let resume = options.saved;

  if (resume) {
    try {
      if (resume.pending === null) await api.batches(resume.jobId);
      logger.info(
        { stream: plan.stream, jobId: resume.jobId },
        `${plan.stream}: resuming Bulk 1.0 job ${resume.jobId}`,
      );
    } catch (error) {
      if (!(error instanceof ApiError && (error.errorCode === 'InvalidJob' || error.status === 404)))
        throw error;
      logger.info(`${plan.stream}: saved Bulk 1.0 job ${resume.jobId} is gone; querying again`);
      resume = null;
    }
  }

  if (!resume) {
    const chunking = config.bulk.pkChunking
      ? pkChunkingHeader(plan.object, config.bulk.chunkSize > 0 ? config.bulk.chunkSize : 100_000)
      : null;
    await checkBulkQuota(client, 'DailyBulkApiBatches', config, logger);
    const jobId = await api.createJob(plan.object, chunking);
    const batch = await api.addBatch(jobId, options.soql);
    recordBulkUsage(client, 'DailyBulkApiBatches');
    logger.info(
      { stream: plan.stream, jobId, pkChunking: chunking },
      `${plan.stream}: Bulk 1.0 job ${jobId} created${chunking ? ` (PK chunking: ${chunking})` : ''}`,
    );
    resume = {
      api: '1.0',
      jobId,
      batchId: batch.id,
      pending: null,
      start: plan.start,
      signpost: plan.signpost,
      highest: null,
    };
    yield { type: 'checkpoint', resume: { ...resume } };
  }

  if (resume.pending === null) {
    const done = await waitForBatches(
      api,
      resume.jobId,
      resume.batchId,
      config.bulk.pollTimeoutSeconds,
      signal,
    );
    recordBulkUsage(client, 'DailyBulkApiBatches', Math.max(0, done.length - 1));
    await api.closeJob(resume.jobId).catch(() => undefined);
    const pending: BatchRef[] = [];
    let retried = 0;
    for (const batch of done) {
      if (batch.state === 'Completed') {
        pending.push([resume.jobId, batch.id]);
        continue;
      }
      if (done.length === 1) {
        throw new Bulk1JobFailed(
          `Bulk 1.0 batch ${batch.id} failed: ${batch.stateMessage ?? 'no reason given'}`,
        );
      }
      pending.push(await retryChunk(api, context, resume.jobId, batch));
      retried++;
    }
    if (retried > 0) logger.info(`${plan.stream}: ${retried} failed PK chunk(s) completed on a second run`);
    logger.info(
      { stream: plan.stream, batches: pending.length },
      `${plan.stream}: Bulk 1.0 job ${resume.jobId} done, ${pending.length} batch(es) to read`,
    );
    resume = { ...resume, pending };
    yield { type: 'checkpoint', resume: { ...resume } };
  }

  const pending = [...(resume.pending ?? [])];
  while (pending.length > 0) {
    const [jobId, batchId] = pending[0] as BatchRef;
    for (const resultId of await api.results(jobId, batchId)) {
      const page = await api.openResult(jobId, batchId, resultId);
      const reopen = () => api.openResult(jobId, batchId, resultId);
      for await (const batch of readPage(client, page, { decoder: options.decoder, reopen })) {
        yield { type: 'batch', batch };
      }
    }
    pending.shift();
    resume = { ...resume, pending: [...pending] };
    yield { type: 'checkpoint', resume: { ...resume } };
  }
}

/** Runs a failed chunk's own query again as a one-batch job, up to CHUNK_ATTEMPTS times. */
async function retryChunk(
  api: Bulk1Api,
  context: RunnerContext,
  jobId: string,
  failed: BatchInfo,
): Promise<BatchRef> {
  const { client, config, plan, logger, signal } = context;
  const soql = await api.batchRequest(jobId, failed.id);
  let reason = failed.stateMessage ?? 'no reason given';
  for (let attempt = 1; attempt <= CHUNK_ATTEMPTS; attempt++) {
    logger.warn(
      { stream: plan.stream, batchId: failed.id, attempt },
      `${plan.stream}: PK chunk ${failed.id} failed (${reason}); running it again`,
    );
    await checkBulkQuota(client, 'DailyBulkApiBatches', config, logger);
    const retryJob = await api.createJob(plan.object, null);
    const batch = await api.addBatch(retryJob, soql);
    recordBulkUsage(client, 'DailyBulkApiBatches');
    const [done] = await waitForBatches(api, retryJob, batch.id, config.bulk.pollTimeoutSeconds, signal);
    await api.closeJob(retryJob).catch(() => undefined);
    if (done?.state === 'Completed') return [retryJob, done.id];
    reason = done?.stateMessage ?? 'no reason given';
  }
  throw new Bulk1JobFailed(
    `PK chunk ${failed.id} of job ${jobId} failed ${CHUNK_ATTEMPTS + 1} times: ${reason}`,
  );
}
