import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Org, startOrg } from '../../org/index.js';
import { api, parseCsv, passwordToken, V } from './helpers.js';

interface JobInfo {
  id: string;
  state: string;
  object: string;
  errorMessage?: string;
  numberRecordsProcessed?: number;
  apiVersion: number;
}

describe('Bulk API', () => {
  let org: Org;
  let token: string;
  let http: ReturnType<typeof api>;
  beforeAll(async () => {
    org = await startOrg({ records: { Account: 5000 }, extraObjects: 5 });
    token = await passwordToken(org.url);
    http = api(org.url, token);
  });
  afterAll(() => org.close());

  async function job(query: string, operation = 'query'): Promise<JobInfo> {
    const r = await http.post(`/services/data/v${V}/jobs/query`, { operation, query });
    expect(r.status).toBe(200);
    return (await r.json()) as JobInfo;
  }
  async function poll(id: string): Promise<JobInfo[]> {
    const seen: JobInfo[] = [];
    for (let k = 0; k < 5; k++) {
      const s = (await (await http.get(`/services/data/v${V}/jobs/query/${id}`)).json()) as JobInfo;
      seen.push(s);
      if (s.state === 'JobComplete' || s.state === 'Failed') break;
    }
    return seen;
  }

  it('runs a Bulk 2.0 query job: states, multi-page CSV with Sforce-Locator, gzip, delete', async () => {
    const fields = [
      'Id',
      'Name',
      'Description',
      'BillingStreet',
      'BillingLatitude',
      'AnnualRevenue',
      'IsDeleted',
      'SystemModstamp',
      'Owner.Name',
    ];
    const j = await job(`SELECT ${fields.join(', ')} FROM Account`, 'queryAll');
    expect(j.state).toBe('UploadComplete');
    expect(j.apiVersion).toBe(64);
    const states = (await poll(j.id)).map((s) => s.state);
    expect(states).toEqual(['InProgress', 'JobComplete']);
    const expected = [...org.rows('Account', { includeDeleted: true })];
    let locator = '';
    const got: string[][] = [];
    let pages = 0;
    for (;;) {
      const r = await http.get(
        `/services/data/v${V}/jobs/query/${j.id}/results?maxRecords=2000${locator ? `&locator=${locator}` : ''}`,
        { 'Accept-Encoding': 'identity' },
      );
      expect(r.headers.get('content-type')).toBe('text/csv');
      const rows = parseCsv(await r.text());
      expect(rows[0]).toEqual(fields);
      expect(Number(r.headers.get('sforce-numberofrecords'))).toBe(rows.length - 1);
      got.push(...rows.slice(1));
      pages++;
      locator = r.headers.get('sforce-locator') ?? '';
      expect(locator).not.toBe('');
      if (locator === 'null') break;
    }
    expect(pages).toBe(3);
    expect(got).toHaveLength(expected.length);
    const first = expected[0] as Record<string, unknown>;
    expect(got[0]?.[0]).toBe(first.Id);
    expect(got[0]?.[1]).toBe(first.Name);
    expect(got[0]?.[2]).toBe(first.Description ?? '');
    expect(got[0]?.[7]).toBe(String(first.SystemModstamp).replace('+0000', 'Z'));
    expect(got.some((r) => r[6] === 'true')).toBe(true);
    // gzip when asked
    const raw = await fetch(`${org.url}/services/data/v${V}/jobs/query/${j.id}/results?maxRecords=10`, {
      headers: { Authorization: `Bearer ${token}`, 'Accept-Encoding': 'gzip' },
    });
    expect(raw.headers.get('content-encoding')).toBe('gzip');
    // fetch decodes it for us; the body is still the CSV
    expect((await raw.text()).split('\n')[0]).toBe(fields.map((f) => `"${f}"`).join(','));
    expect(gunzipSync).toBeTypeOf('function');
    const del = await http.del(`/services/data/v${V}/jobs/query/${j.id}`);
    expect(del.status).toBe(204);
    const gone = await http.get(`/services/data/v${V}/jobs/query/${j.id}`);
    expect(gone.status).toBe(404);
    expect(await gone.json()).toEqual([
      { message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' },
    ]);
    expect(org.stats().bulkJobsCreated).toBe(1);
    expect(org.stats().queries).toContain(`SELECT ${fields.join(', ')} FROM Account`);
  });

  it('writes every encoding stress value as RFC 4180 CSV that round-trips', async () => {
    const fields = [
      'Id',
      'Name',
      'Text__c',
      'TextArea__c',
      'Multi__c',
      'Double__c',
      'Date__c',
      'Time__c',
      'Any__c',
      'Null__c',
    ];
    const j = await job(`SELECT ${fields.join(', ')} FROM Everything__c`);
    await poll(j.id);
    const r = await http.get(`/services/data/v${V}/jobs/query/${j.id}/results`, {
      'Accept-Encoding': 'identity',
    });
    const rows = parseCsv(await r.text()).slice(1);
    const expected = [...org.rows('Everything__c')];
    expect(rows).toHaveLength(expected.length);
    rows.forEach((row, k) => {
      const e = expected[k] as Record<string, unknown>;
      expect(row[0]).toBe(e.Id);
      expect(row[1]).toBe(e.Name);
      expect(row[2]).toBe(e.Text__c ?? '');
      expect(row[3]).toBe(e.TextArea__c ?? '');
      expect(row[9]).toBe('');
    });
    const text = rows.map((x) => x[3]).join('');
    for (const s of ['\r\n', '\n', '\t', '"', ',', '😀', 'Zürich']) expect(text).toContain(s);
    expect(Math.max(...rows.map((x) => (x[3] ?? '').length))).toBe(32000);
  });

  it('refuses compound fields, base64 and Bulk-unsupported objects as Salesforce does', async () => {
    const bad = async (query: string) => {
      const r = await http.post(`/services/data/v${V}/jobs/query`, { operation: 'query', query });
      return { status: r.status, body: (await r.json()) as { errorCode: string; message: string }[] };
    };
    const c = await bad('SELECT Id, BillingAddress FROM Account');
    expect(c.status).toBe(400);
    expect(c.body[0]?.message).toBe('Selecting compound data not supported in Bulk Query');
    expect((await bad('SELECT Id, Blob__c FROM Everything__c')).status).toBe(400);
    const e = await bad('SELECT Id FROM RecentlyViewed');
    expect(e.body[0]).toEqual({
      errorCode: 'INVALIDENTITY',
      message: "Entity 'RecentlyViewed' is not supported by the Bulk API.",
    });
  });

  it('runs Bulk 1.0 with a JSON job body and PK chunking: original batch NotProcessed, chunks by Id range', async () => {
    const h = { 'X-SFDC-Session': token };
    const base = `${org.url}/services/async/${V}`;
    const jr = await fetch(`${base}/job`, {
      method: 'POST',
      headers: { ...h, 'Content-Type': 'application/json', 'Sforce-Enable-PKChunking': 'chunkSize=2000' },
      body: JSON.stringify({ operation: 'queryAll', object: 'Account', contentType: 'CSV' }),
    });
    expect(jr.status).toBe(201);
    const jobInfo = (await jr.json()) as { id: string; state: string };
    expect(jobInfo.state).toBe('Open');
    const br = await fetch(`${base}/job/${jobInfo.id}/batch`, {
      method: 'POST',
      headers: { ...h, 'Content-Type': 'text/csv' },
      body: 'SELECT Id, Name FROM Account',
    });
    const batchXml = await br.text();
    const original = /<id>(\w+)<\/id>/.exec(batchXml)?.[1];
    expect(batchXml).toContain('<state>NotProcessed</state>');
    let list = '';
    for (let k = 0; k < 3; k++)
      list = await (await fetch(`${base}/job/${jobInfo.id}/batch`, { headers: h })).text();
    const batches = [
      ...list.matchAll(/<batchInfo><id>(\w+)<\/id><jobId>\w+<\/jobId><state>(\w+)<\/state>/g),
    ].map((m) => ({
      id: m[1] as string,
      state: m[2] as string,
    }));
    expect(batches).toHaveLength(4);
    expect(batches[0]).toEqual({ id: original, state: 'NotProcessed' });
    const close = await fetch(`${base}/job/${jobInfo.id}`, {
      method: 'POST',
      headers: { ...h, 'Content-Type': 'application/json' },
      body: JSON.stringify({ state: 'Closed' }),
    });
    expect(((await close.json()) as { state: string }).state).toBe('Closed');
    const ids: string[] = [];
    for (const b of batches.slice(1)) {
      expect(b.state).toBe('Completed');
      const rl = await (await fetch(`${base}/job/${jobInfo.id}/batch/${b.id}/result`, { headers: h })).text();
      const rid = /<result>(\w+)<\/result>/.exec(rl)?.[1];
      const csv = await (
        await fetch(`${base}/job/${jobInfo.id}/batch/${b.id}/result/${rid}`, { headers: h })
      ).text();
      const rows = parseCsv(csv);
      expect(rows[0]).toEqual(['Id', 'Name']);
      ids.push(...rows.slice(1).map((r) => r[0] as string));
    }
    const expected = [...org.rows('Account', { includeDeleted: true })].map((r) => r.Id);
    expect(ids).toEqual(expected);
    const chunkSoql = await (
      await fetch(`${base}/job/${jobInfo.id}/batch/${batches[1]?.id}/request`, { headers: h })
    ).text();
    expect(chunkSoql).toBe(
      `SELECT Id, Name FROM Account WHERE Id >= '${expected[0]}' AND Id < '${expected[2000]}'`,
    );
    const bad = await fetch(`${base}/job/${jobInfo.id}`, { headers: { 'X-SFDC-Session': 'nope' } });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('<exceptionCode>InvalidSessionId</exceptionCode>');
  });
});
