// Smoke test of the benchmark harness at a tiny size: it runs, every row has its floor, the JSON is written.
// No timing assertions: the numbers of a 500-row run on a shared machine mean nothing.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE, ROOT } from '../helpers/tap.js';

interface Row {
  mode: string;
  sink: string;
  rows: number;
  floorS: number | null;
  ratio: number | null;
  peakRssMb: number | null;
  apiCalls: number;
}

describe('npm run bench harness', () => {
  it('given a tiny org, when the bench runs REST and BULK, then it writes a table with floors and ratios', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'tap-sf-bench-')), 'results.json');
    const run = spawnSync(
      NODE,
      [
        join(ROOT, 'dist', 'bench', 'run.js'),
        '--quick',
        '--only',
        'rest,bulk,slow',
        '--rows',
        '500',
        '--out',
        out,
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 240_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('| mode');
    const result = JSON.parse(readFileSync(out, 'utf8')) as { rows: Row[]; checks: unknown[] };
    const modes = result.rows.map((r) => `${r.mode}/${r.sink}`);
    expect(modes).toEqual(['rest full/devnull', 'rest full/slow', 'bulk full/devnull', 'bulk full/slow']);
    for (const row of result.rows) {
      expect(row.rows).toBe(500);
      expect(row.floorS).toBeGreaterThan(0);
      expect(row.ratio).toBeGreaterThan(0);
      expect(row.peakRssMb).toBeGreaterThan(0);
      expect(row.apiCalls).toBeGreaterThan(0);
    }
    expect(result.checks.length).toBeGreaterThan(0);
  }, 300_000);
});
