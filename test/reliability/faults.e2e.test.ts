/**
 * Faults injected by the simulated org, through the real CLI: 5xx and dropped connections, sessions that
 * expire mid-paging and mid-download, QUERY_TIMEOUT, REQUEST_LIMIT_EXCEEDED and the two quota guards.
 * Each run's output is checked for secrets (harness.run).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Org } from '../../org/index.js';
import { type Message, recordsOf } from '../sync/helpers.js';
import {
  type Catalog,
  discover,
  errorLines,
  expectNoStack,
  expectWholeLines,
  files,
  lastMessage,
  OBJECTS,
  orgRowKeys,
  recordCounts,
  recordSet,
  run,
  startStrictOrg,
  warnings,
} from './harness.js';

// CLI runs under a loaded machine (two cores, parallel files) take a while; the bounds that matter are asserted.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

const RECORDS = { Account: 400, Contact: 150 };
const SMALL = ['Account', 'Contact', 'NoStamp__c'];

let org: Org;
let restCatalog: Catalog;
let bulkCatalog: Catalog;
/** Clean runs of every object, the oracle the faulty runs are compared with. */
const clean: Record<'REST' | 'BULK', Message[]> = { REST: [], BULK: [] };
const BULK = { api_type: 'BULK', bulk_max_records: 100, threshold: 100 };

beforeAll(async () => {
  org = await startStrictOrg({ seed: 11, records: RECORDS, pageSize: 100, bulkPollsToComplete: 1 });
  [restCatalog, bulkCatalog] = await Promise.all([
    discover(org, OBJECTS),
    discover(org, OBJECTS, { api_type: 'BULK' }),
  ]);
  const [rest, bulk] = await Promise.all([run(files(org, restCatalog)), run(files(org, bulkCatalog, BULK))]);
  expect(rest.code, rest.stderr).toBe(0);
  expect(bulk.code, bulk.stderr).toBe(0);
  clean.REST = rest.messages;
  clean.BULK = bulk.messages;
}, 240_000);
afterAll(() => org.close());

/** The catalog with only `streams` selected. */
function only(catalog: Catalog, streams: string[]): Catalog {
  const copy = structuredClone(catalog);
  for (const entry of copy.streams) {
    const root = entry.metadata.find((m) => m.breadcrumb.length === 0);
    if (root) root.metadata.selected = streams.includes(entry.tap_stream_id);
  }
  return copy;
}

function expectSameRecords(got: Message[], all: Message[], streams?: string[]): void {
  const want = streams ? all.filter((m) => streams.includes(m.stream as string)) : all;
  const a = recordSet(got);
  const b = recordSet(want);
  expect(a.size).toBe(b.size);
  for (const [key, json] of b) expect(a.get(key), key).toBe(json);
  // Nothing written twice: the counts match the clean run's too.
  expect(recordsOf(got).length).toBe(recordsOf(want).length);
}

describe.each([
  ['REST', () => restCatalog, { api_type: 'REST' }],
  ['BULK', () => bulkCatalog, BULK],
] as const)('5%% 5xx and 5%% dropped connections', (api, catalog, extra) => {
  it(`${api}: every object syncs with exactly the records of a clean run`, async () => {
    const f = files(org, catalog(), extra);
    org.setFaults({ errorRate: 0.05, dropRate: 0.05 });
    const before = org.stats().requests;
    let faulty: Awaited<ReturnType<typeof run>>;
    try {
      faulty = await run(f);
    } finally {
      org.setFaults({ errorRate: 0, dropRate: 0 });
    }
    expect(faulty.code, faulty.stderr).toBe(0);
    expectNoStack(faulty.stderr);
    const streams = new Set(clean[api].filter((m) => m.type === 'RECORD').map((m) => m.stream));
    // Every object of the catalog (discovery for BULK leaves out what the Bulk API refuses).
    const listed = catalog().streams.map((entry) => entry.tap_stream_id);
    expect([...streams].sort()).toEqual(listed.sort());
    expect(listed.length).toBeGreaterThanOrEqual(OBJECTS.length - 1);
    expectSameRecords(faulty.messages, clean[api]);
    // The faults did happen, and were retried.
    expect(warnings(faulty.stderr, /retrying in/).length).toBeGreaterThan(0);
    const after = org.stats().requests;
    const total = (r: Record<string, number>) => Object.values(r).reduce((x, y) => x + y, 0);
    expect(total(after)).toBeGreaterThan(total(before));
  });
});

