// Bulk API 1.0 query jobs (/services/async/{version}/job...), with PK chunking.

import { bulkRestriction } from './bulk2.js';
import type { RowView } from './data/columns.js';
import { bulk1Error, failsBulk, QUERY_TIMEOUT_MESSAGE, timesOut } from './faults.js';
import { type Ctx, HttpError, send, sendJson, stream, xmlEscape } from './http.js';
import { type Compiled, compile, Scan } from './query.js';
import { csvChunks } from './serialize.js';
import { SoqlError } from './soql.js';
import type { OrgState } from './state.js';
import { csvDateTime } from './util.js';

const NS = 'http://www.force.com/2009/06/asyncapi/dataload';

type BatchState = 'Queued' | 'InProgress' | 'Completed' | 'Failed' | 'NotProcessed';

interface Batch {
  id: string;
  jobId: string;
  soql: string;
  state: BatchState;
  stateMessage: string | null;
  polls: number;
  c: Compiled | null;
  fail: string | null;
  processed: number;
  created: number;
  resultId: string;
}

interface Job {
  id: string;
  operation: string;
  object: string;
  contentType: string;
  state: 'Open' | 'Closed' | 'Aborted' | 'Failed';
  created: number;
  apiVersion: string;
  pk: { chunkSize: number; parent: string | null; startRow: string | null } | null;
  batches: Batch[];
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

class Bulk1Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(code);
  }
}

function fail(status: number, code: string, message: string): never {
  const e = new Bulk1Error(status, code);
  e.message = message;
  throw e;
}

/** JSON answers for JSON requests and JSON jobs, XML otherwise (as Salesforce does). */
function wantsJson(ctx: Ctx, job?: Job): boolean {
  const ct = String(ctx.req.headers['content-type'] ?? '');
  if (ctx.body && /json/i.test(ct)) return true;
  if (ctx.body && /xml/i.test(ct)) return false;
  return job?.contentType === 'JSON';
}

function jobInfo(j: Job) {
  const count = (s: BatchState) => j.batches.filter((b) => b.state === s).length;
  return {
    id: j.id,
    operation: j.operation,
    object: j.object,
    createdById: '',
    createdDate: csvDateTime(j.created),
    systemModstamp: csvDateTime(j.created),
    state: j.state,
    concurrencyMode: 'Parallel',
    contentType: j.contentType,
    numberBatchesQueued: count('Queued'),
    numberBatchesInProgress: count('InProgress'),
    numberBatchesCompleted: count('Completed'),
    numberBatchesFailed: count('Failed'),
    numberBatchesTotal: j.batches.length,
    numberRecordsProcessed: j.batches.reduce((a, b) => a + b.processed, 0),
    numberRetries: 0,
    apiVersion: Number(j.apiVersion),
    numberRecordsFailed: 0,
    totalProcessingTime: 0,
    apiActiveProcessingTime: 0,
    apexProcessingTime: 0,
  };
}

function batchInfo(b: Batch) {
  const o: Record<string, unknown> = {
    id: b.id,
    jobId: b.jobId,
    state: b.state,
  };
  if (b.stateMessage) o.stateMessage = b.stateMessage;
  Object.assign(o, {
    createdDate: csvDateTime(b.created),
    systemModstamp: csvDateTime(b.created),
    numberRecordsProcessed: b.processed,
    numberRecordsFailed: 0,
    totalProcessingTime: 0,
    apiActiveProcessingTime: 0,
    apexProcessingTime: 0,
  });
  return o;
}

function toXml(tag: string, o: Record<string, unknown>, ns = true): string {
  let s = ns ? `<${tag} xmlns="${NS}">` : `<${tag}>`;
  for (const [k, v] of Object.entries(o)) s += `<${k}>${xmlEscape(String(v))}</${k}>`;
  return `${s}</${tag}>`;
}

