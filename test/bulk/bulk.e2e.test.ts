/**
 * The Bulk runner through the real CLI (`api_type: BULK`) against the simulated org: multi-page results equal
 * the REST run of the same catalog, incremental runs return exactly the changes, a run killed mid-download
 * resumes the same job at the page it was reading, failing jobs and refused objects go through REST, Bulk 1.0
 * with PK chunking, gzip by default, and the /limits quota guard.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Org, startOrg } from '../../org/index.js';
import { BIN, NODE, parseLines, ROOT } from '../helpers/tap.js';
import {
  discoverCatalog,
  lastState,
  type Message,
  recordsOf,
  type SyncFiles,
  sync,
  syncFiles,
} from '../sync/helpers.js';

type Row = Record<string, unknown>;
type State = { bookmarks: Record<string, Row>; currently_syncing: string | null };

/** RECORD and STATE messages without what differs between runs (time, job id, signpost). */
const masked = (messages: Message[]) =>
  messages
    .filter((m) => m.type === 'RECORD' || m.type === 'STATE')
    .map((m) =>
      JSON.stringify(m)
        .replace(/"time_extracted":"[^"]*"/, '')
        .replace(/"(jobId|signpost)":"[^"]*"/g, ''),
    );

const BULK = { api_type: 'BULK' };

function byId(rows: Iterable<Row>): Map<string, Row> {
  const map = new Map<string, Row>();
  for (const row of rows) map.set(row.Id as string, row);
  return map;
}

function warnings(stderr: string, text: string): string[] {
  return stderr.split('\n').filter((line) => line.includes(text));
}

/** Offset encoded in one of the org's Bulk 2.0 locators (base64 of the row offset). */
function locatorOffset(locator: string): number {
  return Number(Buffer.from(locator, 'base64').toString());
}

