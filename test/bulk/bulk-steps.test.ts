/**
 * The Bulk steps over a scripted loopback server: a result page cut off mid-body is read again without
 * repeating rows, a session that expires between pages is refreshed, gzip bodies, the poll backoff and its
 * bound, and the Bulk 1.0 helpers.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, QuotaError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { checkBulkQuota, recordBulkUsage } from '../../src/salesforce/bulk-limits.js';
import {
  parseBatchList,
  parseResultList,
  pkChunkingHeader,
  pkChunkingParent,
} from '../../src/salesforce/bulk1.js';
import {
  BulkJobFailed,
  openResultPage,
  pollDelayMs,
  pollJob,
  readPage,
  resultPages,
} from '../../src/salesforce/bulk2.js';
import { type Authenticator, SalesforceClient, type Session } from '../../src/salesforce/client.js';
import { CsvLineDecoder, compileLinePlan } from '../../src/sync/csv-lines.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server | undefined;
afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

async function serve(handler: Handler): Promise<{ url: string; seen: IncomingMessage[] }> {
  const seen: IncomingMessage[] = [];
  server = createServer((req, res) => {
    seen.push(req);
    handler(req, res);
  });
  await new Promise<void>((done) => server?.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen };
}

function setup(url: string) {
  const logs: string[] = [];
  let tokens = 0;
  const session = (): Session => ({ accessToken: `token-${++tokens}`, instanceUrl: url });
  const authenticator: Authenticator = {
    description: 'test flow',
    login: async () => session(),
    refresh: async () => session(),
  };
  const logger = createLogger({
    destination: new Writable({
      write(chunk, _enc, cb) {
        logs.push(String(chunk));
        cb();
      },
    }),
    pretty: false,
  });
  const client = new SalesforceClient({
    authenticator,
    apiVersion: '64.0',
    http: { timeoutMs: 2000, maxAttempts: 4, backoffBaseMs: 1, backoffMaxMs: 5 },
    logger,
  });
  return { client, logs, logger };
}

const HEADER = '"Id","Name"\n';
const row = (i: number) => `"${String(i).padStart(3, '0')}","Name ${i}, with ""quotes""\nand a newline"\n`;
const rows = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, k) => row(from + k)).join('');

/** Pages of 10 rows, locator = offset; page 2 (offset 10) is cut in the middle on its first request. */
function pagedServer(options: { cutFirst?: boolean; expireAfterPage1?: boolean; gzip?: boolean } = {}) {
  let cuts = 0;
  let expired = false;
  const handler: Handler = (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (options.expireAfterPage1 && expired && req.headers.authorization === 'Bearer token-1') {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify([{ errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid' }]));
      return;
    }
    const offset = Number(url.searchParams.get('locator') ?? '0');
    const next = offset + 10 < 30 ? String(offset + 10) : 'null';
    const body = HEADER + rows(offset, offset + 10);
    const headers: Record<string, string> = {
      'content-type': 'text/csv',
      'sforce-locator': next,
      'sforce-numberofrecords': '10',
    };
    if (offset === 10 && options.cutFirst && cuts === 0) {
      cuts++;
      res.writeHead(200, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
      res.write(body.slice(0, Math.floor(body.length / 2)));
      setTimeout(() => res.destroy(), 5);
      return;
    }
    if (offset === 0) expired = true;
    if (options.gzip && /gzip/.test(String(req.headers['accept-encoding']))) {
      const zipped = gzipSync(body);
      res.writeHead(200, { ...headers, 'content-encoding': 'gzip', 'content-length': String(zipped.length) });
      res.end(zipped);
      return;
    }
    res.writeHead(200, headers);
    res.end(body);
  };
  return handler;
}

const TEXT_SCHEMA = { type: 'object', properties: { Id: { type: 'string' }, Name: { type: 'string' } } };

async function readAll(client: SalesforceClient, options = { maxRecords: 10, gzip: false, parallel: 2 }) {
  const ids: string[] = [];
  const names: string[] = [];
  for await (const page of resultPages(client, '750x', null, options)) {
    const reopen = () => openResultPage(client, '750x', page.locator, options);
    const decoder = (skip: number) =>
      new CsvLineDecoder({
        plan: (header) => compileLinePlan(header, TEXT_SCHEMA, null),
        prefix: () => '{"type":"RECORD","stream":"X","record":',
        skip,
        batchBytes: 200,
      });
    for await (const batch of readPage(client, page, { decoder, reopen })) {
      const lines = batch.lines.toString('utf8').split('\n').slice(0, -1);
      expect(lines).toHaveLength(batch.count);
      for (const line of lines) {
        const { record } = JSON.parse(line) as { record: { Id: string; Name: string } };
        ids.push(record.Id);
        names.push(record.Name);
      }
    }
  }
  return { ids, names };
}

describe('Bulk 2.0 result pages', () => {
  it('given three pages, when reading, then every row arrives once, in order, values whole', async () => {
    const { url, seen } = await serve(pagedServer());
    const { client } = setup(url);
    await client.connect();
    const { ids, names } = await readAll(client);
    expect(ids).toEqual(Array.from({ length: 30 }, (_, i) => String(i).padStart(3, '0')));
    expect(names[5]).toBe('Name 5, with "quotes"\nand a newline');
    expect(seen.map((r) => new URL(r.url ?? '', 'http://x').searchParams.get('locator'))).toEqual([
      null,
      '10',
      '20',
    ]);
    expect(seen.every((r) => r.url?.includes('maxRecords=10'))).toBe(true);
  });

  it('given a page cut off mid-body, when reading, then the page is fetched again and no row repeats', async () => {
    const { url, seen } = await serve(pagedServer({ cutFirst: true }));
    const { client, logs } = setup(url);
    await client.connect();
    const { ids } = await readAll(client);
    expect(ids).toEqual(Array.from({ length: 30 }, (_, i) => String(i).padStart(3, '0')));
    expect(new Set(ids).size).toBe(30);
    const locators = seen.map((r) => new URL(r.url ?? '', 'http://x').searchParams.get('locator'));
    expect(locators.filter((l) => l === '10').length).toBe(2);
    expect(logs.join('')).toContain('retrying');
  });

  it('given a session that expires after page 1, when reading, then it is refreshed and the download goes on', async () => {
    const { url, seen } = await serve(pagedServer({ expireAfterPage1: true }));
    const { client } = setup(url);
    await client.connect();
    const { ids } = await readAll(client, { maxRecords: 10, gzip: false, parallel: 1 });
    expect(ids.length).toBe(30);
    expect(new Set(ids).size).toBe(30);
    expect(seen.some((r) => r.headers.authorization === 'Bearer token-2')).toBe(true);
  });

  it('given gzip, when reading, then Accept-Encoding asks for it and the rows are decompressed', async () => {
    const { url, seen } = await serve(pagedServer({ gzip: true }));
    const { client } = setup(url);
    await client.connect();
    const { ids } = await readAll(client, { maxRecords: 10, gzip: true, parallel: 2 });
    expect(ids.length).toBe(30);
    expect(seen.every((r) => /gzip/.test(String(r.headers['accept-encoding'])))).toBe(true);
  });
});

describe('Bulk 2.0 polling', () => {
  it('backs off quickly first, then slower, capped at 10 s', () => {
    expect([0, 1, 2, 3, 10].map(pollDelayMs)).toEqual([250, 500, 1000, 2000, 10_000]);
  });

  it('given InProgress then JobComplete, when polling, then returns the finished job', async () => {
    let polls = 0;
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: '750x', state: ++polls < 3 ? 'InProgress' : 'JobComplete' }));
    });
    const { client } = setup(url);
    await client.connect();
    const job = await pollJob(client, '750x', { timeoutSeconds: 10, delay: () => 1 });
    expect(job.state).toBe('JobComplete');
    expect(polls).toBe(3);
  });

  it('given Failed, when polling, then throws with Salesforce errorMessage', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: '750x', state: 'Failed', errorMessage: 'QUERY_TIMEOUT: too long' }));
    });
    const { client } = setup(url);
    await client.connect();
    const error = await pollJob(client, '750x', { timeoutSeconds: 10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BulkJobFailed);
    expect((error as BulkJobFailed).errorMessage).toBe('QUERY_TIMEOUT: too long');
  });

  it('given a job that never ends, when the bound passes, then a clear error names the setting', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: '750x', state: 'InProgress' }));
    });
    const { client } = setup(url);
    await client.connect();
    const error = await pollJob(client, '750x', { timeoutSeconds: 1, delay: () => 300 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApiError);
    expect((error as Error).message).toMatch(/still InProgress after 1 s \(bulk_poll_timeout_seconds\)/);
  });
});

