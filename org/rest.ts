// REST API resources: versions, describe, limits, query/queryAll/queryMore, composite batch.

import type { RowView } from './data/columns.js';
import { globalEntry } from './data/store.js';
import { QUERY_TIMEOUT_MESSAGE, refuseQuery, timesOut } from './faults.js';
import { apiError, type Ctx, HttpError, sendJsonText, stream } from './http.js';
import { limitsBody } from './limits.js';
import { type Compiled, compile, Scan, type ScanState } from './query.js';
import { acquire, CHUNK_SIZE, ROW_SPACE, restRecordBytes, restRecordWriter } from './serialize.js';
import { SoqlError } from './soql.js';
import type { OrgState } from './state.js';

export interface Result {
  status: number;
  /** JSON text, or its UTF-8 bytes (in pieces) */
  json: string | Buffer | Buffer[];
}

const ok = (value: unknown): Result => ({ status: 200, json: JSON.stringify(value) });

export function notFound(): HttpError {
  return apiError(404, 'NOT_FOUND', 'The requested resource does not exist');
}

function label(v: number): string {
  const n = v - 31;
  const season = ['Summer', 'Winter', 'Spring'][n % 3];
  const year = 14 + Math.floor((n + 2) / 3);
  return `${season} '${String(year).padStart(2, '0')}`;
}

export function versions(st: OrgState): Result {
  const out = [];
  for (let v = 31; v <= Number(st.apiVersion); v++) {
    out.push({ label: label(v), url: `/services/data/v${v}.0`, version: `${v}.0` });
  }
  return ok(out);
}

export function resources(st: OrgState, v: string): Result {
  const base = `/services/data/v${v}`;
  const names = [
    'tooling',
    'metadata',
    'eclair',
    'folders',
    'prechatForms',
    'chatter',
    'tabs',
    'appMenu',
    'quickActions',
  ];
  const out: Record<string, string> = {};
  for (const n of names) out[n] = `${base}/${n}`;
  Object.assign(out, {
    sobjects: `${base}/sobjects`,
    query: `${base}/query`,
    queryAll: `${base}/queryAll`,
    limits: `${base}/limits`,
    composite: `${base}/composite`,
    jobs: `${base}/jobs`,
    search: `${base}/search`,
    identity: st.idUrl(),
  });
  return ok(out);
}

export function describeGlobal(st: OrgState, v: string): Result {
  return { status: 200, json: st.data.describeGlobalJson(v) };
}

export function describe(st: OrgState, v: string, name: string): Result {
  const o = st.data.get(name);
  if (!o) throw notFound();
  if (st.faults.failDescribeFor.some((x) => x.toLowerCase() === name.toLowerCase())) {
    throw apiError(500, 'UNKNOWN_EXCEPTION', `An unexpected error occurred while describing ${o.def.name}`);
  }
  return { status: 200, json: o.describeJson(v) };
}

export function sobjectInfo(st: OrgState, v: string, name: string): Result {
  const o = st.data.get(name);
  if (!o) throw notFound();
  return ok({ objectDescribe: globalEntry(o.def, `v${v}`), recentItems: [] });
}

export function limits(st: OrgState): Result {
  return ok(limitsBody(st, st.bulk2Jobs));
}

// --- query ---

interface Cursor {
  c: Compiled;
  scan: Scan;
  total: number;
  pageSize: number;
  all: boolean;
  states: Map<number, ScanState>;
}

const cursors = new WeakMap<OrgState, Map<string, Cursor>>();

function cursorsOf(st: OrgState): Map<string, Cursor> {
  let m = cursors.get(st);
  if (!m) {
    m = new Map();
    cursors.set(st, m);
  }
  return m;
}

function batchSize(ctx: Ctx, fallback: number): number {
  const h = String(ctx.req.headers['sforce-query-options'] ?? '');
  const m = /batchSize\s*=\s*(\d+)/i.exec(h);
  if (!m) return fallback;
  return Math.min(2000, Math.max(200, Number(m[1])));
}

export function soqlError(e: unknown): HttpError {
  if (e instanceof SoqlError) return apiError(400, e.errorCode, e.message);
  throw e;
}