function reply(ctx: Ctx, status: number, json: boolean, tag: string, o: Record<string, unknown>) {
  if (json) sendJson(ctx, status, o);
  else send(ctx, status, `<?xml version="1.0" encoding="UTF-8"?>${toXml(tag, o)}`, 'application/xml');
}

function field(body: string, json: boolean, name: string): string | null {
  if (json) {
    try {
      const v = (JSON.parse(body) as Record<string, unknown>)[name];
      return typeof v === 'string' ? v : null;
    } catch {
      fail(400, 'InvalidJob', 'Unable to parse the job JSON');
    }
  }
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(body)?.[1] ?? null;
}

function parsePk(header: string | undefined): Job['pk'] {
  if (!header) return null;
  const h = header.trim();
  if (/^false$/i.test(h)) return null;
  const chunk = /chunkSize\s*=\s*(\d+)/i.exec(h);
  const parent = /parent\s*=\s*([\w]+)/i.exec(h);
  const start = /startRow\s*=\s*([\w]+)/i.exec(h);
  const chunkSize = chunk ? Number(chunk[1]) : 100000;
  if (chunkSize > 250000) fail(400, 'InvalidJob', 'The chunkSize must be no larger than 250000');
  return { chunkSize, parent: parent?.[1] ?? null, startRow: start?.[1] ?? null };
}

function createJob(ctx: Ctx, v: string) {
  const json = wantsJson(ctx);
  const op = field(ctx.body, json, 'operation');
  const object = field(ctx.body, json, 'object');
  const contentType = field(ctx.body, json, 'contentType') ?? 'XML';
  if (op !== 'query' && op !== 'queryAll')
    fail(400, 'InvalidJob', `Invalid operation for a query job: ${op}`);
  const o = object ? ctx.state.data.get(object) : undefined;
  if (!o?.def.queryable) fail(400, 'InvalidEntity', `Unable to find object: ${object}`);
  if (o.def.bulkRefused)
    fail(400, 'InvalidEntity', `Entity '${o.def.name}' is not supported by the Bulk API.`);
  const pk = parsePk(ctx.req.headers['sforce-enable-pkchunking'] as string | undefined);
  const job: Job = {
    id: ctx.state.nextId('750'),
    operation: op,
    object: o.def.name,
    contentType,
    state: 'Open',
    created: ctx.state.data.now(),
    apiVersion: v,
    pk,
    batches: [],
  };
  jobsOf(ctx.state).set(job.id, job);
  ctx.state.stats.bulkJobsCreated++;
  reply(ctx, 201, json, 'jobInfo', jobInfo(job));
}

function getJob(ctx: Ctx, id: string): Job {
  const j = jobsOf(ctx.state).get(id);
  if (!j) fail(400, 'InvalidJob', `Invalid job id: ${id}`);
  return j;
}

function newBatch(ctx: Ctx, job: Job, soql: string, all: boolean): Batch {
  ctx.state.bulk1Batches++;
  const b: Batch = {
    id: ctx.state.nextId('751'),
    jobId: job.id,
    soql,
    state: 'Queued',
    stateMessage: null,
    polls: 0,
    c: null,
    fail: null,
    processed: 0,
    created: ctx.state.data.now(),
    resultId: ctx.state.nextId('752'),
  };
  try {
    b.c = compile(soql, ctx.state.data, all);
    const r = bulkRestriction(b.c);
    if (r) {
      b.fail =
        r.code === 'INVALIDENTITY'
          ? `InvalidBatch : ${r.message}`
          : `InvalidBatch : Failed to process query: FUNCTIONALITY_NOT_ENABLED: ${r.message}`;
    } else if (failsBulk(ctx, b.c.store.def.name)) {
      b.fail = 'InvalidBatch : Failed to process query: UNKNOWN_EXCEPTION: An unexpected error occurred.';
    } else if (timesOut(ctx, b.c)) {
      b.fail = `InvalidBatch : Failed to process query: QUERY_TIMEOUT: ${QUERY_TIMEOUT_MESSAGE}`;
    } else if (
      ctx.state.faults.refuseQueryObjects.some((x) => x.toLowerCase() === b.c?.store.def.name.toLowerCase())
    ) {
      b.fail = `InvalidBatch : Failed to process query: INVALID_TYPE_FOR_OPERATION: entity type ${b.c.store.def.name} does not support query`;
    }
  } catch (e) {
    if (!(e instanceof SoqlError)) throw e;
    b.fail = `InvalidBatch : Failed to process query: ${e.errorCode}: ${e.message}`;
  }
  job.batches.push(b);
  return b;
}