describe('expired sessions', () => {
  it('REST: a session that expires every few calls mid-paging is refreshed and paging continues', async () => {
    const f = files(org, only(restCatalog, ['Account', 'Contact']), { threshold: 50 });
    const tokensBefore = org.stats().requests['oauth.token'] ?? 0;
    org.setFaults({ expireTokenAfterCalls: 2 });
    let expired: Awaited<ReturnType<typeof run>>;
    try {
      expired = await run(f);
    } finally {
      org.setFaults({ expireTokenAfterCalls: null });
    }
    expect(expired.code, expired.stderr).toBe(0);
    expectSameRecords(expired.messages, clean.REST, ['Account', 'Contact']);
    // Account alone is 4 pages plus Contact's 2: several refreshes, each followed by the next page.
    expect((org.stats().requests['oauth.token'] ?? 0) - tokensBefore).toBeGreaterThanOrEqual(3);
    expect(expired.stderr).toContain('session expired; refreshed');
  });

  it('BULK: a session that expires during a job\u2019s result pages is refreshed and the download continues', async () => {
    const f = files(org, only(bulkCatalog, ['Account', 'Contact']), {
      api_type: 'BULK',
      bulk_max_records: 50,
      bulk_parallel_downloads: 1,
      threshold: 50,
    });
    const tokensBefore = org.stats().requests['oauth.token'] ?? 0;
    org.setFaults({ expireTokenAfterCalls: 3 });
    let expired: Awaited<ReturnType<typeof run>>;
    try {
      expired = await run(f);
    } finally {
      org.setFaults({ expireTokenAfterCalls: null });
    }
    expect(expired.code, expired.stderr).toBe(0);
    expectSameRecords(expired.messages, clean.BULK, ['Account', 'Contact']);
    expect((org.stats().requests['oauth.token'] ?? 0) - tokensBefore).toBeGreaterThanOrEqual(3);
    expect(expired.stderr).toContain('session expired; refreshed');
  });
});

describe('QUERY_TIMEOUT', () => {
  it('REST: the replication-key window is halved until queries pass, with one warning line', async () => {
    // Every Account row is younger than the start date, so the clean run's records are the answer.
    const f = files(org, only(restCatalog, ['Account']), { start_date: '2022-06-01T00:00:00Z' });
    org.resetStats();
    org.setFaults({ queryTimeoutObjects: ['Account'], queryTimeoutWindowDays: 300 });
    let split: Awaited<ReturnType<typeof run>>;
    try {
      split = await run(f);
    } finally {
      org.setFaults({ queryTimeoutObjects: [] });
    }
    expect(split.code, split.stderr).toBe(0);
    expectSameRecords(split.messages, clean.REST, ['Account']);
    expect(warnings(split.stderr, /QUERY_TIMEOUT/)).toHaveLength(1);
    expect(org.stats().queries.filter((q) => / FROM Account /.test(q)).length).toBeGreaterThan(3);
  });
});

/** Runs `f` with `fault` switched on after `after` RECORD lines; returns the run. */
async function runWithFaultAt(
  f: ReturnType<typeof files>,
  after: number,
  on: () => void,
  off: () => void,
  state?: unknown,
) {
  let seen = 0;
  try {
    return await run(f, state, {
      onLine: (line) => {
        if (line.startsWith('{"type":"RECORD"') && ++seen === after) on();
      },
    });
  } finally {
    off();
  }
}

