import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Org, startOrg } from '../../org/index.js';
import { api, passwordToken, V } from './helpers.js';

interface Page {
  totalSize: number;
  done: boolean;
  records: Record<string, unknown>[];
}

describe('faults and time', () => {
  let org: Org;
  let http: ReturnType<typeof api>;
  beforeAll(async () => {
    org = await startOrg({ records: { Account: 3000 }, extraObjects: 5 });
    http = api(org.url, await passwordToken(org.url));
  });
  afterAll(() => org.close());

  const q = (soql: string, all = false) =>
    http.get(`/services/data/v${V}/${all ? 'queryAll' : 'query'}?q=${encodeURIComponent(soql)}`);

  it('errorRate answers 500/503 with a deterministic sequence', async () => {
    org.setFaults({ errorRate: 1 });
    const statuses = new Set<number>();
    for (let k = 0; k < 8; k++) statuses.add((await http.get(`/services/data/v${V}/limits`)).status);
    org.setFaults({ errorRate: 0 });
    expect([...statuses].sort()).toEqual([500, 503]);
    org.setFaults({ errorRate: 0.5 });
    let errors = 0;
    for (let k = 0; k < 40; k++) if ((await http.get(`/services/data/v${V}/limits`)).status >= 500) errors++;
    org.setFaults({ errorRate: 0 });
    expect(errors).toBeGreaterThan(5);
    expect(errors).toBeLessThan(35);
  });

  it('dropRate cuts the connection in the middle of the body', async () => {
    org.setFaults({ dropRate: 1 });
    try {
      const res = await q('SELECT Id, Name FROM Account');
      await expect(res.text()).rejects.toThrow();
    } finally {
      org.setFaults({ dropRate: 0 });
    }
    expect((await q('SELECT Id FROM Account LIMIT 1')).status).toBe(200);
  });

  it('latencyMs slows every request', async () => {
    org.setFaults({ latencyMs: 150 });
    const t0 = performance.now();
    await fetch(`${org.url}/services/data/`);
    org.setFaults({ latencyMs: 0 });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('quotaExhausted answers 403 REQUEST_LIMIT_EXCEEDED; so does a used-up daily limit', async () => {
    org.setFaults({ quotaExhausted: true });
    const r = await http.get(`/services/data/v${V}/sobjects`);
    org.setFaults({ quotaExhausted: false });
    expect(r.status).toBe(403);
    expect(await r.json()).toEqual([
      { message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' },
    ]);
    const small = await startOrg({ extraObjects: 0, dailyApiLimit: 10, apiUsed: 9 });
    try {
      const h = api(small.url, await passwordToken(small.url));
      expect((await h.get(`/services/data/v${V}/limits`)).status).toBe(200);
      const over = await h.get(`/services/data/v${V}/limits`);
      expect(over.status).toBe(403);
      expect(over.headers.get('sforce-limit-info')).toBe('api-usage=10/10');
    } finally {
      await small.close();
    }
  });

  it('QUERY_TIMEOUT fires for unfiltered and too-wide windows, not for narrow windows or Id chunks', async () => {
    org.setFaults({ queryTimeoutObjects: ['Account'], queryTimeoutWindowDays: 30 });
    try {
      const unfiltered = await q('SELECT Id FROM Account');
      expect(unfiltered.status).toBe(400);
      expect(await unfiltered.json()).toEqual([
        { message: 'Your query request was running for too long.', errorCode: 'QUERY_TIMEOUT' },
      ]);
      expect((await q('SELECT Id FROM Account WHERE SystemModstamp >= 2024-01-01T00:00:00Z')).status).toBe(
        400,
      );
      const narrow = await q(
        'SELECT Id FROM Account WHERE SystemModstamp >= 2024-01-01T00:00:00Z AND SystemModstamp < 2024-01-20T00:00:00.000+0000',
      );
      expect(narrow.status).toBe(200);
      const ids = [...org.rows('Account', { includeDeleted: true })].map((r) => r.Id as string);
      expect((await q(`SELECT Id FROM Account WHERE Id >= '${ids[0]}' AND Id < '${ids[1000]}'`)).status).toBe(
        200,
      );
      // Bulk 2.0: the job fails with the same reason
      const job = (await (
        await http.post(`/services/data/v${V}/jobs/query`, {
          operation: 'query',
          query: 'SELECT Id FROM Account',
        })
      ).json()) as { id: string };
      let info: { state: string; errorMessage?: string } = { state: '' };
      for (let k = 0; k < 3; k++)
        info = (await (await http.get(`/services/data/v${V}/jobs/query/${job.id}`)).json()) as typeof info;
      expect(info.state).toBe('Failed');
      expect(info.errorMessage).toContain('QUERY_TIMEOUT');
    } finally {
      org.setFaults({ queryTimeoutObjects: [] });
    }
  });

  it('failBulkJobsFor ends Bulk jobs Failed; refuseQueryObjects refuses REST and Bulk queries', async () => {
    org.setFaults({ failBulkJobsFor: ['Contact'], refuseQueryObjects: ['Lead'] });
    try {
      const job = (await (
        await http.post(`/services/data/v${V}/jobs/query`, {
          operation: 'query',
          query: 'SELECT Id FROM Contact',
        })
      ).json()) as { id: string };
      let info: { state: string; errorMessage?: string } = { state: '' };
      for (let k = 0; k < 3; k++)
        info = (await (await http.get(`/services/data/v${V}/jobs/query/${job.id}`)).json()) as typeof info;
      expect(info.state).toBe('Failed');
      expect(info.errorMessage).toBeTruthy();
      const r = await q('SELECT Id FROM Lead');
      expect(r.status).toBe(400);
      expect(((await r.json()) as { errorCode: string }[])[0]?.errorCode).toBe('INVALID_TYPE_FOR_OPERATION');
      const b = await http.post(`/services/data/v${V}/jobs/query`, {
        operation: 'query',
        query: 'SELECT Id FROM Lead',
      });
      expect(b.status).toBe(400);
    } finally {
      org.setFaults({ failBulkJobsFor: [], refuseQueryObjects: [] });
    }
  });

  it('advanceTime updates, inserts and soft-deletes exactly the rows it reports', async () => {
    const before = [...org.rows('Account', { includeDeleted: true })];
    const maxStamp = before
      .map((r) => r.SystemModstamp as string)
      .sort()
      .at(-1) as string;
    const bookmark = maxStamp.replace('+0000', 'Z');
    const changes = org.advanceTime({
      seconds: 3600,
      update: { Account: 7 },
      insert: { Account: 5 },
      softDelete: { Account: 3 },
    });
    expect(changes.updated.Account).toHaveLength(7);
    expect(changes.inserted.Account).toHaveLength(5);
    expect(changes.deleted.Account).toHaveLength(3);
    const page = (await (
      await q(
        `SELECT Id, IsDeleted, SystemModstamp, LastModifiedDate, CreatedDate FROM Account WHERE SystemModstamp > ${bookmark} ORDER BY SystemModstamp`,
        true,
      )
    ).json()) as Page;
    const got = page.records.map((r) => r.Id as string).sort();
    const want = [
      ...(changes.updated.Account ?? []),
      ...(changes.inserted.Account ?? []),
      ...(changes.deleted.Account ?? []),
    ].sort();
    expect(got).toEqual(want);
    for (const r of page.records) {
      expect(String(r.CreatedDate) <= String(r.LastModifiedDate)).toBe(true);
      expect(String(r.LastModifiedDate) <= String(r.SystemModstamp)).toBe(true);
      expect(r.IsDeleted).toBe((changes.deleted.Account ?? []).includes(r.Id as string));
    }
    const stamps = page.records.map((r) => r.SystemModstamp as string);
    expect([...stamps].sort()).toEqual(stamps);
    const live = (await (await q('SELECT COUNT() FROM Account')).json()) as Page;
    expect(live.totalSize).toBe(before.filter((r) => !r.IsDeleted).length + 5 - 3);
    // base data has ties in SystemModstamp
    const base = before.map((r) => r.SystemModstamp);
    expect(new Set(base).size).toBeLessThan(base.length);
  });
});