/** Adds the PK chunk range to a query: Id >= a AND Id < b, AND-ed with any original WHERE. */
function withRange(c: Compiled, field: string, lo: string, hi: string | null): string {
  const q = c.q;
  const range = `${field} >= '${lo}'${hi ? ` AND ${field} < '${hi}'` : ''}`;
  if (q.whereStart < 0) return `${q.text.slice(0, q.fromEnd)} WHERE ${range}${q.text.slice(q.fromEnd)}`;
  return `${q.text.slice(0, q.whereStart)}${range} AND (${q.text.slice(q.whereStart, q.whereEnd)})${q.text.slice(q.whereEnd)}`;
}

function createBatch(ctx: Ctx, jobId: string) {
  const job = getJob(ctx, jobId);
  if (job.state !== 'Open') fail(400, 'InvalidJobState', `Job ${job.id} is not open`);
  const soql = ctx.body;
  ctx.state.stats.queries.push(soql);
  const all = job.operation === 'queryAll';
  const b = newBatch(ctx, job, soql, all);
  if (job.pk && b.c && !b.fail) {
    const store = b.c.store;
    let target = store;
    let fieldName = 'Id';
    if (job.pk.parent) {
      const parent = ctx.state.data.get(job.pk.parent);
      const ref = store.columnList.find((col) =>
        col.spec.referenceTo?.some((r) => r.toLowerCase() === job.pk?.parent?.toLowerCase()),
      );
      if (!parent || !ref) {
        b.fail = `InvalidBatch : Failed to process query: Invalid parent for PK chunking: ${job.pk.parent}`;
      } else {
        target = parent;
        fieldName = ref.spec.name;
      }
    }
    if (!b.fail) {
      b.state = 'NotProcessed';
      b.stateMessage = 'Not Processed';
      const total = target.total(b.c.version);
      const size = job.pk.chunkSize;
      for (let lo = 0; lo < total; lo += size) {
        const hi = lo + size < total ? target.idOf(lo + size) : null;
        newBatch(ctx, job, withRange(b.c, fieldName, target.idOf(lo), hi), all);
      }
    }
  }
  reply(ctx, 201, false, 'batchInfo', batchInfo(b));
}

function advance(ctx: Ctx, b: Batch) {
  if (b.state !== 'Queued' && b.state !== 'InProgress') return;
  b.polls++;
  if (b.polls < ctx.state.bulkPollsToComplete) {
    b.state = 'InProgress';
    return;
  }
  if (b.fail || !b.c) {
    b.state = 'Failed';
    b.stateMessage = b.fail;
    return;
  }
  b.state = 'Completed';
  b.processed = new Scan(b.c).count();
}

function getBatch(job: Job, id: string): Batch {
  const b = job.batches.find((x) => x.id === id);
  if (!b) fail(400, 'InvalidBatch', `Invalid batch id: ${id}`);
  return b;
}

function listBatches(ctx: Ctx, job: Job) {
  for (const b of job.batches) advance(ctx, b);
  const infos = job.batches.map(batchInfo);
  if (wantsJson(ctx, job)) sendJson(ctx, 200, { batchInfo: infos });
  else {
    const inner = infos.map((i) => toXml('batchInfo', i, false)).join('');
    send(
      ctx,
      200,
      `<?xml version="1.0" encoding="UTF-8"?><batchInfoList xmlns="${NS}">${inner}</batchInfoList>`,
      'application/xml',
    );
  }
}

