// Discovery through the built CLI against the simulated org. Requires `npm run build`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { runDiscovery } from '../../src/discovery/discover.js';
import { exclusionReason } from '../../src/discovery/exclusions.js';
import { createLogger } from '../../src/log.js';
import { openClient } from '../../src/salesforce/connect.js';
import type { Catalog, CatalogStream } from '../../src/singer/catalog.js';
import { ROOT, runTap, writeTempFiles } from '../helpers/tap.js';

for (const key of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[key];
const { startOrg } = await import('../../org/index.js');
type Org = Awaited<ReturnType<typeof startOrg>>;

const CREDS = {
  clientId: 'disco-client-id',
  clientSecret: 'disco-client-secret-7',
  refreshToken: 'disco-refresh-token-7',
};

let org: Org;
beforeAll(async () => {
  org = await startOrg({ strict: CREDS });
});
afterAll(() => org?.close());
beforeEach(() => {
  org.setFaults({ latencyMs: 0, failDescribeFor: [], expireTokenAfterCalls: null, errorRate: 0 });
  org.resetStats();
});

function config(extra: Record<string, unknown> = {}): string {
  const files = writeTempFiles({
    'config.json': {
      domain: org.url,
      client_id: CREDS.clientId,
      client_secret: CREDS.clientSecret,
      refresh_token: CREDS.refreshToken,
      start_date: '2024-01-01T00:00:00Z',
      retry_backoff_base_ms: 5,
      retry_backoff_max_ms: 20,
      ...extra,
    },
  });
  return files['config.json'] as string;
}

async function discover(extra: Record<string, unknown> = {}) {
  const { code, stdout, stderr } = await runTap(['--config', config(extra), '--discover']);
  return { code, stdout, stderr, catalog: code === 0 ? (JSON.parse(stdout) as Catalog) : null };
}

const stream = (catalog: Catalog | null, name: string): CatalogStream | undefined =>
  catalog?.streams.find((s) => s.tap_stream_id === name);
const fieldMeta = (entry: CatalogStream | undefined, field: string) =>
  entry?.metadata.find((m) => m.breadcrumb[1] === field)?.metadata;

/** The org's describeGlobal, read directly. */
async function globalObjects() {
  const tokenResponse = await fetch(`${org.url}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: CREDS.refreshToken,
      client_id: CREDS.clientId,
      client_secret: CREDS.clientSecret,
    }),
  });
  const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
  const response = await fetch(`${org.url}/services/data/v64.0/sobjects`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await response.json()) as { sobjects: Array<{ name: string; queryable: boolean }> };
  org.resetStats();
  return body.sobjects;
}

/** The line the tap logs when discovery ends (pino JSON on stderr). */
/** The catalog `runDiscovery` builds in this process, every answer read on this thread. */
async function discoverInProcess(): Promise<Catalog> {
  const logger = createLogger({ level: 'silent' });
  const settings = await loadConfig(config());
  return runDiscovery({ config: settings, client: await openClient(settings, logger), logger });
}

function summary(stderr: string): Record<string, number> {
  const line = stderr.split('\n').find((l) => l.includes('"msg":"discovered '));
  return line ? (JSON.parse(line) as Record<string, number>) : {};
}

describe('tap-salesforce --discover', () => {
  it('given an org of ~1 000 objects, then every queryable non-denied object is in a valid, sorted catalog', async () => {
    const sobjects = await globalObjects();
    const run = await discover();
    expect(run.code, run.stderr).toBe(0);
    const catalog = run.catalog as Catalog;
    const expected = sobjects
      .filter((o) => exclusionReason(o, 'REST') === null)
      .map((o) => o.name)
      .sort();
    const ids = catalog.streams.map((s) => s.tap_stream_id);
    expect(ids).toEqual(expected);
    expect(ids.length).toBeGreaterThan(900);
    for (const left of ['AggregateResult', 'AccountChangeEvent', 'Everything__ChangeEvent']) {
      expect(ids).not.toContain(left);
    }
    // stdout holds the catalog only; logs go to stderr.
    expect(run.stdout.trimStart().startsWith('{')).toBe(true);

    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(
      JSON.parse(readFileSync(join(ROOT, 'schemas', 'catalog.schema.json'), 'utf8')),
    );
    expect(validate(catalog), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);

    const calls = org.stats().apiCalls;
    expect(calls).toBeLessThanOrEqual(Math.ceil(sobjects.length / 25) + 2);
    expect(summary(run.stderr).apiCalls).toBe(calls);
  });

  it('prints JSON.stringify(catalog, null, 2) of the catalog runDiscovery builds, byte for byte', async () => {
    // The CLI serialises each entry as its describe arrives; the result must not differ from the whole.
    const run = await discover();
    expect(run.code, run.stderr).toBe(0);
    const catalog = await discoverInProcess();
    expect(catalog.streams.length).toBeGreaterThan(900);
    expect(run.stdout).toBe(`${JSON.stringify(catalog, null, 2)}\n`);
  });

  it('given describes that fail across a large org, then the answers read in the describe worker give the catalog read here', async () => {
    // --discover reads answers in a worker as well as on the main thread; runDiscovery reads them all here.
    const names = org.objectNames();
    const failing = ['Lead', 'Opportunity', names[Math.floor(names.length / 2)] as string];
    org.setFaults({ failDescribeFor: failing });
    const run = await discover();
    expect(run.code, run.stderr).toBe(0);
    expect(summary(run.stderr).answersInWorker).toBeGreaterThan(0);
    for (const name of failing) {
      expect(run.stderr).toContain(`describe of ${name} failed, object skipped`);
    }
    const catalog = await discoverInProcess();
    expect(catalog.streams.some((s) => s.tap_stream_id === 'Lead')).toBe(false);
    expect(run.stdout).toBe(`${JSON.stringify(catalog, null, 2)}\n`);
  });

  it('given the same org twice, then the catalogs are byte-identical', async () => {
    const first = await discover({ streams: ['Account', 'Everything__c', 'Wide__c', 'Task', 'User'] });
    const second = await discover({ streams: ['User', 'Task', 'Wide__c', 'Everything__c', 'Account'] });
    expect(first.code, first.stderr).toBe(0);
    expect(second.stdout).toBe(first.stdout);
  });

  it('maps the org objects: keys, replication keys, formula fields, compound fields, unsupported types', async () => {
    const run = await discover({ streams: ['Account', 'Everything__c', 'CreatedOnly__c', 'NoStamp__c'] });
    expect(run.code, run.stderr).toBe(0);
    const account = stream(run.catalog, 'Account');
    expect(account?.key_properties).toEqual(['Id']);
    expect(account?.replication_key).toBe('SystemModstamp');
    expect(fieldMeta(account, 'IsDeleted')?.inclusion).toBe('automatic');
    expect(fieldMeta(account, 'BillingAddress')?.inclusion).toBe('available');
    expect(fieldMeta(account, 'BillingStreet')?.['salesforce-compound-field']).toBe('BillingAddress');
    expect(account?.schema.properties?.Id).toEqual({ type: 'string' });

    expect(stream(run.catalog, 'CreatedOnly__c')?.replication_key).toBe('CreatedDate');
    const noStamp = stream(run.catalog, 'NoStamp__c');
    expect(noStamp?.replication_method).toBe('FULL_TABLE');
    expect(noStamp?.metadata[0]?.metadata['forced-replication-method']).toBe('FULL_TABLE');

    const everything = stream(run.catalog, 'Everything__c');
    const meta = everything?.metadata ?? [];
    const byType = new Map<string, Record<string, unknown>>();
    for (const m of meta) {
      const type = m.metadata['salesforce-type'];
      if (typeof type === 'string' && !byType.has(type)) byType.set(type, m.metadata);
    }
    expect(byType.get('base64')?.inclusion).toBe('unsupported');
    expect(byType.get('json')?.inclusion).toBe('unsupported');
    expect(byType.get('location')?.inclusion).toBe('available');
    expect(meta.some((m) => m.metadata['salesforce-calculated'] === true)).toBe(true);
    for (const m of meta) expect(m.metadata['salesforce-type'] === undefined).toBe(m.breadcrumb.length === 0);
  });

  it('given api_type BULK, then Bulk-refused objects are left out and compound fields are unsupported', async () => {
    const rest = await discover({ streams: ['Account', 'RecentlyViewed'] });
    const bulk = await discover({ streams: ['Account', 'RecentlyViewed'], api_type: 'BULK' });
    expect(bulk.code, bulk.stderr).toBe(0);
    expect(rest.catalog?.streams.map((s) => s.tap_stream_id)).toEqual(['Account', 'RecentlyViewed']);
    expect(bulk.catalog?.streams.map((s) => s.tap_stream_id)).toEqual(['Account']);
    expect(bulk.stderr).toContain('skipping RecentlyViewed: the Bulk API does not support it');
    const account = stream(bulk.catalog, 'Account');
    expect(fieldMeta(account, 'BillingAddress')?.inclusion).toBe('unsupported');
    expect(fieldMeta(account, 'BillingAddress')?.['unsupported-description']).toMatch(/compound/);
    expect(fieldMeta(account, 'BillingStreet')?.inclusion).toBe('available');
    expect(account?.metadata[0]?.metadata['salesforce-api-type']).toBe('BULK');
  });

  it('given streams, then only those objects are described (names matched case-insensitively)', async () => {
    const run = await discover({ streams: ['account', 'Contact'] });
    expect(run.code, run.stderr).toBe(0);
    expect(run.catalog?.streams.map((s) => s.tap_stream_id)).toEqual(['Account', 'Contact']);
    expect(org.stats().apiCalls).toBe(2);
  });

  it('given a stream the org does not have, then fails with one line listing it', async () => {
    const run = await discover({ streams: ['Account', 'Nope__c', 'Ghost'] });
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('not found in the org: Nope__c, Ghost');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('given denied and non-queryable objects named in streams, then they are skipped with their reason', async () => {
    const run = await discover({ streams: ['Account', 'AggregateResult', 'AccountChangeEvent'] });
    expect(run.code, run.stderr).toBe(0);
    expect(run.catalog?.streams.map((s) => s.tap_stream_id)).toEqual(['Account']);
    expect(run.stderr).toContain('skipping AggregateResult: not queryable');
    expect(run.stderr).toContain('skipping AccountChangeEvent: not queryable');
  });

  it('given a describe that fails for one object, then that object is skipped with a warning', async () => {
    org.setFaults({ failDescribeFor: ['Lead'] });
    const run = await discover({ streams: ['Account', 'Lead', 'Contact'] });
    expect(run.code, run.stderr).toBe(0);
    expect(run.catalog?.streams.map((s) => s.tap_stream_id)).toEqual(['Account', 'Contact']);
    expect(run.stderr).toMatch(/describe of Lead failed, object skipped: HTTP 500 UNKNOWN_EXCEPTION/);
    // One batch, then the transient failure tried once more.
    expect(org.stats().apiCalls).toBe(3);
  });

  it('given a session that expires mid-discovery, then it refreshes once and finishes', async () => {
    // Sessions last 20 calls: the calls in flight when the first one expires are replayed on the new one.
    org.setFaults({ expireTokenAfterCalls: 20 });
    const run = await discover();
    expect(run.code, run.stderr).toBe(0);
    expect(run.catalog?.streams.length).toBeGreaterThan(900);
    expect(run.stderr).toContain('session expired; refreshed');
    expect(org.stats().requests['oauth.token']).toBeGreaterThanOrEqual(2);
  });

  it('given 50 ms latency per call, then the cost is ceil(objects / 25) + 2 calls at most (benchmark)', async () => {
    const objects = org.objectNames().length;
    org.setFaults({ latencyMs: 50 });
    const started = performance.now();
    const run = await discover();
    const processMs = Math.round(performance.now() - started);
    expect(run.code, run.stderr).toBe(0);
    const stats = summary(run.stderr);
    const calls = org.stats().apiCalls;
    console.log(
      `discovery benchmark: ${objects} objects, ${run.catalog?.streams.length} streams, ${calls} API calls ` +
        `(budget ${Math.ceil(objects / 25) + 2}), discovery ${stats.wallMs} ms ` +
        `(describeGlobal ${stats.describeGlobalMs} ms, describes ${stats.describeMs} ms, catalog ${stats.buildMs} ms), ` +
        `whole process ${processMs} ms, 50 ms latency per call`,
    );
    expect(calls).toBeLessThanOrEqual(Math.ceil(objects / 25) + 2);
    // 38 composite calls would take 2 s one after the other; all in flight at once take one round trip.
    expect(stats.describeMs).toBeLessThan(38 * 50 * 4);
  });
});