/** Compiles a SOQL text for REST or Bulk, with the refuse-query fault applied. */
export function compileFor(ctx: Ctx, soql: string, all: boolean): Compiled {
  ctx.state.stats.queries.push(soql);
  let c: Compiled;
  try {
    c = compile(soql, ctx.state.data, all);
  } catch (e) {
    throw soqlError(e);
  }
  const refused = refuseQuery(ctx, c.store.def.name);
  if (refused) throw refused;
  return c;
}

/** A page of a query: the JSON text before the records, and the rows. */
export interface PageData {
  c: Compiled;
  head: string;
  rows: RowView[];
}

function pageData(v: string, id: string, cur: Cursor, offset: number): PageData {
  const saved = cur.states.get(offset);
  if (!saved) throw apiError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
  const st = { ...saved };
  const size = cur.pageSize;
  const rows = cur.scan.next(st, size);
  const next = offset + rows.length;
  const done = rows.length < size || cur.scan.isDone(st);
  let head = `{"totalSize":${cur.total},"done":${done}`;
  if (!done) {
    cur.states.set(next, st);
    head += `,"nextRecordsUrl":"/services/data/v${v}/${cur.all ? 'queryAll' : 'query'}/${id}-${next}"`;
  }
  return { c: cur.c, head: `${head},"records":[`, rows };
}

function pageText(v: string, p: PageData): Result {
  const write = restRecordWriter(p.c, v);
  let json = '';
  for (let k = 0; k < p.rows.length; k++) json += (k ? ',' : '') + write(p.rows[k] as RowView);
  return { status: 200, json: `${p.head}${json}]}` };
}

/** Streams a page as JSON bytes written into pooled buffers (the REST hot path). */
export async function sendPage(ctx: Ctx, v: string, p: PageData | Result): Promise<void> {
  if (!('rows' in p)) {
    sendJsonText(ctx, p.status, p.json);
    return;
  }
  const page: PageData = p;
  const write = restRecordBytes(page.c, v);
  function* chunks(): Generator<Buffer> {
    let out = acquire();
    let pos = out.write(page.head, 0);
    const rows = page.rows;
    for (let k = 0; k < rows.length; k++) {
      if (k) out[pos++] = 44;
      pos = write(rows[k] as RowView, out, pos);
      if (pos > CHUNK_SIZE - ROW_SPACE) {
        yield out.subarray(0, pos);
        out = acquire();
        pos = 0;
      }
    }
    out[pos++] = 93;
    out[pos++] = 125;
    yield out.subarray(0, pos);
  }
  await stream(ctx, 'application/json;charset=UTF-8', {}, chunks(), false);
}

export function query(ctx: Ctx, v: string, soql: string | null, all: boolean): Result {
  const r = queryPage(ctx, v, soql, all);
  return 'rows' in r ? pageText(v, r) : r;
}

export function queryPage(ctx: Ctx, v: string, soql: string | null, all: boolean): PageData | Result {
  if (soql === null || soql.trim() === '') {
    throw apiError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
  }
  const c = compileFor(ctx, soql, all);
  if (timesOut(ctx, c)) throw apiError(400, 'QUERY_TIMEOUT', QUERY_TIMEOUT_MESSAGE);
  const scan = new Scan(c);
  const total = scan.count();
  if (c.q.count) return ok({ totalSize: total, done: true, records: [] });
  const st = scan.start();
  if (c.q.offset) scan.next(st, c.q.offset);
  const id = ctx.state.nextId('01g');
  const cur: Cursor = {
    c,
    scan,
    total: Math.max(0, total - (c.q.offset ?? 0)),
    pageSize: batchSize(ctx, ctx.state.pageSize),
    all,
    states: new Map([[0, st]]),
  };
  cursorsOf(ctx.state).set(id, cur);
  return pageData(v, id, cur, 0);
}

export function queryMore(ctx: Ctx, v: string, locator: string): Result {
  return pageText(v, queryMorePage(ctx, v, locator));
}

