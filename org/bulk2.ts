// Bulk API 2.0 query jobs: create, poll, results (CSV pages with Sforce-Locator), abort, delete.

import type { RowView } from './data/columns.js';
import { failsBulk, QUERY_TIMEOUT_MESSAGE, timesOut } from './faults.js';
import { apiError, type Ctx, noContent, sendJson, stream } from './http.js';
import type { Compiled, ScanState } from './query.js';
import { Scan } from './query.js';
import { compileFor, notFound } from './rest.js';
import { csvChunks, DELIMITERS } from './serialize.js';
import type { OrgState } from './state.js';
import { restDateTime } from './util.js';

/** Why a Bulk query cannot run, in Salesforce's words, or null. */
export function bulkRestriction(c: Compiled): { code: string; message: string } | null {
  if (c.store.def.bulkRefused) {
    return {
      code: 'INVALIDENTITY',
      message: `Entity '${c.store.def.name}' is not supported by the Bulk API.`,
    };
  }
  if (c.select.some((a) => a.col.spec.type === 'address' || a.col.spec.type === 'location')) {
    return { code: 'API_ERROR', message: 'Selecting compound data not supported in Bulk Query' };
  }
  const blob = c.select.find((a) => a.col.spec.type === 'base64');
  if (blob) {
    return {
      code: 'API_ERROR',
      message: `Binary field '${blob.col.spec.name}' is not supported in Bulk Query`,
    };
  }
  if (c.q.count) return { code: 'API_ERROR', message: 'Aggregate queries are not supported in Bulk Query' };
  if (c.q.offset !== null)
    return { code: 'API_ERROR', message: 'OFFSET clause is not supported in Bulk Query' };
  return null;
}

type JobState = 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';

interface Job {
  id: string;
  operation: string;
  c: Compiled;
  scan: Scan;
  apiVersion: string;
  created: number;
  state: JobState;
  polls: number;
  fail: string | null;
  processed: number;
  lineEnding: 'LF' | 'CRLF';
  columnDelimiter: string;
  states: Map<number, ScanState>;
}

/**
 * The scan position of row `offset`, from the nearest position before it. A locator is valid once a page's
 * headers named it, even when that page's body was cut (dropRate) before the position was recorded.
 */
function seek(j: Job, offset: number): ScanState | undefined {
  if (offset <= 0 || offset >= j.processed) return undefined;
  let from = -1;
  for (const known of j.states.keys()) if (known < offset && known > from) from = known;
  const start = j.states.get(from);
  if (!start) return undefined;
  const st = { ...start };
  for (let left = offset - from; left > 0; ) {
    const rows = j.scan.next(st, Math.min(1000, left));
    if (rows.length === 0) return undefined;
    left -= rows.length;
  }
  j.states.set(offset, st);
  return st;
}

const jobs = new WeakMap<OrgState, Map<string, Job>>();
function jobsOf(st: OrgState): Map<string, Job> {
  let m = jobs.get(st);
  if (!m) {
    m = new Map();
    jobs.set(st, m);
  }
  return m;
}

const RETENTION_MS = 7 * 86400000;

function find(ctx: Ctx, id: string): Job {
  const j = jobsOf(ctx.state).get(id);
  if (!j) throw notFound();
  const terminal = j.state === 'JobComplete' || j.state === 'Failed' || j.state === 'Aborted';
  if (terminal && ctx.state.data.now() - j.created > RETENTION_MS) {
    jobsOf(ctx.state).delete(id);
    throw notFound();
  }
  return j;
}

function info(ctx: Ctx, j: Job, full: boolean): string {
  const stamp = restDateTime(j.created);
  const o: Record<string, unknown> = {
    id: j.id,
    operation: j.operation,
    object: j.c.store.def.name,
    createdById: ctx.state.userId,
    createdDate: stamp,
    systemModstamp: stamp,
    state: j.state,
    concurrencyMode: 'Parallel',
    contentType: 'CSV',
    apiVersion: '@V',
    lineEnding: j.lineEnding,
    columnDelimiter: j.columnDelimiter,
  };
  if (full) {
    o.jobType = 'V2Query';
    o.numberRecordsProcessed = j.processed;
    o.retries = 0;
    o.totalProcessingTime = j.state === 'JobComplete' ? 250 : 0;
    o.isPkChunkingSupported = true;
    if (j.state === 'Failed') o.errorMessage = j.fail;
  }
  return JSON.stringify(o).replace('"@V"', j.apiVersion);
}

