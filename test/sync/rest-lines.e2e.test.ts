/**
 * The REST page workers write what the record path writes: for every page the org serves, the lines a worker
 * makes are byte for byte `recordPrefix + JSON.stringify(coerce(row)) + '}\n'`, with the right line ends and
 * positions; and a whole sync through the workers writes the same RECORD and STATE lines, STATE at the same
 * places with the same bookmarks, as a sync through the record path (`rest_page_workers: 0`).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Org, startOrg } from '../../org/index.js';
import type { JsonSchema } from '../../src/singer/catalog.js';
import { recordPrefix } from '../../src/singer/messages.js';
import { compileCoercer } from '../../src/sync/coerce.js';
import { compilePageLines, type PageLines, type PageSetup, sniffHead } from '../../src/sync/page-lines.js';
import { ROOT } from '../helpers/tap.js';
import { discoverCatalog, type SyncFiles, sync, syncFiles } from './helpers.js';

/** The pool as built (the workers run `dist/src/sync/rest-worker.js`). */
interface PoolModule {
  leasePool(
    setup: PageSetup,
    size: number,
  ): {
    submit(bytes: Uint8Array, prefix: string): { lines: Promise<PageLines> };
    release(): Promise<void>;
  };
}

const STREAMS = ['Account', 'Everything__c', 'Contact', 'CreatedOnly__c', 'NoStamp__c'];
const POSITION: Record<string, string> = {
  Account: 'SystemModstamp',
  Everything__c: 'SystemModstamp',
  Contact: 'SystemModstamp',
  CreatedOnly__c: 'CreatedDate',
  NoStamp__c: 'Id',
};

let org: Org;
let catalog: Awaited<ReturnType<typeof discoverCatalog>>;

beforeAll(async () => {
  org = await startOrg({
    seed: 23,
    records: { Account: 900, Contact: 300, NoStamp__c: 400, Everything__c: 300, CreatedOnly__c: 300 },
    pageSize: 120,
  });
  catalog = await discoverCatalog(org, STREAMS);
});
afterAll(() => org.close());

