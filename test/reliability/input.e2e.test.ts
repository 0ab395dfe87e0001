/**
 * Outside input is validated before use: config, catalog and state files, and what the API returns (a
 * malformed JSON page, a Bulk CSV with the wrong header, a describe with an unknown field type, object names
 * that are not SOQL identifiers). Each gives a clear one-line error or a skipped stream with a warning —
 * never a stack trace, never a half-written stdout line. The API faults come from a proxy in front of the
 * simulated org that rewrites its answers (harness.startProxy), through the real CLI.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Org } from '../../org/index.js';
import { runTap, writeTempFiles } from '../helpers/tap.js';
import { orgConfig, recordsOf } from '../sync/helpers.js';
import {
  type Catalog,
  captured,
  discover,
  type Exchange,
  errorLines,
  expectNoSecrets,
  expectNoStack,
  expectWholeLines,
  FAST,
  files,
  lastMessage,
  run,
  startProxy,
  startStrictOrg,
  type TamperProxy,
  warnings,
} from './harness.js';

// CLI runs under a loaded machine (two cores, parallel files) take a while; the bounds that matter are asserted.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

const STREAMS = ['Account', 'Contact'];

let org: Org;
let catalog: Catalog;
let bulkCatalog: Catalog;
let proxy: TamperProxy;
/** The rewrite the proxy applies; each test sets its own. */
let tamper: (e: Exchange) => Exchange = (e) => e;

beforeAll(async () => {
  org = await startStrictOrg({ seed: 31, records: { Account: 300, Contact: 100 }, pageSize: 100 });
  proxy = await startProxy(org, (e) => tamper(e));
  [catalog, bulkCatalog] = await Promise.all([
    discover(org, STREAMS),
    discover(org, STREAMS, { api_type: 'BULK' }),
  ]);
});
afterAll(async () => {
  await proxy.close();
  await org.close();
});

const decoded = (path: string) => decodeURIComponent(path.replace(/\+/g, ' '));
const viaProxy = (c: Catalog, extra: Record<string, unknown> = {}) =>
  files(org, c, { domain: proxy.url, threshold: 50, ...extra });