async function resultFile(ctx: Ctx, job: Job, b: Batch, rid: string) {
  if (b.state !== 'Completed' || !b.c || rid !== b.resultId)
    fail(400, 'InvalidBatch', `Invalid result id: ${rid}`);
  const c = b.c;
  const scan = new Scan(c);
  const st = scan.start();
  function* rows(): Generator<RowView> {
    for (;;) {
      const page = scan.next(st, 1000);
      if (page.length === 0) return;
      yield* page;
    }
  }
  void job;
  await stream(ctx, 'text/csv', {}, csvChunks(c, rows()));
}

/** Routes /services/async/{v}/job[...]; answers errors in the Bulk 1.0 XML shape. */
export async function bulk1(ctx: Ctx, v: string, rest: string): Promise<void> {
  const st = ctx.state;
  try {
    const parts = rest.split('/').filter(Boolean);
    const m = ctx.method;
    if (parts.length === 0 && m === 'POST') {
      st.count('bulk1.job.create');
      return createJob(ctx, v);
    }
    const job = getJob(ctx, parts[0] ?? '');
    if (parts.length === 1) {
      if (m === 'GET') {
        st.count('bulk1.job.get');
        return reply(ctx, 200, wantsJson(ctx, job), 'jobInfo', jobInfo(job));
      }
      if (m === 'POST') {
        st.count('bulk1.job.close');
        const json = wantsJson(ctx, job);
        const state = field(ctx.body, json, 'state');
        if (state !== 'Closed' && state !== 'Aborted')
          fail(400, 'InvalidJobState', `Invalid state: ${state}`);
        job.state = state;
        return reply(ctx, 200, json, 'jobInfo', jobInfo(job));
      }
    }
    if (parts[1] === 'batch') {
      if (parts.length === 2 && m === 'POST') {
        st.count('bulk1.batch.create');
        return createBatch(ctx, job.id);
      }
      if (parts.length === 2 && m === 'GET') {
        st.count('bulk1.batch.list');
        return listBatches(ctx, job);
      }
      const b = getBatch(job, parts[2] ?? '');
      if (parts.length === 3 && m === 'GET') {
        st.count('bulk1.batch.get');
        advance(ctx, b);
        return reply(ctx, 200, wantsJson(ctx, job), 'batchInfo', batchInfo(b));
      }
      if (parts[3] === 'request' && m === 'GET') {
        st.count('bulk1.batch.request');
        return send(ctx, 200, b.soql, 'text/plain');
      }
      if (parts[3] === 'result' && parts.length === 4 && m === 'GET') {
        st.count('bulk1.result.list');
        if (b.state !== 'Completed') fail(400, 'InvalidBatch', 'Batch not completed');
        if (wantsJson(ctx, job)) return sendJson(ctx, 200, [b.resultId]);
        return send(
          ctx,
          200,
          `<?xml version="1.0" encoding="UTF-8"?><result-list xmlns="${NS}"><result>${b.resultId}</result></result-list>`,
          'application/xml',
        );
      }
      if (parts[3] === 'result' && parts.length === 5 && m === 'GET') {
        st.count('bulk1.result.get');
        return await resultFile(ctx, job, b, parts[4] ?? '');
      }
    }
    st.count('bulk1.unknown');
    fail(400, 'InvalidUrl', `Invalid URL: ${ctx.url.pathname}`);
  } catch (e) {
    if (e instanceof Bulk1Error) return bulk1Error(ctx, e.status, e.code, xmlEscape(e.message));
    if (e instanceof HttpError) return bulk1Error(ctx, e.status, 'ClientInputError', xmlEscape(e.message));
    throw e;
  }
}