describe('Bulk 2.0 against the simulated org', () => {
  let org: Org;
  let catalog: Awaited<ReturnType<typeof discoverCatalog>>;
  let bulkFiles: SyncFiles;
  let bulk: Message[];
  let bulkStderr: string;
  let rest: Message[];
  let statsAfterBulk: ReturnType<Org['stats']>;

  beforeAll(async () => {
    org = await startOrg({ seed: 11, records: { Account: 2400 }, dailyApiLimit: 100_000_000 });
    catalog = await discoverCatalog(org, ['Account', 'Everything__c'], BULK);
    bulkFiles = syncFiles(org, catalog, { ...BULK, bulk_max_records: 500, threshold: 100 });
    org.resetStats();
    const bulkRun = await sync(bulkFiles);
    statsAfterBulk = org.stats();
    if (bulkRun.code !== 0) console.error(bulkRun.stderr);
    expect(bulkRun.code).toBe(0);
    bulk = bulkRun.messages;
    bulkStderr = bulkRun.stderr;
    const restRun = await sync(syncFiles(org, catalog, { api_type: 'REST' }));
    expect(restRun.code).toBe(0);
    rest = restRun.messages;
  });
  afterAll(() => org.close());

  it('reads several result pages per job, gzip-compressed, and deletes each job', () => {
    expect(statsAfterBulk.bulkJobsCreated).toBe(2);
    // 2400 Accounts in pages of 500 = 5 pages, plus one page for Everything__c.
    expect(statsAfterBulk.requests['bulk2.results']).toBe(6);
    expect(statsAfterBulk.requests['bulk2.delete']).toBe(2);
    expect(warnings(bulkStderr, 'through REST')).toEqual([]);
  });

  it.each(['Account', 'Everything__c'])(
    '%s: every record equals the REST record of the same row',
    (stream) => {
      const fromBulk = byId(recordsOf(bulk, stream));
      const fromRest = byId(recordsOf(rest, stream));
      expect(fromBulk.size).toBe(fromRest.size);
      expect(fromBulk.size).toBe(recordsOf(bulk, stream).length);
      for (const [id, record] of fromRest) expect(fromBulk.get(id), id).toEqual(record);
    },
  );

  it('keeps values with commas, quotes, newlines and emoji whole', () => {
    const values = recordsOf(bulk, 'Everything__c').flatMap((r) => Object.values(r));
    const text = values.filter((v): v is string => typeof v === 'string');
    expect(text.some((v) => v.includes('\n'))).toBe(true);
    expect(text.some((v) => v.includes('"'))).toBe(true);
    expect(text.some((v) => v.includes(','))).toBe(true);
    expect(text.some((v) => /\p{Extended_Pictographic}/u.test(v))).toBe(true);
  });

  it('leaves a bookmark at the highest key written and no job behind', () => {
    const state = lastState(bulk) as State;
    for (const stream of ['Account', 'Everything__c']) {
      const stamps = recordsOf(bulk, stream).map((r) => r.SystemModstamp as string);
      const highest = [...stamps].sort().at(-1);
      expect(state.bookmarks[stream]).toEqual({ SystemModstamp: highest });
    }
  });

  it('gzip is asked for by default: the same results cost far fewer bytes than with bulk_gzip false', async () => {
    const bytesGzip = statsAfterBulk.bytesServed;
    org.resetStats();
    const plain = await sync(syncFiles(org, catalog, { ...BULK, bulk_max_records: 500, bulk_gzip: false }));
    expect(plain.code).toBe(0);
    expect(recordsOf(plain.messages).length).toBe(recordsOf(bulk).length);
    expect(org.stats().bytesServed).toBeGreaterThan(bytesGzip * 3);
  });

  it('converting rows on the main thread (bulk_line_worker false) writes the same records and STATE', async () => {
    const mainThread = await sync(
      syncFiles(org, catalog, { ...BULK, bulk_max_records: 500, threshold: 100, bulk_line_worker: false }),
    );
    expect(mainThread.code, mainThread.stderr).toBe(0);
    expect(masked(mainThread.messages)).toEqual(masked(bulk));
  });

  it('where WebAssembly cannot run (node --jitless), rows are converted in JavaScript, the same records and STATE', async () => {
    const jitless = await sync(bulkFiles, undefined, { env: { NODE_OPTIONS: '--jitless' } });
    expect(jitless.code, jitless.stderr).toBe(0);
    expect(masked(jitless.messages)).toEqual(masked(bulk));
  });

  it('an incremental run after the org moves on returns exactly the changed, inserted and deleted rows', async () => {
    const state = lastState(bulk) as State;
    const change = org.advanceTime({
      seconds: 3600,
      update: { Account: 30 },
      insert: { Account: 12 },
      softDelete: { Account: 4 },
    });
    const run = await sync(bulkFiles, state);
    expect(run.code).toBe(0);
    const records = recordsOf(run.messages, 'Account');
    const want = new Set([
      ...(change.updated.Account ?? []),
      ...(change.inserted.Account ?? []),
      ...(change.deleted.Account ?? []),
    ]);
    const got = byId(records);
    for (const id of want) expect(got.has(id), id).toBe(true);
    const previous = state.bookmarks.Account?.SystemModstamp as string;
    for (const record of records) {
      if (!want.has(record.Id as string)) expect(record.SystemModstamp).toBe(previous);
    }
    for (const id of change.deleted.Account ?? []) expect(got.get(id)?.IsDeleted).toBe(true);
    // The same rows through REST are equal.
    const restRun = await sync(syncFiles(org, catalog, { api_type: 'REST' }), state);
    const restRecords = byId(recordsOf(restRun.messages, 'Account'));
    for (const id of want) expect(got.get(id)).toEqual(restRecords.get(id));
  });
});

describe('Bulk 2.0 under faults', () => {
  let org: Org;
  afterAll(() => org?.close());

  it('pages cut mid-body and a session expiring mid-download still give every row exactly once', async () => {
    org = await startOrg({ seed: 9, records: { Account: 2000 }, dailyApiLimit: 100_000_000 });
    const catalog = await discoverCatalog(org, ['Account'], BULK);
    const expected = new Set([...org.rows('Account', { includeDeleted: true })].map((r) => r.Id));
    org.resetStats();
    org.setFaults({ dropRate: 0.25, expireTokenAfterCalls: 6 });
    const run = await sync(syncFiles(org, catalog, { ...BULK, bulk_max_records: 250, max_attempts: 10 }));
    org.setFaults({ dropRate: 0, expireTokenAfterCalls: null });
    if (run.code !== 0) console.error(run.stderr);
    expect(run.code).toBe(0);
    const ids = recordsOf(run.messages, 'Account').map((r) => r.Id);
    expect(ids.length).toBe(expected.size);
    expect(new Set(ids)).toEqual(expected);
    // The first token plus at least one refresh after it expired.
    expect(org.stats().requests['oauth.token'] ?? 0).toBeGreaterThan(1);
    expect(run.stderr).toMatch(/retrying/);
  });
});

