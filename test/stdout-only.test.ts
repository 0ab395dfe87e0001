/**
 * The stdout contract, mode by mode, at LOG_LEVEL=trace so that every log line there is gets written:
 * - sync: nothing but Singer messages, one JSON object per line;
 * - --discover and --about --format json: exactly one JSON document (what Meltano and Mage parse);
 * - --help, --version, --about (text, markdown): text for people, and nothing on stderr;
 * - every failure: stdout stays empty; the error is one line on stderr.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Org, startOrg } from '../org/index.js';
import { parseLines, runTap, writeTempFiles } from './helpers/tap.js';
import { discoverCatalog, orgConfig } from './sync/helpers.js';

const TRACE = { env: { LOG_LEVEL: 'trace' } };
const SINGER_TYPES = ['SCHEMA', 'RECORD', 'STATE', 'ACTIVATE_VERSION', 'BATCH'];

let org: Org;
beforeAll(async () => {
  org = await startOrg({
    seed: 3,
    records: { Account: 120, Contact: 40 },
    pageSize: 50,
    // The credentials orgConfig() writes; anything else is refused.
    strict: {
      clientId: 'test-client-id',
      clientSecret: 'test-client-secret',
      refreshToken: 'test-refresh-token',
    },
  });
});
afterAll(async () => {
  await org.close();
});

function expectSingerLines(stdout: string): void {
  expect(stdout.endsWith('\n')).toBe(true);
  const messages = parseLines(stdout);
  expect(messages.length).toBeGreaterThan(0);
  for (const message of messages) expect(SINGER_TYPES).toContain(message.type);
}

describe('machine-readable modes', () => {
  it.each([
    ['REST', {}],
    ['BULK', { api_type: 'BULK' }],
  ])('sync (%s): only Singer JSON lines on stdout, logs on stderr', async (_name, extra) => {
    const catalog = await discoverCatalog(org, ['Account', 'Contact']);
    const files = writeTempFiles({
      'config.json': { ...orgConfig(org, extra), unknown_orchestrator_key: true },
      'catalog.json': catalog,
    });
    const run = await runTap(
      ['--config', files['config.json']!, '--catalog', files['catalog.json']!, '--orchestrator-flag'],
      TRACE,
    );
    expect(run.stderr.slice(-2000)).not.toMatch(/^tap-salesforce: /m);
    expect(run.code).toBe(0);
    expectSingerLines(run.stdout);
    expect(run.messages.some((m) => m.type === 'RECORD')).toBe(true);
    expect(run.stderr).toContain('ignoring unknown keys');
    expect(run.stderr).toContain('ignoring unknown options: --orchestrator-flag');
  });

  it('sync from --config alone (streams in the config): only Singer JSON lines', async () => {
    const files = writeTempFiles({ 'config.json': orgConfig(org, { streams: ['Contact'] }) });
    const run = await runTap(['--config', files['config.json']!], TRACE);
    expect(run.code).toBe(0);
    expectSingerLines(run.stdout);
  });

  it('--discover: one JSON document (the catalog) and nothing else', async () => {
    const files = writeTempFiles({ 'config.json': orgConfig(org, { streams: ['Account'] }) });
    const run = await runTap(['--config', files['config.json']!, '--discover'], TRACE);
    expect(run.code).toBe(0);
    expect(run.stdout.endsWith('}\n')).toBe(true);
    const catalog = JSON.parse(run.stdout) as { streams: Array<{ tap_stream_id: string }> };
    expect(catalog.streams.map((s) => s.tap_stream_id)).toEqual(['Account']);
    expect(run.stderr.length).toBeGreaterThan(0);
  });

  it('--about --format json: one JSON document, warnings on stderr', async () => {
    const run = await runTap(['--about', '--format', 'json', '--unknown-flag'], TRACE);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ name: 'tap-salesforce' });
    expect(run.stderr).toContain('ignoring unknown options: --unknown-flag');
  });

  it('--test: nothing on stdout (its verdict is one line on stderr)', async () => {
    const files = writeTempFiles({ 'config.json': orgConfig(org) });
    const run = await runTap(['--config', files['config.json']!, '--test'], TRACE);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
  });
});

describe('modes for people', () => {
  it.each([[['--help']], [['--version']], [['--about']], [['--about', '--format', 'markdown']]])(
    '%j: text on stdout, nothing on stderr',
    async (args) => {
      const run = await runTap(args);
      expect(run.code).toBe(0);
      expect(run.stdout.length).toBeGreaterThan(0);
      expect(run.stderr).toBe('');
    },
  );
});

describe('failures never write to stdout', () => {
  const bad = () =>
    writeTempFiles({
      'bad.json': '{"client_id": ',
      'badkey.json': { ...orgConfig(org), threshold: -1 },
      'unreachable.json': orgConfig(org, { domain: 'http://127.0.0.1:9', max_attempts: 1 }),
      'refused.json': orgConfig(org, { refresh_token: 'not-the-org-token', max_attempts: 1 }),
      'good.json': orgConfig(org),
      'nostreams.json': { ...orgConfig(org), streams: null },
      'catalog-bad.json': { streams: 'Account' },
    });

  it.each<[string, (f: Record<string, string>) => string[]]>([
    ['no arguments', () => []],
    ['unknown --format', () => ['--about', '--format', 'yaml']],
    ['missing --config value', () => ['--config']],
    ['missing config file', () => ['--config', '/nonexistent/config.json', '--discover']],
    ['config not JSON', (f) => ['--config', f['bad.json']!, '--discover']],
    ['config key invalid', (f) => ['--config', f['badkey.json']!, '--discover']],
    ['login host unreachable', (f) => ['--config', f['unreachable.json']!, '--discover']],
    ['refresh token refused', (f) => ['--config', f['refused.json']!, '--discover']],
    ['missing catalog file', (f) => ['--config', f['good.json']!, '--catalog', '/nonexistent/catalog.json']],
    ['catalog of the wrong shape', (f) => ['--config', f['good.json']!, '--catalog', f['catalog-bad.json']!]],
    ['no catalog and no streams', (f) => ['--config', f['nostreams.json']!]],
    [
      'missing state file',
      (f) => ['--config', f['good.json']!, '--catalog', f['catalog-bad.json']!, '--state', '/x'],
    ],
  ])('%s', async (_name, args) => {
    const run = await runTap(args(bad()), TRACE);
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^tap-salesforce: .+$/m);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
