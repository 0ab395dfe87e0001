import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, AuthError, QuotaError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { type Authenticator, SalesforceClient, type Session } from '../../src/salesforce/client.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server | undefined;
afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

/** A loopback server answering each request with the next handler in the script. */
async function serve(script: Handler[]): Promise<{ url: string; seen: IncomingMessage[] }> {
  const seen: IncomingMessage[] = [];
  server = createServer((req, res) => {
    seen.push(req);
    const handler = script[Math.min(seen.length - 1, script.length - 1)];
    handler?.(req, res);
  });
  await new Promise<void>((done) => server?.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen };
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

function setup(
  url: string,
  overrides: { timeoutMs?: number; quota?: { percentTotal: number; percentPerRun: number } } = {},
) {
  const logs: string[] = [];
  let tokens = 0;
  const authenticator: Authenticator = {
    description: 'test flow',
    login: async (): Promise<Session> => ({ accessToken: `token-${++tokens}`, instanceUrl: url }),
    refresh: async (): Promise<Session> => ({ accessToken: `token-${++tokens}`, instanceUrl: url }),
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
    http: { timeoutMs: overrides.timeoutMs ?? 2000, maxAttempts: 4, backoffBaseMs: 1, backoffMaxMs: 5 },
    logger,
    quota: overrides.quota,
  });
  return { client, logs, refreshes: () => tokens - 1 };
}

describe('SalesforceClient', () => {
  it('given a 503 then a 200, when requesting, then retries and returns the body', async () => {
    const { url, seen } = await serve([
      json(503, [{ message: 'down', errorCode: 'SERVER_UNAVAILABLE' }]),
      json(200, { ok: true }),
    ]);
    const { client, logs } = setup(url);
    await client.connect();
    expect(await client.json({ path: 'limits', label: 'limits' })).toEqual({ ok: true });
    expect(seen).toHaveLength(2);
    expect(seen[0]?.url).toBe('/services/data/v64.0/limits');
    expect(logs.join('')).toContain('retrying');
  });

  it('given an expired session, when requesting, then refreshes once and replays with the new token', async () => {
    const { url, seen } = await serve([
      json(401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]),
      json(200, { ok: 1 }),
    ]);
    const { client, refreshes } = setup(url);
    await client.connect();
    await client.json({ path: '/services/data/v64.0/sobjects', label: 'sobjects' });
    expect(refreshes()).toBe(1);
    expect(seen.map((r) => r.headers.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
  });

  it('given a session refused even after refresh, then fails with an auth error', async () => {
    const { url } = await serve([json(401, [{ message: 'nope', errorCode: 'INVALID_SESSION_ID' }])]);
    const { client } = setup(url);
    await client.connect();
    await expect(client.request({ path: 'sobjects', label: 'sobjects' })).rejects.toBeInstanceOf(AuthError);
  });

  it('given a bad query, then fails at once with the Salesforce error code', async () => {
    const { url, seen } = await serve([
      json(400, [{ message: "No such column 'Foo'", errorCode: 'INVALID_FIELD' }]),
    ]);
    const { client } = setup(url);
    await client.connect();
    const error = await client.request({ path: 'query?q=x', label: 'query' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).errorCode).toBe('INVALID_FIELD');
    expect((error as ApiError).message).toBe("query failed: HTTP 400 INVALID_FIELD: No such column 'Foo'");
    expect(seen).toHaveLength(1);
  });

  it('given REQUEST_LIMIT_EXCEEDED, then stops with a quota error', async () => {
    const { url } = await serve([
      json(403, [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]),
    ]);
    const { client } = setup(url);
    await client.connect();
    await expect(client.request({ path: 'limits', label: 'limits' })).rejects.toBeInstanceOf(QuotaError);
  });

  it('reads Sforce-Limit-Info and trips the total guard before the next call', async () => {
    const { url, seen } = await serve([json(200, {}, { 'Sforce-Limit-Info': 'api-usage=850/1000' })]);
    const { client } = setup(url, { quota: { percentTotal: 80, percentPerRun: 50 } });
    await client.connect();
    await client.json({ path: 'limits', label: 'limits' });
    expect(client.usage).toMatchObject({ orgUsed: 850, orgMax: 1000, callsThisRun: 1 });
    await expect(client.request({ path: 'limits', label: 'limits' })).rejects.toThrow(
      /quota_percent_total guard: the org has used 850 of 1000 daily API calls \(85\.0%\), limit 80%/,
    );
    expect(seen).toHaveLength(1);
  });

  it('trips the per-run guard on calls made by this run', async () => {
    const { url } = await serve([json(200, {}, { 'Sforce-Limit-Info': 'api-usage=10/100' })]);
    const { client } = setup(url, { quota: { percentTotal: 95, percentPerRun: 2 } });
    await client.connect();
    await client.json({ path: 'limits', label: 'limits' });
    await client.json({ path: 'limits', label: 'limits' });
    await expect(client.request({ path: 'limits', label: 'limits' })).rejects.toThrow(
      /quota_percent_per_run guard/,
    );
  });

  it('given a body cut short, when reading JSON, then fetches the page again', async () => {
    const { url, seen } = await serve([
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        res.write('{"records":[');
        setTimeout(() => res.destroy(), 5);
      },
      json(200, { records: [] }),
    ]);
    const { client } = setup(url);
    await client.connect();
    expect(await client.json({ path: 'query/x-2000', label: 'queryMore' })).toEqual({ records: [] });
    expect(seen).toHaveLength(2);
  });

  it('given no answer within the timeout, then retries and finally gives up with the count', async () => {
    const { url, seen } = await serve([() => {}]);
    const { client } = setup(url, { timeoutMs: 50 });
    await client.connect();
    await expect(client.request({ path: 'limits', label: 'limits' })).rejects.toThrow(
      /limits: gave up after 4 attempts: no response within 50 ms/,
    );
    expect(seen).toHaveLength(4);
  });
});
