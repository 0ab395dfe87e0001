/*
 * During a Bulk sync the main thread's heap is small (~10 MB) and V8, left to its defaults, keeps collecting
 * it in full: ~10 collections for 300 000 Account rows, one every 60–150 ms. The tap changes when V8 starts
 * marking (csv-lines-thread.ts); this counts the main thread's full collections through the real CLI.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Org, startOrg } from '../../org/index.js';
import { BIN, NODE, ROOT } from '../helpers/tap.js';
import { discoverCatalog, syncFiles } from '../sync/helpers.js';

const ROWS = 300_000;
let org: Org;

beforeAll(async () => {
  org = await startOrg({ seed: 3, records: { Account: ROWS }, dailyApiLimit: 100_000_000 });
});

afterAll(async () => {
  await org?.close();
});

/** Runs a sync under `--trace-gc`; V8's trace lines share stdout with the Singer messages. */
async function traceSync(
  config: string,
  catalog: string,
): Promise<{ code: number | null; traces: string[] }> {
  const child = spawn(NODE, ['--trace-gc', BIN, '--config', config, '--catalog', catalog], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const traces: string[] = [];
  for await (const line of createInterface({ input: child.stdout })) {
    if (line.startsWith('[')) traces.push(line);
  }
  const code = await new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', resolve);
  });
  return { code, traces };
}

it('does not collect the main thread’s heap in full over and over during a Bulk sync', async () => {
  const catalog = await discoverCatalog(org, ['Account'], { api_type: 'BULK' });
  const files = syncFiles(org, catalog, { api_type: 'BULK' });
  const { code, traces } = await traceSync(files.config, files.catalog);
  expect(code).toBe(0);
  // `[pid:isolate] 123 ms: Scavenge ...`: the main thread's isolate is the first to report.
  const isolate = /^\[\d+:(0x[0-9a-f]+)\]/.exec(traces[0] ?? '')?.[1];
  expect(isolate).toBeDefined();
  const full = traces.filter((line) => line.includes(`:${isolate}]`) && line.includes('Mark-Compact'));
  expect(full.length).toBeLessThanOrEqual(4);
}, 120_000);
