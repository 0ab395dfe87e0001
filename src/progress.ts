import type { Logger } from './log.js';
import type { ApiUsage, RequestEvent } from './salesforce/client.js';

/**
 * Per-stream progress on stderr, Singer metrics, and the end-of-run summary.
 *
 * The engine reports what it writes (`streamStarted`, `records`, `streamFinished`) and the client reports
 * each HTTP exchange (`request`, wired to `SalesforceClient`'s `onRequest`). Nothing here touches stdout.
 */

/** A Singer metric point, as singer-python and the Meltano SDK log them (`METRIC: {...}` on stderr). */
export interface MetricPoint {
  type: 'counter' | 'timer';
  metric: 'record_count' | 'http_request_duration';
  value: number;
  tags: Record<string, string | number>;
}

/** What the engine calls; `Progress` implements it, tests and quiet modes can pass a no-op. */
export interface ProgressSink {
  streamStarted(stream: string, runner?: string): void;
  /** `total`: the row count Salesforce announced for the query (REST `totalSize`, Bulk `numberRecordsProcessed`). */
  records(stream: string, count: number, total?: number): void;
  streamFinished(stream: string): void;
  request(event: RequestEvent): void;
}

export interface ProgressOptions {
  logger: Logger;
  /** Where the live line goes; stderr by default. */
  output?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** A redrawn status line (TTY) instead of periodic log lines. Default: the output is a TTY. */
  live?: boolean;
  /** Seconds between periodic progress log lines and record_count counters. Default 30. */
  intervalSeconds?: number;
  /** Live-line redraw interval. Default 250 ms. */
  redrawMs?: number;
  /** Where metric points go. Default: an info log line `METRIC: {...}` (debug while the live line is shown). */
  emitMetric?: (point: MetricPoint) => void;
  /** Emit metric points at all. Default true. */
  metrics?: boolean;
  now?: () => number;
}

export interface StreamSummary {
  stream: string;
  rows: number;
  seconds: number;
  runner?: string;
}

export interface RunSummary {
  streams: StreamSummary[];
  rows: number;
  seconds: number;
  apiCallsThisRun: number;
  orgUsed: number | null;
  orgMax: number | null;
  orgRemaining: number | null;
}

interface StreamProgress {
  stream: string;
  runner?: string;
  started: number;
  finished: number | null;
  rows: number;
  total: number | null;
  /** Rows not yet reported in a record_count counter. */
  uncounted: number;
  lastLogged: number;
}

export class Progress implements ProgressSink {
  private readonly streams = new Map<string, StreamProgress>();
  private readonly logger: Logger;
  private readonly output: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  private readonly live: boolean;
  private readonly intervalMs: number;
  private readonly emitMetricPoint: ((point: MetricPoint) => void) | null;
  private readonly now: () => number;
  private readonly started: number;
  private timer: NodeJS.Timeout | null = null;
  private liveShown = false;

  constructor(options: ProgressOptions) {
    this.logger = options.logger;
    this.output = options.output ?? process.stderr;
    this.live = options.live ?? this.output.isTTY === true;
    this.intervalMs = (options.intervalSeconds ?? 30) * 1000;
    this.now = options.now ?? Date.now;
    this.started = this.now();
    if (options.metrics === false) this.emitMetricPoint = null;
    else
      this.emitMetricPoint =
        options.emitMetric ??
        ((point) => {
          const line = `METRIC: ${JSON.stringify(point)}`;
          if (this.live) this.logger.debug(line);
          else this.logger.info(line);
        });
    if (this.live) {
      this.timer = setInterval(() => this.redraw(), options.redrawMs ?? 250);
      this.timer.unref();
    }
  }

  streamStarted(stream: string, runner?: string): void {
    const now = this.now();
    const existing = this.streams.get(stream);
    if (existing) {
      existing.finished = null;
      if (runner) existing.runner = runner;
      return;
    }
    this.streams.set(stream, {
      stream,
      runner,
      started: now,
      finished: null,
      rows: 0,
      total: null,
      uncounted: 0,
      lastLogged: now,
    });
  }