/** Spawns the CLI and SIGKILLs it once `shouldKill` says so; returns the complete lines it wrote. */
function runUntil(
  args: string[],
  shouldKill: (message: Message) => boolean,
): Promise<{ messages: Message[]; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
    const messages: Message[] = [];
    let pending = '';
    let killed = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (killed) return;
      pending += chunk;
      for (let nl = pending.indexOf('\n'); nl >= 0 && !killed; nl = pending.indexOf('\n')) {
        const message = parseLines(pending.slice(0, nl))[0] as Message;
        pending = pending.slice(nl + 1);
        messages.push(message);
        if (shouldKill(message)) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    });
    child.on('error', reject);
    child.on('close', () => resolve({ messages, killed }));
  });
}

describe('Bulk 2.0 resume', () => {
  let org: Org;
  afterAll(() => org?.close());

  it('a run killed while reading page k resumes page k of the same job', async () => {
    org = await startOrg({ seed: 5, records: { Account: 3000 }, dailyApiLimit: 100_000_000 });
    const catalog = await discoverCatalog(org, ['Account'], BULK);
    const files = syncFiles(org, catalog, { ...BULK, bulk_max_records: 300, threshold: 50 });
    org.resetStats();
    // Kill after the checkpoint of page 3 and some records of page 4.
    let pagesCheckpointed = 0;
    let recordsAfter = 0;
    const first = await runUntil(['--config', files.config, '--catalog', files.catalog], (m) => {
      if (m.type === 'STATE') {
        const bulk = (m.value as State).bookmarks.Account?.bulk as { locator?: string } | undefined;
        if (bulk?.locator) pagesCheckpointed = locatorOffset(bulk.locator) / 300;
      }
      if (m.type === 'RECORD' && pagesCheckpointed >= 3) recordsAfter++;
      return recordsAfter >= 120;
    });
    expect(first.killed).toBe(true);
    const jobs = org.stats().bulkJobsCreated;
    expect(jobs).toBe(1);
    const state = lastState(first.messages) as State;
    const saved = state.bookmarks.Account?.bulk as { jobId: string; locator: string };
    expect(saved.jobId).toMatch(/^750/);
    const offset = locatorOffset(saved.locator);
    expect(offset).toBeGreaterThanOrEqual(900);

    org.resetStats();
    const second = await sync(files, state);
    expect(second.code).toBe(0);
    const stats = org.stats();
    expect(stats.bulkJobsCreated).toBe(0);
    expect(stats.requests['bulk2.create']).toBeUndefined();
    // Pages from the saved locator to the end, and nothing before it.
    expect(stats.requests['bulk2.results']).toBe(Math.ceil((3000 - offset) / 300));
    const resumed = recordsOf(second.messages, 'Account');
    expect(resumed.length).toBe(3000 - offset);
    expect(second.stderr).toContain(`resuming Bulk job ${saved.jobId}`);
    // Together the two runs hold every row.
    const all = new Set([...recordsOf(first.messages, 'Account'), ...resumed].map((r) => r.Id));
    expect(all.size).toBe(3000);
    const final = lastState(second.messages) as State;
    expect(final.bookmarks.Account?.bulk).toBeUndefined();
    expect(typeof final.bookmarks.Account?.SystemModstamp).toBe('string');
  });

  it('a saved job that is gone is queried again from the bookmark', async () => {
    const catalog = await discoverCatalog(org, ['Account'], BULK);
    const files = syncFiles(org, catalog, { ...BULK, bulk_max_records: 1000 });
    const state = {
      bookmarks: {
        Account: {
          bulk: {
            api: '2.0',
            jobId: '7505g00000GONEAAA',
            locator: 'MTAwMA',
            start: null,
            signpost: '2030-01-01T00:00:00.000Z',
            highest: null,
          },
        },
      },
      currently_syncing: 'Account',
    };
    org.resetStats();
    const run = await sync(files, state);
    expect(run.code).toBe(0);
    expect(org.stats().bulkJobsCreated).toBe(1);
    expect(recordsOf(run.messages, 'Account').length).toBe(3000);
    expect(run.stderr).toContain('is gone');
  });
});