export function queryMorePage(ctx: Ctx, v: string, locator: string): PageData {
  const m = /^(.+)-(\d+)$/.exec(locator);
  const cur = m ? cursorsOf(ctx.state).get(m[1] as string) : undefined;
  if (!m || !cur) throw apiError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
  cur.pageSize = batchSize(ctx, cur.pageSize);
  return pageData(v, m[1] as string, cur, Number(m[2]));
}

// --- composite batch ---

/** Runs one GET sub-request of a composite batch. */
function subRequest(ctx: Ctx, batchVersion: string, method: string, url: string): Result {
  if (method.toUpperCase() !== 'GET') {
    throw apiError(
      400,
      'INVALID_BATCH_REQUEST',
      `Method ${method} is not supported by this simulated org in a batch`,
    );
  }
  const u = new URL(url.replace(/^\/?(services\/data\/)?/, '/services/data/'), 'http://x');
  const m = /^\/services\/data\/v(\d+\.\d)(\/.*)?$/.exec(u.pathname);
  if (!m) throw notFound();
  const v = m[1] as string;
  if (Number(v) < 34 || Number(v) > Number(batchVersion)) {
    throw apiError(
      400,
      'INVALID_BATCH_REQUEST',
      `Sub-request version ${v} must be between 34.0 and ${batchVersion}`,
    );
  }
  const rest = (m[2] ?? '/').replace(/\/$/, '');
  const st = ctx.state;
  if (rest === '/sobjects') return describeGlobal(st, v);
  const r1 = /^\/sobjects\/([^/]+)\/describe$/.exec(rest);
  if (r1) return describe(st, v, r1[1] as string);
  const r2 = /^\/sobjects\/([^/]+)$/.exec(rest);
  if (r2) return sobjectInfo(st, v, r2[1] as string);
  if (rest === '/limits') return limits(st);
  if (rest === '/query' || rest === '/queryAll')
    return query(ctx, v, u.searchParams.get('q'), rest === '/queryAll');
  const r3 = /^\/(query|queryAll)\/([^/]+)$/.exec(rest);
  if (r3) return queryMore(ctx, v, r3[2] as string);
  throw notFound();
}

export function compositeBatch(ctx: Ctx, v: string): Result {
  let body: { batchRequests?: { method?: string; url?: string }[]; haltOnError?: boolean };
  try {
    body = JSON.parse(ctx.body);
  } catch {
    throw apiError(400, 'JSON_PARSER_ERROR', 'Unexpected end-of-input: expected close marker for OBJECT');
  }
  const reqs = body.batchRequests;
  if (!Array.isArray(reqs) || reqs.length === 0) {
    throw apiError(400, 'INVALID_BATCH_REQUEST', 'Batch requests cannot be empty');
  }
  if (reqs.length > 25) {
    throw apiError(400, 'INVALID_BATCH_REQUEST', 'A batch cannot contain more than 25 requests');
  }
  // The results' pieces, cached describe bytes among them, sent as they are: `{…},{…}`.
  const results: Array<string | Buffer> = [];
  const comma = () => (results.length > 0 ? ',' : '');
  let hasErrors = false;
  let halted = false;
  for (const r of reqs) {
    if (halted) {
      results.push(
        comma() +
          JSON.stringify({
            result: [
              { errorCode: 'BATCH_PROCESSING_HALTED', message: 'Batch processing halted per request' },
            ],
            statusCode: 412,
          }),
      );
      continue;
    }
    let res: Result;
    try {
      res = subRequest(ctx, v, r.method ?? 'GET', r.url ?? '');
    } catch (e) {
      if (!(e instanceof HttpError)) throw e;
      res = { status: e.status, json: JSON.stringify(e.errors) };
    }
    if (res.status >= 400) {
      hasErrors = true;
      if (body.haltOnError) halted = true;
    }
    results.push(`${comma()}{"statusCode":${res.status},"result":`);
    if (Array.isArray(res.json)) results.push(...res.json);
    else results.push(res.json);
    results.push('}');
  }
  const pieces = [`{"hasErrors":${hasErrors},"results":[`, ...results, ']}'];
  return { status: 200, json: pieces.map((x) => (typeof x === 'string' ? Buffer.from(x) : x)) };
}