  records(stream: string, count: number, total?: number): void {
    let s = this.streams.get(stream);
    if (!s) {
      this.streamStarted(stream);
      s = this.streams.get(stream) as StreamProgress;
    }
    s.rows += count;
    s.uncounted += count;
    if (total !== undefined && Number.isFinite(total) && total >= 0) s.total = total;
    if (this.live) return;
    const now = this.now();
    if (now - s.lastLogged >= this.intervalMs) {
      s.lastLogged = now;
      this.logger.info({ stream, rows: s.rows, total: s.total ?? undefined }, describeStream(s, now));
      this.flushCounter(s);
    }
  }

  streamFinished(stream: string): void {
    const s = this.streams.get(stream);
    if (!s) return;
    const now = this.now();
    s.finished = now;
    this.flushCounter(s);
    this.clearLive();
    const seconds = (now - s.started) / 1000;
    // The engine logs each stream's count; this adds the rate for whoever runs at debug level.
    this.logger.debug(
      { stream, rows: s.rows, seconds: round(seconds, 1) },
      `${stream}: ${formatInt(s.rows)} rows in ${formatDuration(seconds)} (${formatInt(rate(s.rows, seconds))} rows/s)`,
    );
  }

  request(event: RequestEvent): void {
    if (!this.emitMetricPoint) return;
    this.emitMetricPoint({
      type: 'timer',
      metric: 'http_request_duration',
      value: round(event.durationMs / 1000, 3),
      tags: {
        endpoint: event.label,
        http_status_code: event.status ?? 0,
        status: event.status !== null && event.status < 400 ? 'succeeded' : 'failed',
      },
    });
  }

  /** Stops the live line and builds the run summary (without logging it). */
  finish(usage?: ApiUsage): RunSummary {
    this.stop();
    const now = this.now();
    for (const s of this.streams.values()) this.flushCounter(s);
    const streams = [...this.streams.values()].map((s) => ({
      stream: s.stream,
      rows: s.rows,
      seconds: round(((s.finished ?? now) - s.started) / 1000, 1),
      ...(s.runner ? { runner: s.runner } : {}),
    }));
    const orgUsed = usage?.orgUsed ?? null;
    const orgMax = usage?.orgMax ?? null;
    return {
      streams,
      rows: streams.reduce((sum, s) => sum + s.rows, 0),
      seconds: round((now - this.started) / 1000, 1),
      apiCallsThisRun: usage?.callsThisRun ?? 0,
      orgUsed,
      orgMax,
      orgRemaining: orgUsed !== null && orgMax !== null ? Math.max(0, orgMax - orgUsed) : null,
    };
  }

  /** Builds the summary and logs it: one structured line, plus a small table when a person is watching. */
  summarize(usage?: ApiUsage): RunSummary {
    const summary = this.finish(usage);
    // A person at a terminal gets the table; logs get one structured line.
    if (this.live) {
      this.output.write(`${formatSummary(summary)}\n`);
      this.logger.debug({ summary }, summaryLine(summary));
    } else {
      this.logger.info({ summary }, summaryLine(summary));
    }
    return summary;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.clearLive();
  }

  private flushCounter(s: StreamProgress): void {
    if (!this.emitMetricPoint || s.uncounted === 0) return;
    const value = s.uncounted;
    s.uncounted = 0;
    this.emitMetricPoint({ type: 'counter', metric: 'record_count', value, tags: { endpoint: s.stream } });
  }

  private redraw(): void {
    const now = this.now();
    const active = [...this.streams.values()].filter((s) => s.finished === null);
    if (active.length === 0) {
      this.clearLive();
      return;
    }
    const width = Math.max(40, (this.output.columns ?? 120) - 1);
    const text = active.map((s) => describeStream(s, now)).join(' | ');
    // Erase the line, draw, and return the cursor to column 0 so a log line written next replaces it.
    this.output.write(`\x1b[2K\r${text.length > width ? `${text.slice(0, width - 1)}…` : text}\r`);
    this.liveShown = true;
  }