describe('quota', () => {
  it('REQUEST_LIMIT_EXCEEDED mid-run: exit 2, the refusal named, a final valid STATE that resumes', async () => {
    const f = files(org, only(restCatalog, SMALL), { threshold: 50 });
    const first = await runWithFaultAt(
      f,
      120,
      () => org.setFaults({ quotaExhausted: true }),
      () => org.setFaults({ quotaExhausted: false }),
    );
    expect(first.code, first.stderr).toBe(2);
    const [line, ...more] = errorLines(first.stderr);
    expect(more).toHaveLength(0);
    expect(line).toMatch(/REQUEST_LIMIT_EXCEEDED/);
    expectNoStack(first.stderr);
    const messages = expectWholeLines(first.stdout);
    const last = lastMessage(messages);
    expect(last?.type).toBe('STATE');
    const resumed = await run(f, last?.value);
    expect(resumed.code, resumed.stderr).toBe(0);
    const union = new Set([...recordCounts(messages).keys(), ...recordCounts(resumed.messages).keys()]);
    for (const key of orgRowKeys(org, SMALL)) expect(union.has(key), key).toBe(true);
  });

  /** A fresh org whose daily usage starts at `apiUsed` of 1000, with the same objects as the catalog. */
  async function quotaOrg(apiUsed: number) {
    return startStrictOrg({ seed: 11, records: RECORDS, pageSize: 50, dailyApiLimit: 1000, apiUsed });
  }

  it('quota_percent_total: exit 2 naming the guard and the numbers, after a final valid STATE', async () => {
    const quota = await quotaOrg(790);
    try {
      const f = files(quota, only(restCatalog, SMALL), { quota_percent_total: 80, threshold: 50 });
      const r = await run(f);
      expect(r.code, r.stderr).toBe(2);
      const [line] = errorLines(r.stderr);
      const m =
        /quota_percent_total guard: the org has used (\d+) of 1000 daily API calls \((\d+\.\d)%\), limit 80%/.exec(
          line ?? '',
        );
      expect(m, line).not.toBeNull();
      expect(Number(m?.[1])).toBeGreaterThanOrEqual(800);
      expectNoStack(r.stderr);
      const messages = expectWholeLines(r.stdout);
      expect(lastMessage(messages)?.type).toBe('STATE');
      expect(recordsOf(messages).length).toBeGreaterThan(0);
    } finally {
      await quota.close();
    }
  });

  it('quota_percent_per_run: exit 2 naming the guard and this run\u2019s calls, after a final valid STATE', async () => {
    const quota = await quotaOrg(0);
    try {
      const f = files(quota, only(restCatalog, SMALL), { quota_percent_per_run: 1, threshold: 50 });
      const r = await run(f);
      expect(r.code, r.stderr).toBe(2);
      const [line] = errorLines(r.stderr);
      const m =
        /quota_percent_per_run guard: this run has made (\d+) of the org's 1000 daily API calls \((\d+\.\d)%\), limit 1%/.exec(
          line ?? '',
        );
      expect(m, line).not.toBeNull();
      expect(Number(m?.[1])).toBeGreaterThanOrEqual(10);
      const messages = expectWholeLines(r.stdout);
      const last = lastMessage(messages);
      expect(last?.type).toBe('STATE');
      // The saved state resumes: with the guard relaxed the rest arrives and nothing is missing.
      const rest = await run(files(quota, only(restCatalog, SMALL), { threshold: 50 }), last?.value);
      expect(rest.code, rest.stderr).toBe(0);
      const union = new Set([...recordCounts(messages).keys(), ...recordCounts(rest.messages).keys()]);
      for (const key of orgRowKeys(quota, SMALL)) expect(union.has(key), key).toBe(true);
    } finally {
      await quota.close();
    }
  });

  it('quota_exit_success: the same stop ends with exit 0, a warning and the saved STATE', async () => {
    const quota = await quotaOrg(790);
    try {
      const f = files(quota, only(restCatalog, SMALL), { quota_percent_total: 80, quota_exit_success: true });
      const r = await run(f);
      expect(r.code, r.stderr).toBe(0);
      expect(errorLines(r.stderr)).toHaveLength(0);
      expect(
        warnings(r.stderr, /quota_percent_total guard.*exiting 0 because quota_exit_success is set/),
      ).toHaveLength(1);
      expect(lastMessage(expectWholeLines(r.stdout))?.type).toBe('STATE');
    } finally {
      await quota.close();
    }
  });
});
