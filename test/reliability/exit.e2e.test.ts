/**
 * How the tap ends, through the real CLI: a target that stops reading (EPIPE), SIGTERM and SIGINT, no hang
 * after the last line, and every documented exit code (README "Exit codes" is checked against src/errors.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Org } from '../../org/index.js';
import { EXIT } from '../../src/errors.js';
import { ROOT, runTap, writeTempFiles } from '../helpers/tap.js';
import { recordsOf } from '../sync/helpers.js';
import {
  type Catalog,
  discover,
  errorLines,
  expectNoSecrets,
  expectNoStack,
  expectWholeLines,
  files,
  lastMessage,
  orgRowKeys,
  recordCounts,
  run,
  startStrictOrg,
} from './harness.js';

// CLI runs under a loaded machine (two cores, parallel files) take a while; the bounds that matter are asserted.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

const STREAMS = ['Account', 'Contact', 'NoStamp__c'];
/** The longest a finished tap may take to exit after its last stdout line. */
const EXIT_BOUND_MS = 2000;
/** The longest a stopped tap (signal, closed stdout) may take to exit. */
const STOP_BOUND_MS = 5000;

let org: Org;
let catalog: Catalog;

beforeAll(async () => {
  org = await startStrictOrg({ seed: 5, records: { Account: 1500, Contact: 300 }, pageSize: 100 });
  catalog = await discover(org, STREAMS);
});
afterAll(() => org.close());

describe('a target that stops reading (EPIPE)', () => {
  it('ends the tap promptly with exit 1, one error line and no stack trace', async () => {
    org.setFaults({ latencyMs: 5 });
    let closedAt = 0;
    try {
      const r = await run(files(org, catalog), undefined, {
        onLine: (line, child) => {
          if (closedAt === 0 && line.startsWith('{"type":"RECORD"')) {
            closedAt = Date.now();
            child.stdout?.destroy();
          }
        },
      });
      const took = Date.now() - closedAt;
      expect(closedAt).toBeGreaterThan(0);
      expect(r.code, r.stderr).toBe(EXIT.failure);
      expect(took).toBeLessThan(STOP_BOUND_MS);
      const lines = errorLines(r.stderr);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/stdout closed.*EPIPE|stdout was closed/);
      expectNoStack(r.stderr);
    } finally {
      org.setFaults({ latencyMs: 0 });
    }
  });
});

describe.each(['SIGTERM', 'SIGINT'] as const)('%s', (signal) => {
  it(`${signal}: stops fetching, ends with the last valid STATE and exit 130; that STATE resumes`, async () => {
    org.setFaults({ latencyMs: 5 });
    let sentAt = 0;
    let queriesAtSignal = 0;
    let seen = 0;
    const queries = () => {
      const r = org.stats().requests;
      return (r.queryAll ?? 0) + (r.queryMore ?? 0);
    };
    let r: Awaited<ReturnType<typeof run>>;
    try {
      r = await run(files(org, catalog, { threshold: 50 }), undefined, {
        onLine: (line, child) => {
          if (line.startsWith('{"type":"RECORD"') && ++seen === 250) {
            sentAt = Date.now();
            queriesAtSignal = queries();
            child.kill(signal);
          }
        },
      });
    } finally {
      org.setFaults({ latencyMs: 0 });
    }
    expect(sentAt).toBeGreaterThan(0);
    expect(Date.now() - sentAt).toBeLessThan(STOP_BOUND_MS);
    expect(r.code, r.stderr).toBe(EXIT.interrupted);
    // Fetching stopped: at most the page in flight and the one prefetched.
    expect(queries() - queriesAtSignal).toBeLessThanOrEqual(2);
    expect(r.stderr).toContain(`${signal} received`);
    expect(errorLines(r.stderr)).toEqual([`tap-salesforce: interrupted by ${signal}`]);
    expectNoStack(r.stderr);
    const messages = expectWholeLines(r.stdout);
    const last = lastMessage(messages);
    expect(last?.type).toBe('STATE');
    const all = orgRowKeys(org, STREAMS);
    expect(recordsOf(messages).length).toBeLessThan(all.size);
    const rest = await run(files(org, catalog, { threshold: 50 }), last?.value);
    expect(rest.code, rest.stderr).toBe(0);
    const union = new Set([...recordCounts(messages).keys(), ...recordCounts(rest.messages).keys()]);
    for (const key of all) expect(union.has(key), key).toBe(true);
  });
});