  private clearLive(): void {
    if (!this.liveShown) return;
    this.output.write('\x1b[2K\r');
    this.liveShown = false;
  }
}

/** `Account: 12,345 of 50,000 rows (24.7%), 4,321 rows/s, ETA 9s` */
export function describeStream(
  s: { stream: string; rows: number; total: number | null; started: number },
  now: number,
): string {
  const seconds = Math.max((now - s.started) / 1000, 0.001);
  const perSecond = rate(s.rows, seconds);
  const parts = [`${s.stream}: ${formatInt(s.rows)}`];
  if (s.total !== null && s.total > 0) {
    const done = Math.min(s.rows / s.total, 1);
    parts[0] += ` of ${formatInt(s.total)} rows (${(done * 100).toFixed(1)}%)`;
    parts.push(`${formatInt(perSecond)} rows/s`);
    if (perSecond > 0 && s.rows < s.total)
      parts.push(`ETA ${formatDuration((s.total - s.rows) / perSecond)}`);
  } else {
    parts[0] += ' rows';
    parts.push(`${formatInt(perSecond)} rows/s`);
  }
  return parts.join(', ');
}

export function summaryLine(summary: RunSummary): string {
  const streams = summary.streams.map((s) => `${s.stream}=${s.rows}`).join(' ');
  const quota =
    summary.orgRemaining !== null
      ? `, ${formatInt(summary.orgRemaining)} of ${formatInt(summary.orgMax ?? 0)} remaining for the org today`
      : '';
  return (
    `sync done: ${summary.streams.length} stream${summary.streams.length === 1 ? '' : 's'}, ` +
    `${formatInt(summary.rows)} rows in ${formatDuration(summary.seconds)}` +
    `${streams ? ` (${streams})` : ''}; API calls: ${formatInt(summary.apiCallsThisRun)} this run${quota}`
  );
}

/** A small table for a person at a terminal (and for the demo). */
export function formatSummary(summary: RunSummary): string {
  const nameWidth = Math.max(6, ...summary.streams.map((s) => s.stream.length));
  const lines = [`${'stream'.padEnd(nameWidth)}  ${'rows'.padStart(10)}  ${'time'.padStart(8)}`];
  for (const s of summary.streams) {
    lines.push(
      `${s.stream.padEnd(nameWidth)}  ${formatInt(s.rows).padStart(10)}  ${formatDuration(s.seconds).padStart(8)}`,
    );
  }
  lines.push(
    `${'total'.padEnd(nameWidth)}  ${formatInt(summary.rows).padStart(10)}  ${formatDuration(summary.seconds).padStart(8)}`,
  );
  let api = `API calls used by this run: ${formatInt(summary.apiCallsThisRun)}`;
  if (summary.orgRemaining !== null) {
    api += `; remaining for the org today: ${formatInt(summary.orgRemaining)} of ${formatInt(summary.orgMax ?? 0)}`;
  }
  lines.push(api);
  return lines.join('\n');
}

export function formatInt(n: number): string {
  // Not toLocaleString: its first call loads ICU's number data, ~30 ms at the end of every run.
  return String(Math.round(n)).replace(/\B(?=(\d{3})+$)/g, ',');
}

/** `850ms`, `9s`, `1m05s`, `2h03m` */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  if (seconds < 60) return `${seconds < 10 ? round(seconds, 1) : Math.round(seconds)}s`;
  const total = Math.round(seconds);
  if (total < 3600) return `${Math.floor(total / 60)}m${String(total % 60).padStart(2, '0')}s`;
  return `${Math.floor(total / 3600)}h${String(Math.floor((total % 3600) / 60)).padStart(2, '0')}m`;
}

function rate(rows: number, seconds: number): number {
  return seconds > 0 ? rows / seconds : 0;
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