describe('what the API returns', () => {
  it('a malformed JSON query page, once: fetched again, every row arrives once', async () => {
    let corrupted = 0;
    tamper = (e) => {
      if (corrupted === 0 && /\/queryAll\?q=.* FROM Account /.test(decoded(e.path)) && e.status === 200) {
        corrupted++;
        return { ...e, body: Buffer.from('{"totalSize": 300, "done": false, "records": [{"Id": "001') };
      }
      return e;
    };
    const r = await run(viaProxy(catalog));
    expect(r.code, r.stderr).toBe(0);
    expect(corrupted).toBe(1);
    expect(warnings(r.stderr, /malformed JSON/)).toHaveLength(1);
    const ids = recordsOf(expectWholeLines(r.stdout), 'Account').map((x) => x.Id);
    expect(ids.length).toBe([...org.rows('Account', { includeDeleted: true })].length);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('a query page that is never valid JSON: exit 1, one clear line, a final valid STATE', async () => {
    tamper = (e) =>
      /\/queryAll\?q=.* FROM Contact /.test(decoded(e.path)) && e.status === 200
        ? { ...e, body: Buffer.from('<html>upstream proxy error</html>') }
        : e;
    const r = await run(viaProxy(catalog, { max_attempts: 3 }));
    expect(r.code).toBe(1);
    const lines = errorLines(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/gave up after 3 attempts: .*malformed JSON from Salesforce/);
    expectNoStack(r.stderr);
    const messages = expectWholeLines(r.stdout);
    expect(lastMessage(messages)?.type).toBe('STATE');
    // Account synced before Contact failed, and its bookmark is in the final STATE.
    const value = lastMessage(messages)?.value as { bookmarks: Record<string, unknown> };
    expect(value.bookmarks.Account).toBeDefined();
  });

  it('a Bulk CSV whose header lacks a selected field: exit 1 naming the stream and field, no stack', async () => {
    tamper = (e) => {
      if (!/\/jobs\/query\/[^/]+\/results/.test(e.path) || e.status !== 200) return e;
      const text = e.body.toString('utf8');
      const cut = text.indexOf('\n');
      const header = text
        .slice(0, cut)
        .split(',')
        .map((h) => (h.replace(/"/g, '') === 'Name' ? '"Label"' : h))
        .join(',');
      return { ...e, body: Buffer.from(header + text.slice(cut), 'utf8') };
    };
    const only = structuredClone(bulkCatalog);
    for (const s of only.streams) {
      const root = s.metadata.find((m) => m.breadcrumb.length === 0);
      if (root) root.metadata.selected = s.tap_stream_id === 'Account';
    }
    const r = await run(viaProxy(only, { api_type: 'BULK', max_attempts: 2 }));
    expect(r.code).toBe(1);
    const lines = errorLines(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/Account: Bulk results lack selected fields Name/);
    expectNoStack(r.stderr);
    expect(lastMessage(expectWholeLines(r.stdout))?.type).toBe('STATE');
  });

  it('a describe with an unknown field type: the field is unsupported, discovery goes on', async () => {
    tamper = (e) => {
      if (!/\/composite\/batch$/.test(e.path) && !/\/sobjects\/Account\/describe$/.test(e.path)) return e;
      const body = JSON.parse(e.body.toString('utf8')) as {
        results?: Array<{ result: { fields?: Array<Record<string, unknown>> } }>;
        fields?: Array<Record<string, unknown>>;
      };
      const describes = body.results ? body.results.map((x) => x.result) : [body];
      for (const d of describes)
        for (const field of d.fields ?? []) if (field.name === 'Fax') field.type = 'hologram';
      return { ...e, body: Buffer.from(JSON.stringify(body), 'utf8') };
    };
    const f = writeTempFiles({
      'config.json': orgConfig(org, { ...FAST, domain: proxy.url, streams: ['Account'] }),
    });
    const r = await runTap(['--config', f['config.json'] as string, '--discover']);
    captured.push(r.stdout, r.stderr);
    expectNoSecrets(r.stdout + r.stderr);
    expect(r.code, r.stderr).toBe(0);
    const discovered = JSON.parse(r.stdout) as Catalog;
    const account = discovered.streams.find((s) => s.tap_stream_id === 'Account');
    const fax = account?.metadata.find((m) => m.breadcrumb.join('/') === 'properties/Fax');
    expect(fax?.metadata.inclusion).toBe('unsupported');
    expect(JSON.stringify(fax?.metadata)).toContain('hologram');
  });

  it('describeGlobal naming objects that are not SOQL identifiers: left out of the catalog', async () => {
    tamper = (e) => {
      if (!/\/sobjects$/.test(e.path) || e.status !== 200) return e;
      const body = JSON.parse(e.body.toString('utf8')) as { sobjects: Array<Record<string, unknown>> };
      const template = body.sobjects.find((o) => o.name === 'Account') ?? {};
      body.sobjects.push(
        { ...template, name: 'Account WHERE Name != null' },
        { ...template, name: "X__c') OR 1=1 --" },
        { ...template, name: 42 },
      );
      return { ...e, body: Buffer.from(JSON.stringify(body), 'utf8') };
    };
    const f = writeTempFiles({ 'config.json': orgConfig(org, { ...FAST, domain: proxy.url }) });
    const r = await runTap(['--config', f['config.json'] as string, '--discover']);
    captured.push(r.stdout, r.stderr);
    expect(r.code, r.stderr).toBe(0);
    expectNoStack(r.stderr);
    const names = (JSON.parse(r.stdout) as Catalog).streams.map((s) => s.tap_stream_id);
    expect(names).toContain('Account');
    for (const bad of ['Account WHERE Name != null', "X__c') OR 1=1 --", 42])
      expect(names).not.toContain(bad);
  });
});

describe('catalog, state and config files', () => {
  it('a catalog stream whose object or field is not a SOQL identifier is skipped or trimmed, with a warning', async () => {
    tamper = (e) => e;
    const bad = structuredClone(catalog) as Catalog & { streams: Array<{ table_name?: string }> };
    for (const s of bad.streams) {
      if (s.tap_stream_id === 'Account') s.table_name = 'Account WHERE Name != null';
      if (s.tap_stream_id === 'Contact') {
        s.schema.properties = { ...s.schema.properties, 'Name) FROM User --': { type: ['null', 'string'] } };
        s.metadata.push({ breadcrumb: ['properties', 'Name) FROM User --'], metadata: { selected: true } });
      }
    }
    const r = await run(files(org, bad));
    expect(r.code, r.stderr).toBe(0);
    expect(
      warnings(r.stderr, /skipping stream Account: object name .* is not a SOQL identifier/),
    ).toHaveLength(1);
    expect(warnings(r.stderr, /is not a SOQL identifier; leaving it out/)).toHaveLength(1);
    const messages = expectWholeLines(r.stdout);
    expect(recordsOf(messages, 'Account')).toHaveLength(0);
    expect(recordsOf(messages, 'Contact').length).toBe(
      [...org.rows('Contact', { includeDeleted: true })].length,
    );
    expect(
      org.stats().queries.some((q) => q.includes('WHERE Name != null') || q.includes('FROM User --')),
    ).toBe(false);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['a config that is not an object', { config: '[1, 2]' }, /config file .*/],
    ['a config with a wrong type', { config: { ...FAST, threshold: 'many' } }, /"threshold"/],
    ['a catalog without a streams list', { catalog: { streams: 5 } }, /catalog file .*streams/],
    ['a catalog that is not JSON', { catalog: '{"streams": [' }, /catalog file .* is not valid JSON/],
    [
      'a state whose bookmark is not a date',
      { state: { bookmarks: { Account: { SystemModstamp: 'yesterday' } } } },
      /bookmarks\.Account\.SystemModstamp is not a date-time/,
    ],
    ['a state that is not JSON', { state: 'STATE' }, /state file .* is not valid JSON/],
    ['a state with bookmarks of the wrong type', { state: { bookmarks: [1] } }, /state/],
  ])('%s: exit 3, one line naming the problem, nothing on stdout', async (_name, input, message) => {
    const config = input.config ?? orgConfig(org, FAST);
    const written = writeTempFiles({
      'config.json': config,
      'catalog.json': input.catalog ?? catalog,
      ...(input.state !== undefined ? { 'state.json': input.state } : {}),
    });
    const args = [
      '--config',
      written['config.json'] as string,
      '--catalog',
      written['catalog.json'] as string,
    ];
    if (written['state.json']) args.push('--state', written['state.json']);
    const r = await runTap(args);
    captured.push(r.stdout, r.stderr);
    expectNoSecrets(r.stdout + r.stderr);
    expect(r.code, r.stderr).toBe(3);
    const lines = errorLines(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expectNoStack(r.stderr);
    expectWholeLines(r.stdout);
    expect(recordsOf(expectWholeLines(r.stdout))).toHaveLength(0);
  });
});