async function token(): Promise<string> {
  const response = await fetch(`${org.url}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: 'test-refresh-token',
      client_id: 'test-client-id',
      client_secret: 'test-client-secret',
    }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

/** Every page of `SELECT <fields> FROM <object> ORDER BY Id`, as the org sends it. */
async function pages(object: string, fields: string[]): Promise<Uint8Array[]> {
  const auth = { authorization: `Bearer ${await token()}` };
  const soql = `SELECT ${fields.join(',')} FROM ${object} ORDER BY Id`;
  let path: string | null = `/services/data/v64.0/queryAll?q=${encodeURIComponent(soql)}`;
  const out: Uint8Array[] = [];
  while (path) {
    const response = await fetch(`${org.url}${path}`, { headers: auth });
    expect(response.status).toBe(200);
    const bytes = new Uint8Array(await response.arrayBuffer());
    out.push(bytes);
    const page = JSON.parse(Buffer.from(bytes).toString('utf8')) as {
      nextRecordsUrl?: string;
      done: boolean;
    };
    path = page.done ? null : (page.nextRecordsUrl ?? null);
  }
  return out;
}

describe('page workers', () => {
  it.each(STREAMS)('%s: worker lines equal coerce + JSON.stringify, page for page', async (stream) => {
    const entry = catalog.streams.find((s) => s.tap_stream_id === stream);
    if (!entry) throw new Error(`no catalog entry for ${stream}`);
    const schema = entry.schema as JsonSchema;
    const fields = Object.keys(schema.properties ?? {});
    const setup: PageSetup = { schema, fields, position: POSITION[stream] as string };
    const coerce = compileCoercer(schema, fields, 'json');
    const prefix = recordPrefix(stream, '2026-01-02T03:04:05.678Z', stream === 'NoStamp__c' ? 1234 : null);
    const here = compilePageLines(setup);
    const { leasePool } = (await import(join(ROOT, 'dist/src/sync/page-pool.js'))) as PoolModule;
    const lease = leasePool(setup, 2);
    try {
      const all = await pages(stream, fields);
      expect(all.length).toBeGreaterThan(1);
      let rows = 0;
      for (const bytes of all) {
        const text = Buffer.from(bytes).toString('utf8');
        const page = JSON.parse(text) as {
          totalSize: number;
          done: boolean;
          nextRecordsUrl?: string;
          records: Array<Record<string, unknown>>;
        };
        expect(sniffHead(bytes)).toEqual({
          totalSize: page.totalSize,
          done: page.done,
          nextRecordsUrl: page.nextRecordsUrl ?? null,
        });
        const records = page.records.map(coerce);
        const lines = records.map((r) => `${prefix}${JSON.stringify(r)}}\n`);
        const expected = Buffer.from(lines.join(''), 'utf8');
        let end = 0;
        const ends = lines.map((l) => (end += Buffer.byteLength(l)));
        const positions = records.map((r) => {
          const value = r[setup.position as string];
          return typeof value === 'string' ? value : null;
        });

        const local = here(bytes.slice(), prefix);
        const worker = await lease.submit(bytes.slice(), prefix).lines;
        for (const made of [local, worker]) {
          expect(made.count).toBe(records.length);
          expect(Buffer.from(made.bytes.buffer, made.bytes.byteOffset, made.used).equals(expected)).toBe(
            true,
          );
          expect([...made.ends]).toEqual(ends);
          expect(made.positions).toEqual(positions);
        }
        rows += records.length;
      }
      expect(rows).toBe([...org.rows(stream, { includeDeleted: true })].length);
    } finally {
      await lease.release();
    }
  });
});

describe('a page a worker cannot convert', () => {
  it('fails that page with one clear error instead of hanging; the pool goes on', async () => {
    const setup: PageSetup = {
      schema: { type: 'object', properties: { Id: { type: ['string', 'null'] } } },
      fields: ['Id'],
      position: 'Id',
    };
    const { leasePool } = (await import(join(ROOT, 'dist/src/sync/page-pool.js'))) as PoolModule;
    const lease = leasePool(setup, 2);
    try {
      const page = (records: string) =>
        new Uint8Array(Buffer.from(`{"totalSize":1,"done":true,"records":[${records}]}`));
      await expect(lease.submit(page('null'), 'P').lines).rejects.toThrow(/^REST page worker: /);
      await expect(lease.submit(page('{"Id":"001'), 'P').lines).rejects.toThrow(
        /malformed JSON from Salesforce/,
      );
      const ok = await lease.submit(page('{"Id":"001A"}'), 'P').lines;
      expect(Buffer.from(ok.bytes.buffer, 0, ok.used).toString()).toBe('P{"Id":"001A"}}\n');
    } finally {
      await lease.release();
    }
  });
});

/** A run's stdout with what differs between two runs by design (extraction time, table version) masked. */
function masked(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) =>
      l.replace(/"time_extracted":"[^"]*"/, '"time_extracted":"T"').replace(/"version":\d+/g, '"version":1'),
    );
}

describe('a sync through the page workers', () => {
  let viaRecordsFiles: SyncFiles;
  let viaWorkersFiles: SyncFiles;
  beforeAll(() => {
    viaRecordsFiles = syncFiles(org, catalog, { threshold: 7, rest_page_workers: 0 });
    viaWorkersFiles = syncFiles(org, catalog, { threshold: 7, rest_page_workers: 2 });
  });

  it('writes the same RECORD and STATE lines as the record path (threshold 7)', async () => {
    const viaRecords = await sync(viaRecordsFiles);
    const viaWorkers = await sync(viaWorkersFiles, undefined, { env: { LOG_LEVEL: 'debug' } });
    expect(viaRecords.code, viaRecords.stderr).toBe(0);
    expect(viaWorkers.code, viaWorkers.stderr).toBe(0);
    // The workers did run for the multi-page streams.
    for (const stream of STREAMS)
      expect(viaWorkers.stderr).toContain(`${stream}: pages after the first converted in 2 workers`);
    const a = masked(viaRecords.stdout);
    const b = masked(viaWorkers.stdout);
    expect(b.length).toBe(a.length);
    expect(b.filter((l) => l.startsWith('{"type":"STATE"')).length).toBeGreaterThan(100);
    for (let i = 0; i < a.length; i++)
      if (b[i] !== a[i]) expect(`line ${i + 1}: ${b[i]}`).toBe(`line ${i + 1}: ${a[i]}`);
  });

  it('resumes from a mid-stream STATE exactly as the record path does', async () => {
    const first = await sync(viaWorkersFiles);
    const states = first.messages.filter((m) => m.type === 'STATE');
    // A STATE in the middle of the run: some streams done, one part-way.
    const middle = states[Math.floor(states.length / 2)]?.value;
    const viaRecords = await sync(viaRecordsFiles, middle);
    const viaWorkers = await sync(viaWorkersFiles, middle);
    expect(viaWorkers.code, viaWorkers.stderr).toBe(0);
    expect(masked(viaWorkers.stdout)).toEqual(masked(viaRecords.stdout));
  });
});