describe('Bulk quota guard', () => {
  const limits = (remaining: number) => (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ DailyBulkV2QueryJobs: { Max: 10000, Remaining: remaining } }));
  };

  it('trips quota_percent_total on the org-wide use', async () => {
    const { url } = await serve(limits(1000));
    const { client, logger } = setup(url);
    await client.connect();
    const guards = { quotaPercentTotal: 80, quotaPercentPerRun: 50 };
    await expect(checkBulkQuota(client, 'DailyBulkV2QueryJobs', guards, logger)).rejects.toThrow(QuotaError);
  });

  it('trips quota_percent_per_run on the jobs this run started', async () => {
    const { url } = await serve(limits(10000));
    const { client, logger } = setup(url);
    await client.connect();
    const guards = { quotaPercentTotal: 80, quotaPercentPerRun: 0.05 };
    await checkBulkQuota(client, 'DailyBulkV2QueryJobs', guards, logger);
    recordBulkUsage(client, 'DailyBulkV2QueryJobs', 5);
    await expect(checkBulkQuota(client, 'DailyBulkV2QueryJobs', guards, logger)).rejects.toThrow(
      /quota_percent_per_run/,
    );
  });

  it('skips the guard when /limits is not served', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify([{ errorCode: 'NOT_FOUND', message: 'no' }]));
    });
    const { client, logger } = setup(url);
    await client.connect();
    await checkBulkQuota(
      client,
      'DailyBulkV2QueryJobs',
      { quotaPercentTotal: 1, quotaPercentPerRun: 1 },
      logger,
    );
  });
});