describe('Bulk fallbacks, Bulk 1.0 and quota', () => {
  let org: Org;
  beforeAll(async () => {
    org = await startOrg({
      seed: 3,
      records: { Account: 1200 },
      dailyApiLimit: 100_000_000,
      faults: { failBulkJobsFor: ['Contact'] },
    });
  });
  afterAll(() => org.close());

  it('a failing job falls back to REST with one warning, records equal to REST', async () => {
    const catalog = await discoverCatalog(org, ['Contact'], BULK);
    const run = await sync(syncFiles(org, catalog, BULK));
    expect(run.code).toBe(0);
    const lines = warnings(run.stderr, 'through REST');
    expect(lines.length).toBe(1);
    expect(lines[0]).toContain('UNKNOWN_EXCEPTION');
    const restRun = await sync(syncFiles(org, catalog, { api_type: 'REST' }));
    expect(byId(recordsOf(run.messages, 'Contact'))).toEqual(byId(recordsOf(restRun.messages, 'Contact')));
    expect(recordsOf(run.messages, 'Contact').length).toBeGreaterThan(0);
    const state = lastState(run.messages) as State;
    expect(state.bookmarks.Contact?.bulk).toBeUndefined();
  });

  it('an object the Bulk API refuses is synced through REST with one warning', async () => {
    // A catalog discovered for REST still lists it; BULK discovery would have left it out.
    const catalog = await discoverCatalog(org, ['RecentlyViewed'], { api_type: 'REST' });
    const run = await sync(syncFiles(org, catalog, BULK));
    expect(run.code).toBe(0);
    const lines = warnings(run.stderr, 'through REST');
    expect(lines.length).toBe(1);
    expect(lines[0]).toContain('not supported by the Bulk API');
    expect(recordsOf(run.messages, 'RecentlyViewed').length).toBe(20);
  });

  it('Bulk 1.0 with PK chunking syncs an object of many chunks, equal to REST', async () => {
    const catalog = await discoverCatalog(org, ['Account'], BULK);
    org.resetStats();
    const run = await sync(syncFiles(org, catalog, { ...BULK, bulk_api_version: '1.0', chunk_size: 100 }));
    if (run.code !== 0) console.error(run.stderr);
    expect(run.code).toBe(0);
    const stats = org.stats();
    expect(stats.requests['bulk1.job.create']).toBe(1);
    // One result file per chunk: 1200 rows in chunks of 100.
    expect(stats.requests['bulk1.result.get']).toBe(12);
    expect(run.stderr).toContain('chunkSize=100');
    const restRun = await sync(syncFiles(org, catalog, { api_type: 'REST' }));
    const fromRest = byId(recordsOf(restRun.messages, 'Account'));
    const fromBulk = byId(recordsOf(run.messages, 'Account'));
    expect(fromBulk.size).toBe(1200);
    expect(recordsOf(run.messages, 'Account').length).toBe(1200);
    for (const [id, record] of fromRest) expect(fromBulk.get(id), id).toEqual(record);
    const state = lastState(run.messages) as State;
    expect(state.bookmarks.Account?.bulk).toBeUndefined();
  });

  it('a Bulk 1.0 run killed between chunks resumes the same job with the chunks left', async () => {
    const catalog = await discoverCatalog(org, ['Account'], BULK);
    const files = syncFiles(org, catalog, {
      ...BULK,
      bulk_api_version: '1.0',
      chunk_size: 100,
      threshold: 20,
    });
    org.resetStats();
    const first = await runUntil(['--config', files.config, '--catalog', files.catalog], (m) => {
      if (m.type !== 'STATE') return false;
      const bulk = (m.value as State).bookmarks.Account?.bulk as { pending?: unknown[] | null } | undefined;
      return Array.isArray(bulk?.pending) && bulk.pending.length <= 8;
    });
    expect(first.killed).toBe(true);
    expect(org.stats().requests['bulk1.job.create']).toBe(1);
    const state = lastState(first.messages) as State;
    const saved = state.bookmarks.Account?.bulk as { jobId: string; pending: string[][] };
    const left = saved.pending.length;
    org.resetStats();
    const second = await sync(files, state);
    expect(second.code).toBe(0);
    expect(org.stats().requests['bulk1.job.create']).toBeUndefined();
    expect(org.stats().requests['bulk1.result.get']).toBe(left);
    expect(second.stderr).toContain(`resuming Bulk 1.0 job ${saved.jobId}`);
    const all = new Set(
      [...recordsOf(first.messages, 'Account'), ...recordsOf(second.messages, 'Account')].map((r) => r.Id),
    );
    expect(all.size).toBe(1200);
    expect(recordsOf(second.messages, 'Account').length).toBe(left * 100);
  });

  it('the /limits guard stops with exit 2 after the last valid STATE', async () => {
    const catalog = await discoverCatalog(org, ['Account', 'Everything__c'], BULK);
    // Jobs created by earlier tests already used more than 0.01% of the 10 000 daily Bulk 2.0 jobs.
    const run = await sync(syncFiles(org, catalog, { ...BULK, quota_percent_total: 0.01 }));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/DailyBulkV2QueryJobs/);
    expect(recordsOf(run.messages).length).toBe(0);
    expect(run.messages[run.messages.length - 1]?.type).toBe('STATE');
  });
});
