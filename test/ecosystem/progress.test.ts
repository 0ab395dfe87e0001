import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { describeStream, formatDuration, formatInt, type MetricPoint, Progress } from '../../src/progress.js';

function capture() {
  const sink = new PassThrough();
  const lines: Array<Record<string, unknown>> = [];
  sink.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line));
  });
  return { logger: createLogger({ destination: sink, pretty: false, level: 'debug' }), lines };
}

describe('progress', () => {
  it('logs periodic lines with percent and ETA when the total is known, and counts records in METRIC counters', () => {
    let now = 0;
    const { logger, lines } = capture();
    const metrics: MetricPoint[] = [];
    const progress = new Progress({
      logger,
      live: false,
      intervalSeconds: 10,
      now: () => now,
      emitMetric: (p) => metrics.push(p),
    });
    progress.streamStarted('Account', 'REST');
    now = 5_000;
    progress.records('Account', 500, 2000);
    expect(lines).toHaveLength(0);
    now = 10_000;
    progress.records('Account', 500, 2000);
    expect(lines.at(-1)?.msg).toBe('Account: 1,000 of 2,000 rows (50.0%), 100 rows/s, ETA 10s');
    expect(metrics).toEqual([
      { type: 'counter', metric: 'record_count', value: 1000, tags: { endpoint: 'Account' } },
    ]);
    now = 20_000;
    progress.records('Account', 1000);
    progress.streamFinished('Account');
    expect(metrics.at(-1)).toMatchObject({ metric: 'record_count', value: 1000 });
    progress.request({ label: 'query', status: 200, durationMs: 123.4, attempt: 1 });
    expect(metrics.at(-1)).toEqual({
      type: 'timer',
      metric: 'http_request_duration',
      value: 0.123,
      tags: { endpoint: 'query', http_status_code: 200, status: 'succeeded' },
    });
    const summary = progress.summarize({ callsThisRun: 7, orgUsed: 1200, orgMax: 15000 });
    expect(summary).toMatchObject({ rows: 2000, apiCallsThisRun: 7, orgRemaining: 13800 });
    expect(summary.streams).toEqual([{ stream: 'Account', rows: 2000, seconds: 20, runner: 'REST' }]);
    expect(String(lines.at(-1)?.msg)).toContain('13,800 of 15,000 remaining');
  });

  it('logs metrics as METRIC lines on the logger by default', () => {
    const { logger, lines } = capture();
    const progress = new Progress({ logger, live: false });
    progress.request({ label: 'describe', status: 500, durationMs: 10, attempt: 1 });
    const msg = String(lines[0]?.msg);
    expect(msg.startsWith('METRIC: ')).toBe(true);
    expect(JSON.parse(msg.slice(8))).toMatchObject({
      metric: 'http_request_duration',
      tags: { status: 'failed' },
    });
  });

  it('draws a live line on a terminal and clears it', async () => {
    const out = Object.assign(new PassThrough(), { isTTY: true, columns: 80 });
    let text = '';
    out.on('data', (c: Buffer) => {
      text += c.toString();
    });
    const { logger } = capture();
    const progress = new Progress({ logger, output: out, redrawMs: 5, metrics: false });
    progress.streamStarted('Contact');
    progress.records('Contact', 10, 100);
    await new Promise((r) => setTimeout(r, 30));
    progress.summarize();
    expect(text).toContain('Contact: 10 of 100 rows (10.0%)');
    expect(text).toContain('\x1b[2K');
    expect(text).toContain('total');
  });

  it('groups thousands with commas, as en-US does', () => {
    for (const n of [0, 7, 999, 1000, 15_000, 1_234_567, -1000, -999_999, 12.6, 1e15]) {
      expect(formatInt(n), String(n)).toBe(Math.round(n).toLocaleString('en-US'));
    }
  });

  it('formats durations and streams without a total', () => {
    expect(formatDuration(0.25)).toBe('250ms');
    expect(formatDuration(65)).toBe('1m05s');
    expect(formatDuration(7380)).toBe('2h03m');
    expect(describeStream({ stream: 'Lead', rows: 50, total: null, started: 0 }, 10_000)).toBe(
      'Lead: 50 rows, 5 rows/s',
    );
  });
});
