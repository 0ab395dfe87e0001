/**
 * The tap's core promise, as a property: kill the process (SIGKILL) at random points, restart it each time
 * with the last STATE line it wrote, and nothing is lost — the union of the records of all attempts holds
 * every row of the org — while what is read twice stays within a bound that depends only on where the kill
 * landed, never on how far the sync had got.
 *
 * The bound, per restart, summed over the streams of the state it restarts from:
 * - the stream that was being synced (`currently_syncing`): one STATE interval — REST: `threshold` records
 *   plus the rows tied on the bookmark's value (resume reads `key >= bookmark`); BULK: one result page
 *   (`bulk_max_records`, equal to `threshold` here, so a STATE follows every page);
 * - an incremental stream already finished: the rows tied on its final bookmark (read again by `>=`);
 * - a full-table stream already finished: all of it (a new run is a new version, by design);
 * - a stream not yet started: nothing.
 * Kill points are chosen by stdout line count from a seeded generator, so a failure can be replayed.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Org } from '../../org/index.js';
import type { Message } from '../sync/helpers.js';
import {
  type Catalog,
  discover,
  files,
  orgRowKeys,
  type Row,
  run,
  seeded,
  startStrictOrg,
} from './harness.js';

// CLI runs under a loaded machine (two cores, parallel files) take a while; the bounds that matter are asserted.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

const SEED = Number(process.env.CRASH_SEED ?? 20261128);
const KILLS = Number(process.env.CRASH_KILLS ?? 6);
const THRESHOLD = 40;
const STREAMS = ['Account', 'Contact', 'CreatedOnly__c', 'NoStamp__c'];

let org: Org;
let catalogs: Record<'REST' | 'BULK', Catalog>;

beforeAll(async () => {
  org = await startStrictOrg({
    seed: 23,
    records: { Account: 300, Contact: 120 },
    pageSize: 60,
    bulkPageSize: THRESHOLD,
    bulkPollsToComplete: 1,
  });
  const [rest, bulk] = await Promise.all([
    discover(org, STREAMS),
    discover(org, STREAMS, { api_type: 'BULK' }),
  ]);
  catalogs = { REST: rest, BULK: bulk };
});
afterAll(() => org.close());

interface Attempt {
  /** The state this attempt started from. */
  start: { bookmarks?: Record<string, Row>; currently_syncing?: string | null } | undefined;
  messages: Message[];
  killedAt: number | null;
}

function replicationKey(catalog: Catalog, stream: string): string | null {
  const entry = catalog.streams.find((s) => s.tap_stream_id === stream);
  const root = entry?.metadata.find((m) => m.breadcrumb.length === 0)?.metadata;
  return root?.['replication-method'] === 'INCREMENTAL'
    ? ((root['replication-key'] as string) ?? null)
    : null;
}

const time = (value: unknown) => Date.parse(String(value).replace(/\+0000$/, 'Z'));

