/**
 * Through the real CLI: runs killed at random points resume from their last STATE without losing a row;
 * SIGTERM, a closed stdout (EPIPE), a tripped quota guard, QUERY_TIMEOUT, cut or failed pages, parallel
 * streams, and catalogs naming what the org does not have.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Org, startOrg } from '../../org/index.js';
import { prng } from '../../org/util.js';
import { BIN, NODE, ROOT } from '../helpers/tap.js';
import {
  discoverCatalog,
  lastState,
  type Message,
  recordsOf,
  runRaw,
  type SyncFiles,
  syncArgs,
  syncFiles,
} from './helpers.js';

type Row = Record<string, unknown>;

function ids(rows: Iterable<Row>): Set<string> {
  return new Set([...rows].map((r) => r.Id as string));
}

describe('interrupted runs', () => {
  let org: Org;
  let files: SyncFiles;
  const streams = ['Account', 'NoStamp__c', 'Contact'];

  beforeAll(async () => {
    org = await startOrg({
      seed: 11,
      records: { Account: 3000, NoStamp__c: 1200, Contact: 500 },
      pageSize: 200,
    });
    const catalog = await discoverCatalog(org, streams);
    files = syncFiles(org, catalog, { threshold: 50 });
  });
  afterAll(() => org.close());

  it.each([1, 2, 3])(
    'a run SIGKILLed at random points (seed %i) and restarted from its last STATE loses no row',
    async (seed) => {
      const random = prng(seed);
      let state: unknown;
      const seen = new Map<string, Set<string>>(streams.map((s) => [s, new Set<string>()]));
      let continued = 0;
      let written = 0;
      let kills = 0;
      for (let attempt = 0; attempt < 12; attempt++) {
        const killAfter = attempt < 5 ? 1 + Math.floor(random() * 1500) : Number.POSITIVE_INFINITY;
        let records = 0;
        // A full-table stream interrupted after a STATE recorded its progress must go on with that version.
        const interrupted = (state as { bookmarks?: Record<string, Row> } | undefined)?.bookmarks?.NoStamp__c;
        const continuing = interrupted?.last_id !== undefined ? interrupted.version : undefined;
        const run = await runRaw(syncArgs(files, state), (message, child) => {
          if (message.type === 'RECORD' && ++records === killAfter) child.kill('SIGKILL');
        });
        for (const m of run.messages) {
          if (m.type !== 'RECORD') continue;
          written++;
          seen.get(m.stream as string)?.add((m.record as Row).Id as string);
          if (m.stream === 'NoStamp__c' && continuing !== undefined) {
            expect(m.version).toBe(continuing);
            continued++;
          }
        }
        state = lastState(run.messages) ?? state;
        if (run.code === 0) break;
        kills++;
        expect(run.signal).toBe('SIGKILL');
      }
      expect(kills).toBeGreaterThan(0);
      for (const stream of streams) {
        const want = ids(org.rows(stream, { includeDeleted: true }));
        const got = seen.get(stream) as Set<string>;
        for (const id of want) expect(got.has(id), `${stream} ${id}`).toBe(true);
      }
      const total = streams.reduce((n, s) => n + [...org.rows(s, { includeDeleted: true })].length, 0);
      console.info(
        `seed ${seed}: ${kills} kills, ${written} records written for ${total} rows, ${continued} in a continued version`,
      );
    },
  );

  it('a run killed inside rows that share one SystemModstamp loses none of them on resume', async () => {
    const small = await startOrg({ seed: 2, records: { Account: 300 } });
    try {
      const tied = syncFiles(small, await discoverCatalog(small, ['Account']), { threshold: 10 });
      const first = await runRaw(syncArgs(tied));
      expect(first.code).toBe(0);
      // Changes made within one second share one SystemModstamp, as a bulk update's rows do.
      const change = small.advanceTime({ seconds: 1, update: { Account: 40 }, insert: { Account: 20 } });
      const changed = [...(change.updated.Account ?? []), ...(change.inserted.Account ?? [])];
      const stamps = new Set(
        [...small.rows('Account')]
          .filter((r) => changed.includes(r.Id as string))
          .map((r) => r.SystemModstamp),
      );
      expect(stamps.size).toBe(1);
      let records = 0;
      const killed = await runRaw(syncArgs(tied, lastState(first.messages)), (message, child) => {
        if (message.type === 'RECORD' && ++records === 25) child.kill('SIGKILL');
      });
      expect(killed.signal).toBe('SIGKILL');
      const rest = await runRaw(syncArgs(tied, lastState(killed.messages)));
      expect(rest.code).toBe(0);
      const got = ids([...recordsOf(killed.messages), ...recordsOf(rest.messages)]);
      for (const id of changed) expect(got.has(id)).toBe(true);
    } finally {
      await small.close();
    }
  });

  it('SIGTERM writes a final STATE, exits non-zero without a stack trace, and the restart loses no row', async () => {
    let records = 0;
    const run = await runRaw(syncArgs(files), (message, child) => {
      if (message.type === 'RECORD' && ++records === 700) child.kill('SIGTERM');
    });
    expect(run.code).not.toBe(0);
    expect(run.code).not.toBeNull();
    expect(run.messages[run.messages.length - 1]?.type).toBe('STATE');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    const rest = await runRaw(syncArgs(files, lastState(run.messages)));
    expect(rest.code).toBe(0);
    const got = new Set([...recordsOf(run.messages), ...recordsOf(rest.messages)].map((r) => `${r.Id}`));
    for (const stream of streams)
      for (const id of ids(org.rows(stream, { includeDeleted: true }))) expect(got.has(id)).toBe(true);
  });

  it('a tripped quota guard writes the last STATE and exits 2 (0 with quota_exit_success)', async () => {
    let records = 0;
    const run = await runRaw(syncArgs(files), (message) => {
      if (message.type === 'RECORD' && ++records === 300) org.setFaults({ quotaExhausted: true });
    });
    org.setFaults({ quotaExhausted: false });
    expect(run.code).toBe(2);
    expect(run.messages[run.messages.length - 1]?.type).toBe('STATE');
    const state = lastState(run.messages) as { bookmarks: Record<string, Row> };
    expect(Object.keys(state.bookmarks).length).toBeGreaterThan(0);

    const lenient = syncFiles(
      org,
      JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(files.catalog, 'utf8'))),
      {
        threshold: 50,
        quota_exit_success: true,
      },
    );
    let count = 0;
    const ok = await runRaw(syncArgs(lenient), (message) => {
      if (message.type === 'RECORD' && ++count === 300) org.setFaults({ quotaExhausted: true });
    });
    org.setFaults({ quotaExhausted: false });
    expect(ok.code).toBe(0);
    expect(ok.messages[ok.messages.length - 1]?.type).toBe('STATE');
  });
});

describe('output and transport faults', () => {
  let org: Org;
  let files: SyncFiles;

  beforeAll(async () => {
    org = await startOrg({ seed: 5, records: { Account: 6000, NoStamp__c: 2000 }, pageSize: 300 });
    const catalog = await discoverCatalog(org, ['Account', 'NoStamp__c']);
    files = syncFiles(org, catalog, { threshold: 500 });
  });
  afterAll(() => org.close());

  it('a reader that closes stdout early ends the tap promptly, non-zero, without a stack trace', async () => {
    const child = spawn(NODE, [BIN, ...syncArgs(files)], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'info' },
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    let closedAt = 0;
    child.stdout.once('data', () => {
      closedAt = Date.now();
      child.stdout.destroy();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(Date.now() - closedAt).toBeLessThan(10_000);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('pages cut short or failed are fetched again and no record is written twice', async () => {
    org.setFaults({ dropRate: 0.15, errorRate: 0.1 });
    const run = await runRaw(syncArgs(files));
    org.setFaults({ dropRate: 0, errorRate: 0 });
    expect(run.code).toBe(0);
    for (const stream of ['Account', 'NoStamp__c']) {
      const records = recordsOf(run.messages, stream);
      const want = ids(org.rows(stream, { includeDeleted: true }));
      expect(records.length).toBe(want.size);
      expect(ids(records)).toEqual(want);
    }
  });

  it('QUERY_TIMEOUT splits the window with one warning line and every row arrives', async () => {
    org.setFaults({ queryTimeoutObjects: ['Account'], queryTimeoutWindowDays: 60 });
    const run = await runRaw(syncArgs(files));
    org.setFaults({ queryTimeoutObjects: [] });
    expect(run.code).toBe(0);
    expect(run.stderr.split('\n').filter((l) => l.includes('QUERY_TIMEOUT')).length).toBe(1);
    const records = recordsOf(run.messages, 'Account');
    const want = ids(org.rows('Account', { includeDeleted: true }));
    expect(ids(records)).toEqual(want);
    expect(records.length).toBe(want.size);
  });

  it('max_workers > 1 gives the same records, whole lines, consistent state', async () => {
    const parallel = syncFiles(
      org,
      JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(files.catalog, 'utf8'))),
      {
        threshold: 500,
        max_workers: 2,
      },
    );
    const [one, two] = await Promise.all([runRaw(syncArgs(files)), runRaw(syncArgs(parallel))]);
    expect(one.code).toBe(0);
    expect(two.code).toBe(0);
    const key = (m: Message[], s: string) =>
      recordsOf(m, s)
        .map((r) => JSON.stringify(r))
        .sort();
    for (const stream of ['Account', 'NoStamp__c'])
      expect(key(two.messages, stream)).toEqual(key(one.messages, stream));
    const final = lastState(two.messages) as { bookmarks: Record<string, Row>; currently_syncing: unknown };
    expect(final.currently_syncing).toBeNull();
    expect(Object.keys(final.bookmarks).sort()).toEqual(['Account', 'NoStamp__c']);
  });
});

describe('catalog entries the org does not match', () => {
  let org: Org;
  afterAll(() => org.close());

  it('skips streams naming an unknown object, field or replication key, or a refused object; the others sync', async () => {
    org = await startOrg({ seed: 3, records: { Account: 200 }, faults: { refuseQueryObjects: ['Case'] } });
    const catalog = await discoverCatalog(org, ['Account', 'Contact', 'Lead', 'Case', 'NoStamp__c']);
    const noStamp = catalog.streams.find((s) => s.tap_stream_id === 'NoStamp__c');
    catalog.streams.push({
      ...structuredClone(noStamp as (typeof catalog.streams)[number]),
      tap_stream_id: 'Ghost__c',
    });
    const ghost = catalog.streams[catalog.streams.length - 1] as Row;
    ghost.stream = 'Ghost__c';
    ghost.table_name = 'Ghost__c';
    const contact = catalog.streams.find((s) => s.tap_stream_id === 'Contact');
    if (contact) {
      contact.schema.properties = { ...contact.schema.properties, Gone__c: { type: ['null', 'string'] } };
      contact.metadata.push({
        breadcrumb: ['properties', 'Gone__c'],
        metadata: { inclusion: 'available', selected: true },
      });
    }
    const lead = catalog.streams.find((s) => s.tap_stream_id === 'Lead');
    const leadRoot = lead?.metadata.find((m) => m.breadcrumb.length === 0);
    if (leadRoot) {
      leadRoot.metadata['replication-key'] = 'Missing__c';
      leadRoot.metadata['replication-method'] = 'INCREMENTAL';
    }
    const files = syncFiles(org, catalog);
    const run = await runRaw(syncArgs(files));
    expect(run.code).toBe(0);
    const streamsWithRecords = new Set(run.messages.filter((m) => m.type === 'RECORD').map((m) => m.stream));
    expect(streamsWithRecords).toEqual(new Set(['Account', 'NoStamp__c']));
    const schemas = new Set(run.messages.filter((m) => m.type === 'SCHEMA').map((m) => m.stream));
    expect(schemas).toEqual(new Set(['Account', 'NoStamp__c']));
    for (const name of ['Ghost__c', 'Contact', 'Lead', 'Case']) {
      expect(run.stderr).toMatch(new RegExp(`skipping stream ${name}`));
    }
  });
});
