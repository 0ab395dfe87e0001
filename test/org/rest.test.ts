import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Org, startOrg } from '../../org/index.js';
import { api, passwordToken, V } from './helpers.js';

const { Connection } = await import('@jsforce/jsforce-node');

interface Page {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: Record<string, unknown>[];
}

describe('REST', () => {
  let org: Org;
  let token: string;
  let http: ReturnType<typeof api>;
  beforeAll(async () => {
    org = await startOrg({ records: { Account: 4500 } });
    token = await passwordToken(org.url);
    http = api(org.url, token);
  });
  afterAll(() => org.close());

  it('lists versions up to 65.0 and ~1000 objects in describeGlobal through jsforce', async () => {
    const versions = (await (await fetch(`${org.url}/services/data/`)).json()) as {
      version: string;
      label: string;
    }[];
    expect(versions.at(-1)).toEqual({ label: "Winter '26", url: '/services/data/v65.0', version: '65.0' });
    const conn = new Connection({ instanceUrl: org.url, accessToken: token, version: V });
    const g = await conn.describeGlobal();
    expect(g.sobjects.length).toBeGreaterThan(900);
    const names = g.sobjects.map((s) => s.name);
    for (const n of [
      'Account',
      'Everything__c',
      'Wide__c',
      'CreatedOnly__c',
      'NoStamp__c',
      'AccountHistory',
      'AccountShare',
      'AccountFeed',
      'AccountChangeEvent',
    ]) {
      expect(names).toContain(n);
    }
    expect(g.sobjects.find((s) => s.name === 'AggregateResult')?.queryable).toBe(false);
    const d = await conn.describe('Account');
    const fields = new Map(d.fields.map((f) => [f.name, f]));
    expect(d.fields.length).toBeGreaterThanOrEqual(60);
    expect(fields.get('BillingAddress')?.type).toBe('address');
    expect(fields.get('BillingCity')?.compoundFieldName).toBe('BillingAddress');
    const e = await conn.describe('Everything__c');
    const types = new Set(e.fields.map((f) => f.type));
    for (const t of [
      'string',
      'textarea',
      'picklist',
      'multipicklist',
      'combobox',
      'boolean',
      'int',
      'long',
      'double',
      'currency',
      'percent',
      'date',
      'datetime',
      'time',
      'url',
      'email',
      'phone',
      'reference',
      'encryptedstring',
      'base64',
      'location',
      'anyType',
    ]) {
      expect(types).toContain(t);
    }
    expect(e.fields.find((f) => f.name === 'Formula__c')?.calculated).toBe(true);
  });

  it('answers composite batch describes as one API call, and refuses more than 25', async () => {
    const conn = new Connection({ instanceUrl: org.url, accessToken: token, version: V });
    const before = org.stats().apiCalls;
    const res = (await conn.request({
      method: 'POST',
      url: '/composite/batch',
      body: JSON.stringify({
        batchRequests: [
          { method: 'GET', url: `v${V}/sobjects/Account/describe` },
          { method: 'GET', url: `v${V}/sobjects/Nope__c/describe` },
        ],
        haltOnError: false,
      }),
      headers: { 'content-type': 'application/json' },
    })) as { hasErrors: boolean; results: { statusCode: number; result: unknown }[] };
    expect(res.hasErrors).toBe(true);
    expect(res.results[0]?.statusCode).toBe(200);
    expect((res.results[0]?.result as { name: string } | undefined)?.name).toBe('Account');
    expect(res.results[1]?.statusCode).toBe(404);
    expect(org.stats().apiCalls - before).toBe(1);
    const many = Array.from({ length: 26 }, () => ({
      method: 'GET',
      url: `v${V}/sobjects/Account/describe`,
    }));
    const r = await http.post(`/services/data/v${V}/composite/batch`, { batchRequests: many });
    expect(r.status).toBe(400);
  });

  it('pages a query with nextRecordsUrl, honours batchSize, and serves queryMore at any version with or without ?q=', async () => {
    org.resetStats();
    const q = encodeURIComponent('SELECT Id, Name, BillingAddress FROM Account ORDER BY Id');
    const first = await http.get(`/services/data/v${V}/query?q=${q}`, {
      'Sforce-Query-Options': 'batchSize=1000',
    });
    expect(first.headers.get('sforce-limit-info')).toMatch(/^api-usage=\d+\/15000$/);
    let page = (await first.json()) as Page;
    const live = [...org.rows('Account')].length;
    expect(page.totalSize).toBe(live);
    expect(page.records).toHaveLength(1000);
    expect(page.nextRecordsUrl).toMatch(new RegExp(`^/services/data/v${V}/query/01g\\w+-1000$`));
    const rec = page.records[0] as { attributes: { type: string; url: string }; Id: string };
    expect(rec.attributes.type).toBe('Account');
    expect(rec.attributes.url).toBe(`/services/data/v${V}/sobjects/Account/${rec.Id}`);
    let n = page.records.length;
    let prevId = '';
    for (const r of page.records) {
      expect((r.Id as string) > prevId).toBe(true);
      prevId = r.Id as string;
    }
    let k = 0;
    while (!page.done) {
      // alternate: jsforce-style rebuilt URL at another version, and Python-tap style with ?q= repeated
      const next = page.nextRecordsUrl as string;
      const url = k++ % 2 ? next.replace(`v${V}`, 'v58.0') : `${next}?q=${q}`;
      page = (await (await http.get(url)).json()) as Page;
      n += page.records.length;
    }
    expect(n).toBe(live);
    expect(org.stats().requests.queryMore).toBe(Math.ceil(live / 1000) - 1);
    expect(org.stats().apiCalls).toBe(Math.ceil(live / 1000));
    // jsforce's own paging
    const conn = new Connection({ instanceUrl: org.url, accessToken: token, version: '60.0' });
    const all = await conn.query('SELECT Id FROM Account').run({ autoFetch: true, maxFetch: 100000 });
    expect(all.records.length).toBe(live);
  });

  it('hides soft-deleted rows from query and shows them in queryAll', async () => {
    const deleted = [...org.rows('Account', { includeDeleted: true })].filter((r) => r.IsDeleted === true);
    expect(deleted.length).toBeGreaterThan(0);
    const q = encodeURIComponent('SELECT Id, IsDeleted FROM Account WHERE IsDeleted = true');
    const a = (await (await http.get(`/services/data/v${V}/query?q=${q}`)).json()) as Page;
    expect(a.totalSize).toBe(0);
    const b = (await (await http.get(`/services/data/v${V}/queryAll?q=${q}`)).json()) as Page;
    expect(b.totalSize).toBe(deleted.length);
  });

  it('renders values as Salesforce does: compounds nested, datetimes with +0000, relationships nested', async () => {
    const q = encodeURIComponent(
      'SELECT Id, Name, Location__c, DateTime__c, Date__c, Time__c, Double__c, Blob__c, Owner.Name, Null__c FROM Everything__c ORDER BY Id LIMIT 50',
    );
    const page = (await (await http.get(`/services/data/v${V}/query?q=${q}`)).json()) as Page;
    const rows = page.records;
    const dt = rows.map((r) => r.DateTime__c).find((v) => v !== null) as string;
    expect(dt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    expect(rows.map((r) => r.Date__c).find((v) => v !== null)).toMatch(/^\d{4}-\d\d-\d\d$/);
    expect(rows.map((r) => r.Time__c).find((v) => v !== null)).toMatch(/^\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(
      rows.some((r) => r.Location__c && typeof (r.Location__c as { latitude: number }).latitude === 'number'),
    ).toBe(true);
    expect(rows.every((r) => r.Null__c === null)).toBe(true);
    const blob = rows.map((r) => r.Blob__c).find((v) => v !== null) as string;
    expect(blob).toMatch(new RegExp(`^/services/data/v${V}/sobjects/Everything__c/\\w{18}/Blob__c$`));
    const owner = rows[0]?.Owner as { attributes: { type: string }; Name: string };
    expect(owner.attributes.type).toBe('User');
    expect(typeof owner.Name).toBe('string');
  });

  it('answers SOQL errors with Salesforce codes and messages, and refuses oversized URLs', async () => {
    const err = async (soql: string) => {
      const r = await http.get(`/services/data/v${V}/query?q=${encodeURIComponent(soql)}`);
      return { status: r.status, body: (await r.json()) as { errorCode: string; message: string }[] };
    };
    const f = await err('SELECT Foo FROM Account');
    expect(f.status).toBe(400);
    expect(f.body[0]?.errorCode).toBe('INVALID_FIELD');
    expect(f.body[0]?.message).toBe(
      "\nSELECT Foo FROM Account\n       ^\nERROR at Row:1:Column:8\nNo such column 'Foo' on entity 'Account'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
    );
    expect((await err('SELECT Id FROM Nope')).body[0]?.errorCode).toBe('INVALID_TYPE');
    expect((await err('SELECT Id FROMM Account')).body[0]?.errorCode).toBe('MALFORMED_QUERY');
    expect(
      (await err("SELECT Id FROM Account WHERE SystemModstamp > '2020-01-01'")).body[0]?.message,
    ).toContain('must be of type dateTime and should not be enclosed in quotes');
    const wide = org.describe('Wide__c') as { fields: { name: string }[] };
    const soql = `SELECT ${wide.fields.map((x) => x.name).join(', ')} FROM Wide__c`;
    expect(soql.length).toBeGreaterThan(16384);
    const long = await http.get(`/services/data/v${V}/query?q=${encodeURIComponent(soql)}`);
    expect(long.status).toBe(414);
    const huge = await http.post(`/services/data/v${V}/composite/batch`, {
      batchRequests: [
        {
          method: 'GET',
          url: `v${V}/query?q=${encodeURIComponent(`SELECT Id FROM Account WHERE Name IN ('${'x'.repeat(100000)}')`)}`,
        },
      ],
    });
    const hb = (await huge.json()) as { results: { result: { errorCode: string; message: string }[] }[] };
    expect(hb.results[0]?.result[0]?.message).toBe(
      'SOQL statements can not be longer than 100000 characters',
    );
  });

  it('filters with AND/OR/NOT, IN, LIKE, dates and orders by several keys', async () => {
    const run = async (soql: string) =>
      (await (await http.get(`/services/data/v${V}/query?q=${encodeURIComponent(soql)}`)).json()) as Page;
    const rows = [...org.rows('Account')];
    const byIndustry = rows.filter((r) => r.Industry === 'Banking' || r.Industry === 'Chemicals').length;
    expect((await run("SELECT Id FROM Account WHERE Industry IN ('Banking', 'chemicals')")).totalSize).toBe(
      byIndustry,
    );
    const notBanking = rows.filter((r) => r.Industry !== 'Banking').length;
    expect((await run("SELECT Id FROM Account WHERE NOT (Industry = 'Banking')")).totalSize).toBe(
      rows.length - rows.filter((r) => r.Industry === 'Banking').length,
    );
    expect((await run("SELECT Id FROM Account WHERE Industry != 'Banking'")).totalSize).toBe(notBanking);
    const like = rows.filter((r) => String(r.Name).startsWith('Account 1')).length;
    expect((await run("SELECT Id FROM Account WHERE Name LIKE 'account 1%'")).totalSize).toBe(like);
    const stamp = rows[2000]?.SystemModstamp as string;
    const lit = stamp.replace('+0000', 'Z');
    const after = rows.filter((r) => (r.SystemModstamp as string) >= stamp).length;
    expect((await run(`SELECT Id FROM Account WHERE SystemModstamp >= ${lit}`)).totalSize).toBe(after);
    const sorted = await run(
      'SELECT Id, Rating, Name FROM Account ORDER BY Rating DESC NULLS LAST, Name ASC LIMIT 300',
    );
    const ratings = sorted.records.map((r) => r.Rating as string | null);
    expect(ratings[0]).toBe('Warm');
    const c = await run('SELECT COUNT() FROM Account');
    expect(c).toEqual({ totalSize: rows.length, done: true, records: [] });
  });

  it('serves /limits and keeps Sforce-Limit-Info in step with API calls', async () => {
    const r = await http.get(`/services/data/v${V}/limits`);
    const body = (await r.json()) as Record<string, { Max: number; Remaining: number }>;
    for (const k of [
      'DailyApiRequests',
      'DailyBulkApiBatches',
      'DailyBulkV2QueryJobs',
      'DailyBulkV2QueryFileStorageMB',
    ]) {
      expect(body[k]?.Max).toBeGreaterThan(0);
    }
    const used = Number(/api-usage=(\d+)\//.exec(r.headers.get('sforce-limit-info') ?? '')?.[1]);
    expect(body.DailyApiRequests?.Remaining).toBe(15000 - used);
  });
});
