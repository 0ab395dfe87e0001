import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Org, startOrg } from '../../org/index.js';
import { runTap, writeTempFiles } from '../helpers/tap.js';
import { checkSingerOutput, isStrictRfc3339 } from './singer-check.js';

const STREAMS = ['Account', 'Contact', 'Lead', 'Opportunity', 'Task'];

describe('singer-check-tap rules, applied to the tap run with only --config', () => {
  let org: Org;
  let config: Record<string, unknown>;
  beforeAll(async () => {
    org = await startOrg({ records: { Account: 300, Contact: 250, Lead: 120, Opportunity: 90, Task: 60 } });
    config = {
      domain: org.url,
      client_id: 'check-client',
      client_secret: 'check-secret',
      refresh_token: 'check-refresh',
      start_date: '2020-01-01T00:00:00Z',
      streams: STREAMS,
    };
  });
  afterAll(() => org?.close());

  it('holds on the first run and on a second run with the last STATE', async () => {
    const files = writeTempFiles({ 'config.json': config });
    const first = await runTap(['--config', files['config.json'] as string]);
    expect(first.code, first.stderr.slice(-2000)).toBe(0);
    const report = checkSingerOutput(first.stdout);
    expect(report.problems).toEqual([]);
    expect(report.counts.SCHEMA).toBeGreaterThanOrEqual(STREAMS.length);
    expect(Object.keys(report.recordsPerStream).sort()).toEqual([...STREAMS].sort());
    expect(report.recordsPerStream.Account).toBe(300);
    expect(report.lastState).toMatchObject({ bookmarks: { Account: {} } });

    const state = writeTempFiles({ 'state.json': report.lastState });
    const second = await runTap([
      '--config',
      files['config.json'] as string,
      '--state',
      state['state.json'] as string,
    ]);
    expect(second.code, second.stderr.slice(-2000)).toBe(0);
    const again = checkSingerOutput(second.stdout);
    expect(again.problems).toEqual([]);
    expect(again.counts.STATE).toBeGreaterThan(0);
    // Nothing changed in the org: the second run resumes from the bookmarks instead of starting over.
    expect(again.counts.RECORD ?? 0).toBeLessThan(report.counts.RECORD ?? 0);
  });

  it('with neither a catalog nor streams, says to run --discover or set streams', async () => {
    const { streams: _streams, ...rest } = config;
    const files = writeTempFiles({ 'config.json': rest });
    const run = await runTap(['--config', files['config.json'] as string]);
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/--discover/);
    expect(run.stderr).toMatch(/"streams"/);
  });

  it('holds date-times to strict RFC 3339', () => {
    expect(isStrictRfc3339('2024-05-28T21:10:08.000Z')).toBe(true);
    expect(isStrictRfc3339('2024-05-28T21:10:08+02:00')).toBe(true);
    expect(isStrictRfc3339('2024-05-28T21:10:08.000+0000')).toBe(false);
    expect(isStrictRfc3339('2024-05-28 21:10:08Z')).toBe(false);
    expect(isStrictRfc3339('2024-02-30T00:00:00Z')).toBe(false);
    expect(checkSingerOutput('{"type":"RECORD","stream":"A","record":{}}\n').problems[0]).toMatch(
      /before the schema/,
    );
  });
});
