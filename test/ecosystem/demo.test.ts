import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE, ROOT } from '../helpers/tap.js';
import { checkSingerOutput } from './singer-check.js';

describe('npm run demo', () => {
  it('runs discover, a sync into .demo/ and an incremental sync, and says where the output went', async () => {
    const started = Date.now();
    const run = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      // No Singer target on PATH: the demo writes .demo/output.jsonl.
      const child = spawn(NODE, [join(ROOT, 'dist', 'scripts', 'demo.js')], {
        cwd: ROOT,
        env: { PATH: dirname(NODE), HOME: process.env.HOME },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
      });
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(run.code, run.stderr.slice(-3000)).toBe(0);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(run.stderr).toContain('Output: .demo/output.jsonl');
    expect(run.stderr).toMatch(/API calls: \d+ this run/);
    const first = checkSingerOutput(readFileSync(join(ROOT, '.demo', 'output.jsonl'), 'utf8'));
    expect(first.problems).toEqual([]);
    expect(first.counts.RECORD).toBe(9000);
    const second = checkSingerOutput(readFileSync(join(ROOT, '.demo', 'output-2.jsonl'), 'utf8'));
    expect(second.problems).toEqual([]);
    expect(second.counts.RECORD).toBeGreaterThanOrEqual(50);
    expect(second.counts.RECORD).toBeLessThan(200);
  }, 120_000);
});