describe('Bulk 1.0 helpers', () => {
  it.each([
    ['Account', null],
    ['AccountHistory', 'Account'],
    ['OpportunityFieldHistory', 'Opportunity'],
    ['AccountShare', 'Account'],
    ['Foo__History', 'Foo__c'],
    ['Foo__Share', 'Foo__c'],
    ['Foo__c', null],
  ])('PK chunking parent of %s is %s', (object, parent) => {
    expect(pkChunkingParent(object)).toBe(parent);
  });

  it('builds the PK chunking header', () => {
    expect(pkChunkingHeader('Account', 100000)).toBe('chunkSize=100000');
    expect(pkChunkingHeader('AccountHistory', 250000)).toBe('chunkSize=250000; parent=Account');
  });

  it('reads batch lists and result lists in XML and JSON', () => {
    const xml =
      '<?xml version="1.0"?><batchInfoList xmlns="x"><batchInfo><id>751A</id><jobId>750</jobId><state>NotProcessed</state></batchInfo>' +
      '<batchInfo><id>751B</id><jobId>750</jobId><state>Failed</state><stateMessage>A &amp; B</stateMessage></batchInfo></batchInfoList>';
    expect(parseBatchList(xml)).toEqual([
      { id: '751A', jobId: '750', state: 'NotProcessed', stateMessage: undefined },
      { id: '751B', jobId: '750', state: 'Failed', stateMessage: 'A & B' },
    ]);
    expect(parseBatchList('{"batchInfo":[{"id":"751C","jobId":"750","state":"Completed"}]}')).toEqual([
      { id: '751C', jobId: '750', state: 'Completed', stateMessage: undefined },
    ]);
    expect(
      parseResultList('<result-list xmlns="x"><result>752A</result><result>752B</result></result-list>'),
    ).toEqual(['752A', '752B']);
    expect(parseResultList('["752C"]')).toEqual(['752C']);
  });
});
