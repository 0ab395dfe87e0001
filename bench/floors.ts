// The floors the tap is measured against, taken in the same run against the same org:
//  - fetch floor: a plain GET of exactly the pages the tap asked for (same SOQL, same page size, same gzip;
//    over node:http as the tap reads, discovery's over fetch; Bulk result pages open as many ahead as the
//    tap opens), bodies read and thrown away: what the wire and the org cost, with no tap at all;
//  - parse floor: the least work that turns those pages into Singer lines (JSON.parse a REST page, or a
//    minimal RFC 4180 split of a CSV page; then one JSON.stringify per record), timed on its own.

import { chunksOf, type HttpResponse, httpRequest } from '../src/salesforce/http.js';

export interface Credentials {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

export interface Session {
  instanceUrl: string;
  accessToken: string;
}

export async function login(loginUrl: string, credentials: Credentials): Promise<Session> {
  const body = new URLSearchParams({
    grant_type: 'refresh_token',
    client_id: credentials.clientId,
    client_secret: credentials.clientSecret,
    refresh_token: credentials.refreshToken,
  });
  const response = await fetch(`${loginUrl}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body,
  });
  if (!response.ok) throw new Error(`login failed: HTTP ${response.status} ${await response.text()}`);
  const token = (await response.json()) as { access_token: string; instance_url: string };
  return { instanceUrl: token.instance_url, accessToken: token.access_token };
}

export interface FloorResult {
  rows: number;
  bytes: number;
  ms: number;
  /** Sum of the synchronous parse-and-serialise sections, ms (parse floors only). */
  parseMs: number;
  /** CPU time (user + system) of the same parse sections, ms: steadier than wall time on a busy machine. */
  parseCpuMs: number;
  requests: number;
  /** Bytes of Singer-like lines the parse floor produced. */
  outputBytes: number;
  /** The org's CPU time over the whole floor, ms (set by the harness, which knows the org's process). */
  orgCpuMs?: number;
}

function cpuSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

function auth(session: Session, extra: Record<string, string> = {}): Record<string, string> {
  return { Authorization: `Bearer ${session.accessToken}`, ...extra };
}

/**
 * GET with two more tries on a dropped connection (a keep-alive socket the server closed as we reused it);
 * the tap's client retries these too, so the floor should not fail where the tap would not.
 */
async function get(url: string, headers: Record<string, string>): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, { headers });
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

async function ok(response: Response, what: string): Promise<Response> {
  if (!response.ok) throw new Error(`${what}: HTTP ${response.status} ${await response.text()}`);
  return response;
}

/** Reads a body chunk by chunk and drops it; returns its length. */
async function discard(response: Response): Promise<number> {
  let bytes = 0;
  if (!response.body) return 0;
  for await (const chunk of response.body) bytes += (chunk as Uint8Array).byteLength;
  return bytes;
}

/**
 * A page through the tap's own transport (`src/salesforce/http.ts`: node:http, gunzip in 128 KiB pieces), the
 * cheapest download we know (fetch costs twice the CPU for the same bytes), so the floor stays the least the
 * wire and the org can cost. Two more tries on a dropped keep-alive connection, as `get` does.
 */
async function rawPage(url: string, headers: Record<string, string>): Promise<HttpResponse> {
  let response: HttpResponse | null = null;
  for (let attempt = 1; !response; attempt++) {
    response = await httpRequest(url, { headers, timeoutMs: 120_000 }).catch((error: unknown) => {
      if (attempt >= 3) throw error;
      return null;
    });
  }
  if (!response.ok) throw new Error(`floor: HTTP ${response.status} from ${url}`);
  return response;
}

const NEXT_URL = Buffer.from('"nextRecordsUrl":"');

/** `nextRecordsUrl` without parsing the page: Salesforce puts it before `records`, the org too. */
function findNextUrl(page: Buffer): string | null {
  let at = page.indexOf(NEXT_URL);
  if (at < 0) return null;
  // Never match a field value inside records: the key is in the envelope, before `"records":[`.
  const records = page.indexOf('"records":[');
  if (records >= 0 && at > records) {
    // Some servers put the envelope after the records; look only at the tail then.
    at = page.lastIndexOf(NEXT_URL);
    if (at < page.lastIndexOf(']')) return null;
  }
  const start = at + NEXT_URL.length;
  const end = page.indexOf('"', start);
  return page.subarray(start, end).toString('utf8');
}

function totalSize(page: Buffer): number {
  const match = /"totalSize":(\d+)/.exec(page.subarray(0, 200).toString('latin1'));
  return match ? Number(match[1]) : 0;
}

export interface RestFloorOptions {
  session: Session;
  apiVersion: string;
  soql: string;
  /** `queryAll` (deleted rows included) or `query`. */
  endpoint: 'queryAll' | 'query';
  stream: string;
  /** Also run the minimal parse-and-serialise loop on each page (timed apart from the fetch). */
  parse: boolean;
}

/** Fetches every page of a REST query one after another, as plain fetch would. */
export async function restFloor(options: RestFloorOptions): Promise<FloorResult> {
  const { session, apiVersion, soql, endpoint, stream } = options;
  const prefix = `{"type":"RECORD","stream":${JSON.stringify(stream)},"record":`;
  const started = performance.now();
  let url: string | null =
    `${session.instanceUrl}/services/data/v${apiVersion}/${endpoint}?q=${encodeURIComponent(soql)}`;
  let rows = 0;
  let bytes = 0;
  let parseMs = 0;
  let parseCpuMs = 0;
  let outputBytes = 0;
  let requests = 0;
  while (url) {
    const response = await rawPage(url, auth(session));
    requests++;
    if (!options.parse) {
      const page = await response.bytes();
      bytes += page.length;
      if (requests === 1) rows = totalSize(page);
      const next = findNextUrl(page);
      url = next ? `${session.instanceUrl}${next}` : null;
      continue;
    }
    const body = await response.bytes();
    bytes += body.length;
    // Decoding is part of the parse: JSON.parse needs a string, and the tap decodes every page too.
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const page = JSON.parse(body.toString('utf8')) as {
      totalSize: number;
      nextRecordsUrl?: string;
      records: object[];
    };
    const lines: string[] = [];
    for (const record of page.records) {
      lines.push(`${prefix}${JSON.stringify(record)}}\n`);
    }
    const chunk = lines.join('');
    parseMs += performance.now() - t0;
    parseCpuMs += cpuSince(c0);
    outputBytes += chunk.length;
    if (requests === 1) rows = page.totalSize;
    url = page.nextRecordsUrl ? `${session.instanceUrl}${page.nextRecordsUrl}` : null;
  }
  return { rows, bytes, ms: performance.now() - started, parseMs, parseCpuMs, requests, outputBytes };
}

export interface BulkFloorOptions {
  session: Session;
  apiVersion: string;
  soql: string;
  operation: 'query' | 'queryAll';
  stream: string;
  maxRecords: number;
  gzip: boolean;
  pollMs: number;
  /**
   * Also run the minimal parse-and-serialise loop on each page, one page after another (for the parse
   * floor). Without it, pages are thrown away as they arrive, `parallel` pages open ahead of the oldest one
   * being read, as the tap opens them (the fetch floor).
   */
  parse: boolean;
  parallel: number;
}

/**
 * Creates the same Bulk 2.0 job, waits for it, downloads every result page. The fetch floor is a run without
 * parsing, not the time left once parsing is taken off a run that parses: while that run parses a slice of a
 * streamed page the org goes on filling the socket, work the subtraction would never count (4.3 s against
 * 7.0 s for the same 1 000 000 rows fetched alone).
 */
export async function bulkFloor(options: BulkFloorOptions): Promise<FloorResult> {
  const { session, apiVersion, soql, operation, stream } = options;
  const base = `${session.instanceUrl}/services/data/v${apiVersion}/jobs/query`;
  const prefix = `{"type":"RECORD","stream":${JSON.stringify(stream)},"record":`;
  const started = performance.now();
  let requests = 1;
  const created = await ok(
    await fetch(base, {
      method: 'POST',
      headers: auth(session, { 'Content-Type': 'application/json' }),
      body: JSON.stringify({ operation, query: soql }),
    }),
    'Bulk floor: create job',
  );
  const job = (await created.json()) as { id: string };
  for (;;) {
    requests++;
    const poll = await ok(await get(`${base}/${job.id}`, auth(session)), 'Bulk floor: poll');
    const info = (await poll.json()) as { state: string; errorMessage?: string };
    if (info.state === 'JobComplete') break;
    if (info.state === 'Failed' || info.state === 'Aborted') throw new Error(`Bulk floor job ${info.state}`);
    await new Promise((r) => setTimeout(r, options.pollMs));
  }
  const headers = auth(session, {
    Accept: 'text/csv',
    'Accept-Encoding': options.gzip ? 'gzip' : 'identity',
  });
  let locator: string | null = '';
  let rows = 0;
  let bytes = 0;
  let parseMs = 0;
  let parseCpuMs = 0;
  let outputBytes = 0;
  /** Bodies still being read, oldest first. */
  const reading: Promise<void>[] = [];
  while (locator !== null) {
    if (reading.length > options.parallel) await reading.shift();
    const query = new URLSearchParams({ maxRecords: String(options.maxRecords) });
    if (locator) query.set('locator', locator);
    const response = await rawPage(`${base}/${job.id}/results?${query}`, headers);
    requests++;
    const next = response.headers.get('sforce-locator');
    locator = next !== null && next !== 'null' ? next : null;
    rows += Number(response.headers.get('sforce-numberofrecords') ?? 0);
    if (!options.parse) {
      reading.push(
        (async () => {
          for await (const piece of chunksOf(response.body)) bytes += piece.byteLength;
        })(),
      );
      continue;
    }
    // Streamed like the tap streams it: a page can be 100 000 rows, too big to hold as one string.
    const csv = new CsvLines(prefix);
    const decoder = new TextDecoder();
    for await (const piece of response.body) {
      const raw = piece as Buffer;
      bytes += raw.byteLength;
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      outputBytes += csv.push(decoder.decode(raw, { stream: true })).length;
      parseMs += performance.now() - t0;
      parseCpuMs += cpuSince(c0);
    }
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    outputBytes += csv.push(decoder.decode(), true).length;
    parseMs += performance.now() - t0;
    parseCpuMs += cpuSince(c0);
  }
  await Promise.all(reading);
  return { rows, bytes, ms: performance.now() - started, parseMs, parseCpuMs, requests, outputBytes };
}

/**
 * The least a CSV page needs to become RECORD lines, fed chunk by chunk: an RFC 4180 split (quotes, doubled
 * quotes, newlines inside quotes), one object per row keyed by the header, empty → null, one JSON.stringify
 * per record. A row cut by the chunk boundary waits for the next chunk.
 */
export class CsvLines {
  private header: string[] | null = null;
  private rest = '';
  private readonly prefix: string;

  constructor(prefix: string) {
    this.prefix = prefix;
  }

  /** Parses the complete rows of `rest + text`; returns their lines. `final`: no more text will come. */
  push(text: string, final = false): string {
    const buffer = this.rest + text;
    const lines: string[] = [];
    const n = buffer.length;
    let i = 0;
    let rowStart = 0;
    let row: string[] = [];
    while (i < n) {
      let value: string;
      if (buffer.charCodeAt(i) === 34) {
        let start = i + 1;
        value = '';
        let closed = false;
        for (;;) {
          const q = buffer.indexOf('"', start);
          if (q < 0 || q + 1 >= n) break;
          value += buffer.slice(start, q);
          if (buffer.charCodeAt(q + 1) === 34) {
            value += '"';
            start = q + 2;
            continue;
          }
          i = q + 1;
          closed = true;
          break;
        }
        if (!closed) {
          if (!final) break;
          const q = buffer.lastIndexOf('"');
          value += buffer.slice(start, q > start ? q : n);
          i = n;
        }
      } else {
        let end = i;
        while (end < n) {
          const c = buffer.charCodeAt(end);
          if (c === 44 || c === 10 || c === 13) break;
          end++;
        }
        if (end === n && !final) break;
        value = buffer.slice(i, end);
        i = end;
      }
      row.push(value);
      const c = buffer.charCodeAt(i);
      if (c === 44) {
        i++;
        continue;
      }
      if (c === 13) i++;
      if (buffer.charCodeAt(i) === 10) i++;
      this.emit(row, lines);
      row = [];
      rowStart = i;
    }
    if (final && row.length > 0) {
      this.emit(row, lines);
      rowStart = n;
    }
    this.rest = buffer.slice(rowStart);
    return lines.join('');
  }

  private emit(row: string[], lines: string[]): void {
    if (!this.header) {
      this.header = row;
      return;
    }
    if (row.length === 1 && row[0] === '') return;
    const header = this.header;
    const record: Record<string, string | null> = {};
    for (let k = 0; k < header.length; k++) {
      const v = row[k] ?? '';
      record[header[k] as string] = v === '' ? null : v;
    }
    lines.push(`${this.prefix}${JSON.stringify(record)}}\n`);
  }
}

export interface DiscoveryFloorOptions {
  loginUrl: string;
  credentials: Credentials;
  apiVersion: string;
  /** Names per composite batch (Salesforce's limit is 25). */
  batchSize: number;
}

/** Login, describeGlobal, then every describe in composite batches, all at once. */
export async function discoveryFloor(
  options: DiscoveryFloorOptions,
): Promise<FloorResult & { objects: number }> {
  const started = performance.now();
  const session = await login(options.loginUrl, options.credentials);
  const data = `/services/data/v${options.apiVersion}`;
  const global = (await (
    await ok(
      await fetch(`${session.instanceUrl}${data}/sobjects`, { headers: auth(session) }),
      'describeGlobal',
    )
  ).json()) as { sobjects: Array<{ name: string; queryable: boolean }> };
  const names = global.sobjects.filter((o) => o.queryable).map((o) => o.name);
  const batches: string[][] = [];
  for (let k = 0; k < names.length; k += options.batchSize)
    batches.push(names.slice(k, k + options.batchSize));
  let bytes = 0;
  await Promise.all(
    batches.map(async (batch) => {
      const response = await ok(
        await fetch(`${session.instanceUrl}${data}/composite/batch`, {
          method: 'POST',
          headers: auth(session, { 'Content-Type': 'application/json' }),
          body: JSON.stringify({
            batchRequests: batch.map((name) => ({
              method: 'GET',
              url: `v${options.apiVersion}/sobjects/${name}/describe`,
            })),
          }),
        }),
        'composite describe',
      );
      bytes += await discard(response);
    }),
  );
  return {
    rows: 0,
    bytes,
    ms: performance.now() - started,
    parseMs: 0,
    parseCpuMs: 0,
    requests: 2 + batches.length,
    outputBytes: 0,
    objects: names.length,
  };
}