describe.each(['REST', 'BULK'] as const)('crash and resume (%s)', (api) => {
  it(`${api}: SIGKILL at ${KILLS} random points, resumed from the last STATE each time: every row arrives, re-reads bounded`, async () => {
    const catalog = catalogs[api];
    const f = files(
      org,
      catalog,
      api === 'BULK'
        ? { api_type: 'BULK', threshold: THRESHOLD, bulk_max_records: THRESHOLD, bulk_parallel_downloads: 1 }
        : { threshold: THRESHOLD },
    );
    const all = orgRowKeys(org, STREAMS);
    const rows = new Map(STREAMS.map((s) => [s, [...org.rows(s, { includeDeleted: true })]]));
    const keys = new Map(STREAMS.map((s) => [s, replicationKey(catalog, s)]));
    const ties = (stream: string, value: unknown): number => {
      const rk = keys.get(stream);
      if (!rk) return 0;
      const at = time(value);
      return (rows.get(stream) ?? []).filter((r) => time(r[rk]) === at).length;
    };
    const maxTies = (stream: string): number => {
      const rk = keys.get(stream);
      if (!rk) return 0;
      const counts = new Map<number, number>();
      for (const r of rows.get(stream) ?? []) counts.set(time(r[rk]), (counts.get(time(r[rk])) ?? 0) + 1);
      return Math.max(0, ...counts.values());
    };

    const random = seeded(SEED + (api === 'BULK' ? 1 : 0));
    const attempts: Attempt[] = [];
    let state: Attempt['start'];
    const unique = new Set<string>();
    for (let n = 0; n <= KILLS + 1; n++) {
      // A line inside what is left to sync, so that the kill lands in this attempt.
      const left = Math.max(10, all.size - unique.size);
      const killAt = n < KILLS ? 1 + Math.floor(random() * left) : null;
      const attempt: Attempt = { start: state, messages: [], killedAt: null };
      const r = await run(f, state, {
        // Every complete line the tap wrote before it died counts, as a target reading the pipe would see it.
        onLine: (line, child) => {
          attempt.messages.push(JSON.parse(line) as Message);
          if (attempt.killedAt === null && killAt !== null && attempt.messages.length >= killAt) {
            attempt.killedAt = attempt.messages.length;
            child.kill('SIGKILL');
          }
        },
      });
      attempts.push(attempt);
      for (const m of attempt.messages) {
        if (m.type === 'RECORD') unique.add(`${m.stream as string}:${(m.record as Row).Id as string}`);
      }
      const states = attempt.messages.filter((m) => m.type === 'STATE');
      if (r.code === 0) break;
      expect(r.signal, `attempt ${n}: ${r.stderr.slice(-500)}`).toBe('SIGKILL');
      state = (states[states.length - 1]?.value as Attempt['start']) ?? state;
    }
    const kills = attempts.filter((a) => a.killedAt !== null).length;
    const trail = attempts.map((a) => a.killedAt ?? 'done').join(', ');
    expect(attempts[attempts.length - 1]?.killedAt, `kill points: ${trail}`).toBeNull();
    expect(kills, `kill points: ${trail}`).toBeGreaterThanOrEqual(Math.min(KILLS, 3));

    // Nothing lost: every row of the org arrived at least once.
    const seen = new Map<string, number>();
    for (const a of attempts) {
      for (const m of a.messages) {
        if (m.type !== 'RECORD') continue;
        const key = `${m.stream as string}:${(m.record as Row).Id as string}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
    }
    const missing = [...all].filter((k) => !seen.has(k));
    expect(missing, `kill points: ${trail}`).toEqual([]);

    // Re-reads bounded, restart by restart.
    const before = new Set<string>();
    for (const [i, a] of attempts.entries()) {
      let again = 0;
      const perStream: Record<string, number> = {};
      for (const m of a.messages) {
        if (m.type !== 'RECORD') continue;
        const key = `${m.stream as string}:${(m.record as Row).Id as string}`;
        if (before.has(key)) {
          again++;
          perStream[m.stream as string] = (perStream[m.stream as string] ?? 0) + 1;
        }
      }
      let allowed = 0;
      const bookmarks = a.start?.bookmarks ?? {};
      for (const stream of STREAMS) {
        const bookmark = bookmarks[stream];
        const rk = keys.get(stream);
        if (bookmark && !rk && Object.keys(bookmark).every((k) => k === 'version')) {
          // Every row read (even if its closing ACTIVATE_VERSION was not): the next run is a new version.
          allowed += rows.get(stream)?.length ?? 0;
        } else if (stream === a.start?.currently_syncing) {
          allowed += THRESHOLD + maxTies(stream);
        } else if (bookmark && rk && bookmark[rk] !== undefined) {
          allowed += ties(stream, bookmark[rk]);
        }
      }
      expect(
        again,
        `attempt ${i} read ${again} rows again (${JSON.stringify(perStream)}), bound ${allowed}, from ${JSON.stringify(a.start)}; kill points: ${trail}`,
      ).toBeLessThanOrEqual(allowed);
      for (const m of a.messages) {
        if (m.type === 'RECORD') before.add(`${m.stream as string}:${(m.record as Row).Id as string}`);
      }
    }
    // And per row: read at most once per attempt.
    expect(Math.max(...seen.values())).toBeLessThanOrEqual(attempts.length);
  }, 300_000);
});