describe('no hang at exit', () => {
  /** The faults are switched on after the first 100 records, so the run has work in flight when they hit. */
  async function timeToExit(extra: Record<string, unknown>, faults: Parameters<Org['setFaults']>[0] = {}) {
    let lastLineAt = 0;
    let records = 0;
    try {
      const r = await run(files(org, catalog, extra), undefined, {
        onLine: (line) => {
          lastLineAt = Date.now();
          if (line.startsWith('{"type":"RECORD"') && ++records === 100) org.setFaults(faults);
        },
      });
      return { r, ms: Date.now() - lastLineAt };
    } finally {
      org.setFaults({ errorRate: 0, dropRate: 0, quotaExhausted: false });
    }
  }

  it.each<[string, Record<string, unknown>, Parameters<Org['setFaults']>[0], number]>([
    ['a REST sync', {}, {}, EXIT.ok],
    ['a BULK sync', { api_type: 'BULK', bulk_max_records: 200 }, {}, EXIT.ok],
    ['a REST sync that retried 5xx and cut bodies', {}, { errorRate: 0.05, dropRate: 0.05 }, EXIT.ok],
    [
      'a BULK sync that retried 5xx and cut bodies',
      { api_type: 'BULK' },
      { errorRate: 0.05, dropRate: 0.05 },
      EXIT.ok,
    ],
    ['a run stopped by REQUEST_LIMIT_EXCEEDED', {}, { quotaExhausted: true }, EXIT.quota],
  ])('%s ends by itself right after its last line', async (_name, extra, faults, code) => {
    const { r, ms } = await timeToExit(extra, faults);
    expect(r.code, r.stderr).toBe(code);
    expect(ms).toBeLessThan(EXIT_BOUND_MS);
  });
});

describe('exit codes', () => {
  it('README "Exit codes" lists exactly the codes of src/errors.ts', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Exit codes'));
    const table = section.slice(0, section.indexOf('\n## ', 4));
    const codes = [...table.matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]));
    expect(codes.sort((a, b) => a - b)).toEqual(Object.values(EXIT).sort((a, b) => a - b));
  });

  it('0 success, 1 failure, 2 quota guard, 3 usage/config error — each through the CLI', async () => {
    const ok = await run(files(org, catalog));
    expect(ok.code).toBe(EXIT.ok);

    const refused = await run(files(org, catalog, { refresh_token: 'rt-not-issued-by-the-org' }));
    expect(refused.code).toBe(EXIT.failure);
    expect(errorLines(refused.stderr)[0]).toMatch(/authentication failed .*invalid_grant/);
    expect(refused.stdout).toBe('');

    const quota = await run(files(org, catalog, { quota_percent_per_run: 0.01 }));
    expect(quota.code).toBe(EXIT.quota);
    expect(lastMessage(expectWholeLines(quota.stdout))?.type).toBe('STATE');

    const bad = writeTempFiles({ 'config.json': { domain: org.url, client_id: 'x', threshold: 'many' } });
    const usage = await runTap(['--config', bad['config.json'] as string, '--discover']);
    expect(usage.code).toBe(EXIT.usage);
    expect(errorLines(usage.stderr)).toHaveLength(1);
    const none = await runTap([]);
    expect(none.code).toBe(EXIT.usage);
    for (const out of [usage.stdout, usage.stderr, none.stderr]) expectNoSecrets(out);
    // 130 (interrupted) is proven by the SIGTERM and SIGINT tests above.
  });
});
