// Prints rows/s the simulated org serves: a Bulk 2.0 CSV download and a REST page walk of Account rows.
// Run: npm run build && node dist/org/bench.js [rows]

import { execFile } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startOrg } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'org-bench-'));

/**
 * GET through curl in a child process, so this process's CPU time is the org's alone.
 * Returns the response headers, the body size and the first bytes of the body.
 */
async function get(
  url: string,
  headers: Record<string, string>,
): Promise<{ headers: Record<string, string>; bytes: number; head: string }> {
  const args = ['-s', '-D', join(dir, 'h'), '-o', join(dir, 'b'), '-w', '%{size_download}'];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  const bytes = Number((await promisify(execFile)('curl', [...args, url])).stdout);
  const h: Record<string, string> = {};
  for (const line of readFileSync(join(dir, 'h'), 'latin1').split('\r\n')) {
    const m = /^([^:]+):\s*(.*)$/.exec(line);
    if (m) h[(m[1] as string).toLowerCase()] = m[2] as string;
  }
  const fd = openSync(join(dir, 'b'), 'r');
  const head = Buffer.alloc(400);
  const n = readSync(fd, head, 0, 400, 0);
  closeSync(fd);
  return { headers: h, bytes, head: head.subarray(0, n).toString('latin1') };
}

const rows = Number(process.argv[2] ?? 200000);
const org = await startOrg({ records: { Account: rows }, extraObjects: 0, bulkPageSize: rows });

const tokenRes = await fetch(`${org.url}/services/oauth2/token`, {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: 'grant_type=password&client_id=bench&client_secret=bench&username=u&password=p',
});
const { access_token: token } = (await tokenRes.json()) as { access_token: string };
const auth = { Authorization: `Bearer ${token}` };
const describe = (await (
  await fetch(`${org.url}/services/data/v64.0/sobjects/Account/describe`, { headers: auth })
).json()) as { fields: { name: string; type: string }[] };
const all = describe.fields.map((f) => f.name);
const bulkFields = describe.fields
  .filter((f) => f.type !== 'address' && f.type !== 'location')
  .map((f) => f.name);

/** rows per wall second, rows per CPU second of the org (this process), MiB/s */
type Rate = [number, number, number];

async function bulk(encoding: string): Promise<Rate> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const job = (await (
    await fetch(`${org.url}/services/data/v64.0/jobs/query`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ operation: 'queryAll', query: `SELECT ${bulkFields.join(', ')} FROM Account` }),
    })
  ).json()) as { id: string };
  for (;;) {
    const s = (await (
      await fetch(`${org.url}/services/data/v64.0/jobs/query/${job.id}`, { headers: auth })
    ).json()) as {
      state: string;
    };
    if (s.state === 'JobComplete') break;
  }
  let locator = '';
  let bytes = 0;
  let n = 0;
  for (;;) {
    const res = await get(
      `${org.url}/services/data/v64.0/jobs/query/${job.id}/results${locator ? `?locator=${locator}` : ''}`,
      { ...auth, 'accept-encoding': encoding },
    );
    bytes += res.bytes;
    n += Number(res.headers['sforce-numberofrecords']);
    locator = String(res.headers['sforce-locator'] ?? 'null');
    if (locator === 'null') break;
  }
  const s = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  return [n / s, n / ((cpu.user + cpu.system) / 1e6), bytes / s / 1048576];
}

async function rest(): Promise<Rate> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let url = `/services/data/v64.0/queryAll?q=${encodeURIComponent(`SELECT ${all.join(', ')} FROM Account`)}`;
  let n = 0;
  let bytes = 0;
  for (;;) {
    const res = await get(org.url + url, { ...auth, 'accept-encoding': 'identity' });
    bytes += res.bytes;
    // the page head carries totalSize, done and nextRecordsUrl; records are counted from totalSize
    const m = /"totalSize":(\d+),"done":(true|false)(?:,"nextRecordsUrl":"([^"]+)")?/.exec(res.head);
    if (!m) throw new Error(`unexpected page: ${res.head}`);
    const total = Number(m[1]);
    if (m[2] === 'true' || !m[3]) {
      n = total;
      break;
    }
    url = m[3];
  }
  const s = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  return [n / s, n / ((cpu.user + cpu.system) / 1e6), bytes / s / 1048576];
}

const fmt = (name: string, fields: number, [wall, cpu, mib]: Rate, note: string) =>
  console.log(
    `${name.padEnd(20)} ${rows} Account rows x ${fields} fields: ${Math.round(wall)} rows/s wall, ${Math.round(cpu)} rows per CPU-second (${mib.toFixed(1)} MiB/s${note})`,
  );

fmt('bulk 2.0 csv', bulkFields.length, await bulk('identity'), '');
fmt('bulk 2.0 csv gzip', bulkFields.length, await bulk('gzip'), ' compressed');
fmt('rest json', all.length, await rest(), ', 2000-row pages');
await org.close();
rmSync(dir, { recursive: true, force: true });