export function createJob(ctx: Ctx, v: string): void {
  const st = ctx.state;
  let body: {
    operation?: string;
    query?: string;
    columnDelimiter?: string;
    lineEnding?: string;
    contentType?: string;
  };
  try {
    body = JSON.parse(ctx.body);
  } catch {
    throw apiError(400, 'JSON_PARSER_ERROR', 'Unexpected character in request body');
  }
  const op = body.operation ?? '';
  if (op !== 'query' && op !== 'queryAll') {
    throw apiError(400, 'API_ERROR', `Invalid operation: ${op}. Valid operations are query and queryAll.`);
  }
  if (!body.query) throw apiError(400, 'API_ERROR', 'A query is required.');
  const delim = body.columnDelimiter ?? 'COMMA';
  if (!DELIMITERS[delim]) throw apiError(400, 'API_ERROR', `Invalid columnDelimiter: ${delim}`);
  const le = body.lineEnding ?? 'LF';
  if (le !== 'LF' && le !== 'CRLF') throw apiError(400, 'API_ERROR', `Invalid lineEnding: ${le}`);
  const c = compileFor(ctx, body.query, op === 'queryAll');
  const r = bulkRestriction(c);
  if (r) throw apiError(400, r.code, r.message);
  const job: Job = {
    id: st.nextId('750'),
    operation: op,
    c,
    scan: new Scan(c),
    apiVersion: v,
    created: st.data.now(),
    state: 'UploadComplete',
    polls: 0,
    fail: null,
    processed: 0,
    lineEnding: le,
    columnDelimiter: delim,
    states: new Map(),
  };
  if (failsBulk(ctx, c.store.def.name)) {
    job.fail =
      'InternalServerError : Failed to process query: UNKNOWN_EXCEPTION: An unexpected error occurred.';
  } else if (timesOut(ctx, c)) {
    job.fail = `Failed to process query: QUERY_TIMEOUT: ${QUERY_TIMEOUT_MESSAGE}`;
  }
  jobsOf(st).set(job.id, job);
  st.stats.bulkJobsCreated++;
  st.bulk2Jobs++;
  sendJson(ctx, 200, info(ctx, job, false));
}

export function listJobs(ctx: Ctx): void {
  const records = [...jobsOf(ctx.state).values()].map((j) => JSON.parse(info(ctx, j, false)));
  sendJson(ctx, 200, { done: true, records, nextRecordsUrl: null });
}

export function jobStatus(ctx: Ctx, id: string): void {
  const j = find(ctx, id);
  if (j.state === 'UploadComplete' || j.state === 'InProgress') {
    j.polls++;
    if (j.polls >= ctx.state.bulkPollsToComplete) {
      if (j.fail) j.state = 'Failed';
      else {
        j.state = 'JobComplete';
        j.processed = j.scan.count();
        j.states.set(0, j.scan.start());
      }
    } else j.state = 'InProgress';
  }
  sendJson(ctx, 200, info(ctx, j, true));
}

export function abortJob(ctx: Ctx, id: string): void {
  const j = find(ctx, id);
  let body: { state?: string } = {};
  try {
    body = JSON.parse(ctx.body);
  } catch {
    // fall through to the state check
  }
  if (body.state !== 'Aborted')
    throw apiError(400, 'INVALIDJOBSTATE', 'Invalid job state. Valid value is Aborted.');
  if (j.state === 'JobComplete' || j.state === 'Failed' || j.state === 'Aborted') {
    throw apiError(400, 'INVALIDJOBSTATE', `Job ${j.id} is not in a state that can be aborted: ${j.state}`);
  }
  j.state = 'Aborted';
  sendJson(ctx, 200, info(ctx, j, false));
}

export function deleteJob(ctx: Ctx, id: string): void {
  const j = find(ctx, id);
  if (j.state === 'UploadComplete' || j.state === 'InProgress') {
    throw apiError(
      400,
      'INVALIDJOBSTATE',
      'Job must be in a terminal state (JobComplete, Aborted or Failed) to be deleted.',
    );
  }
  jobsOf(ctx.state).delete(id);
  noContent(ctx);
}

export async function results(ctx: Ctx, v: string, id: string): Promise<void> {
  const j = find(ctx, id);
  if (v !== j.apiVersion) {
    throw apiError(
      409,
      'API_ERROR',
      `The job was created with API version ${j.apiVersion}; request its results with the same version.`,
    );
  }
  if (j.state !== 'JobComplete') {
    throw apiError(400, 'INVALIDJOBSTATE', `Query job ${j.id} is not in the JobComplete state: ${j.state}`);
  }
  const q = ctx.url.searchParams;
  const locator = q.get('locator');
  const offset = locator ? Number(Buffer.from(locator, 'base64').toString()) : 0;
  const saved = Number.isInteger(offset) ? (j.states.get(offset) ?? seek(j, offset)) : undefined;
  if (!saved) throw apiError(400, 'INVALIDLOCATOR', `Invalid locator: ${locator}`);
  const maxParam = q.get('maxRecords');
  const max = maxParam ? Number(maxParam) : ctx.state.bulkPageSize;
  if (!Number.isInteger(max) || max < 1) throw apiError(400, 'API_ERROR', `Invalid maxRecords: ${maxParam}`);
  // the job's rows are a fixed snapshot, so the page size is known before scanning it
  const count = Math.max(0, Math.min(max, j.processed - offset));
  const next = offset + count;
  const done = next >= j.processed;
  const st = { ...saved };
  const scan = j.scan;
  function* rows(): Generator<RowView> {
    let left = count;
    while (left > 0) {
      const page = scan.next(st, Math.min(1000, left));
      if (page.length === 0) break;
      left -= page.length;
      yield* page;
    }
    if (!done) j.states.set(next, st);
  }
  const chunks = csvChunks(
    j.c,
    rows(),
    DELIMITERS[j.columnDelimiter],
    j.lineEnding === 'CRLF' ? '\r\n' : '\n',
  );
  const before = ctx.state.stats.bytesServed;
  await stream(
    ctx,
    'text/csv',
    {
      'Sforce-Locator': done ? 'null' : Buffer.from(String(next)).toString('base64').replace(/=+$/, ''),
      'Sforce-NumberOfRecords': String(count),
    },
    chunks,
  );
  ctx.state.bulk2BytesServed += ctx.state.stats.bytesServed - before;
}
