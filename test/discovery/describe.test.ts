import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { QuotaError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { SalesforceClient } from '../../src/salesforce/client.js';
import {
  DEFAULT_DESCRIBE_CONCURRENCY,
  describeObjects,
  forEachLimit,
} from '../../src/salesforce/describe.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

interface Call {
  path: string;
  objects: string[];
}

/**
 * A loopback org for describes. `subresult(name, attempt)` decides each object's answer; `batch(n)` may
 * replace the whole n-th composite answer.
 */
async function org(options: {
  subresult?: (name: string, attempt: number) => { statusCode: number; result: unknown };
  batch?: (n: number) => { status: number; body: unknown } | null;
  delayMs?: number;
}) {
  const calls: Call[] = [];
  const attempts = new Map<string, number>();
  let inFlight = 0;
  let maxInFlight = 0;
  const answer = (name: string) => {
    const n = (attempts.get(name) ?? 0) + 1;
    attempts.set(name, n);
    return (
      options.subresult?.(name, n) ?? {
        statusCode: 200,
        result: { name, fields: [{ name: 'Id', type: 'id' }] },
      }
    );
  };
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, options.delayMs ?? 0));
      inFlight--;
      const send = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      const path = req.url ?? '';
      if (path.endsWith('/composite/batch')) {
        const requests = (JSON.parse(body) as { batchRequests: Array<{ url: string }> }).batchRequests;
        const objects = requests.map((r) => decodeURIComponent(r.url.split('/')[2] ?? ''));
        calls.push({ path: 'composite', objects });
        const override = options.batch?.(calls.filter((c) => c.path === 'composite').length);
        if (override) return send(override.status, override.body);
        const results = objects.map(answer);
        return send(200, { hasErrors: results.some((r) => r.statusCode >= 400), results });
      }
      const single = /\/sobjects\/([^/]+)\/describe$/.exec(path);
      if (single?.[1]) {
        const name = decodeURIComponent(single[1]);
        calls.push({ path: 'describe', objects: [name] });
        const r = answer(name);
        return send(r.statusCode, r.result);
      }
      send(404, [{ errorCode: 'NOT_FOUND', message: 'no' }]);
    });
  });
  await new Promise<void>((done) => server?.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const lines: string[] = [];
  const logger = createLogger({
    destination: new Writable({
      write(chunk, _e, cb) {
        lines.push(String(chunk));
        cb();
      },
    }),
    pretty: false,
  });
  const client = new SalesforceClient({
    authenticator: {
      description: 'test',
      login: async () => ({ accessToken: 'token-abcdef', instanceUrl: url }),
      refresh: async () => ({ accessToken: 'token-abcdef', instanceUrl: url }),
    },
    apiVersion: '64.0',
    http: { timeoutMs: 2000, maxAttempts: 2, backoffBaseMs: 1, backoffMaxMs: 2 },
    logger,
  });
  await client.connect();
  return { client, logger, calls, logs: () => lines.join(''), maxInFlight: () => maxInFlight };
}

const names = (n: number) => Array.from({ length: n }, (_, i) => `Obj${String(i).padStart(3, '0')}__c`);

describe('describeObjects', () => {
  it('given 60 objects, then describes them in 3 composite calls of at most 25, with bounded concurrency', async () => {
    const o = await org({ delayMs: 20 });
    const outcome = await describeObjects(o.client, names(60), { logger: o.logger, concurrency: 2 });
    expect(outcome.describes.map((d) => d.name).sort()).toEqual(names(60));
    expect(outcome.failures).toEqual([]);
    expect(o.calls.map((c) => c.objects.length)).toEqual([25, 25, 10]);
    expect(outcome.calls).toBe(3);
    expect(o.maxInFlight()).toBe(2);
  });

  it('given 1 000 objects and the default concurrency, then all 40 composite calls are in flight at once', async () => {
    // One round trip for a 1 000-object org: at 100 ms per call, waves of 16 took three.
    const o = await org({ delayMs: 100 });
    const outcome = await describeObjects(o.client, names(1000), { logger: o.logger });
    expect(outcome.describes).toHaveLength(1000);
    expect(outcome.calls).toBe(40);
    expect(o.maxInFlight()).toBe(40);
    expect(DEFAULT_DESCRIBE_CONCURRENCY).toBeGreaterThanOrEqual(40);
  });

  it('given onDescribe, then each describe goes to it as its batch arrives, and none is kept', async () => {
    const o = await org({ delayMs: 20 });
    const seen: Array<{ name: string; callsAnswered: number }> = [];
    const outcome = await describeObjects(o.client, names(60), {
      logger: o.logger,
      concurrency: 1,
      onDescribe: (d) => seen.push({ name: d.name, callsAnswered: o.calls.length }),
    });
    expect(seen.map((s) => s.name).sort()).toEqual(names(60));
    expect(outcome.describes).toEqual([]);
    // The first batch's describes were handed over before the next batch was asked for.
    expect(seen[0]?.callsAnswered).toBe(1);
  });

  it('given a transient subrequest failure, then retries that object once in a later batch', async () => {
    const o = await org({
      subresult: (name, attempt) =>
        name === 'Obj001__c' && attempt === 1
          ? { statusCode: 503, result: [{ errorCode: 'SERVER_UNAVAILABLE', message: 'later' }] }
          : { statusCode: 200, result: { name, fields: [] } },
    });
    const outcome = await describeObjects(o.client, names(3), { logger: o.logger });
    expect(outcome.describes).toHaveLength(3);
    expect(o.calls.map((c) => c.objects)).toEqual([names(3), ['Obj001__c']]);
  });

  it('given a lasting or final subrequest failure, then skips that object with a warning', async () => {
    const o = await org({
      subresult: (name) =>
        name === 'Obj000__c'
          ? { statusCode: 404, result: [{ errorCode: 'NOT_FOUND', message: 'gone' }] }
          : name === 'Obj002__c'
            ? { statusCode: 500, result: [{ errorCode: 'UNKNOWN_EXCEPTION', message: 'boom' }] }
            : { statusCode: 200, result: { name, fields: [] } },
    });
    const outcome = await describeObjects(o.client, names(3), { logger: o.logger });
    expect(outcome.describes.map((d) => d.name)).toEqual(['Obj001__c']);
    expect(outcome.failures.map((f) => f.name).sort()).toEqual(['Obj000__c', 'Obj002__c']);
    expect(o.logs()).toContain('describe of Obj000__c failed, object skipped: HTTP 404 NOT_FOUND: gone');
    expect(o.logs()).toContain(
      'describe of Obj002__c failed, object skipped: HTTP 500 UNKNOWN_EXCEPTION: boom',
    );
  });

  it('given a composite call the org refuses, then describes that batch object by object', async () => {
    const o = await org({
      batch: () => ({ status: 400, body: [{ errorCode: 'INVALID_BATCH_REQUEST', message: 'no batches' }] }),
    });
    const outcome = await describeObjects(o.client, names(3), { logger: o.logger });
    expect(outcome.describes).toHaveLength(3);
    expect(o.calls.map((c) => c.path)).toEqual(['composite', 'describe', 'describe', 'describe']);
    expect(o.logs()).toContain('describing these objects one by one');
  });

  it('given a quota error, then it propagates', async () => {
    const o = await org({
      batch: () => ({ status: 403, body: [{ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'limit' }] }),
    });
    await expect(describeObjects(o.client, names(3), { logger: o.logger })).rejects.toBeInstanceOf(
      QuotaError,
    );
  });
});

describe('forEachLimit', () => {
  it('stops taking new work after a failure and throws it', async () => {
    const seen: number[] = [];
    const run = forEachLimit([1, 2, 3, 4, 5, 6], 2, async (n) => {
      seen.push(n);
      await new Promise((r) => setTimeout(r, 5));
      if (n === 2) throw new Error('two');
    });
    await expect(run).rejects.toThrow('two');
    expect(seen.length).toBeLessThan(6);
  });
});
