// Runs the built CLI as a child process, the way a user's orchestrator would, and measures it:
// wall time, peak RSS (from the probe preloaded into the child, plus /proc sampling while it runs),
// bytes of Singer output, and the row count from the tap's end-of-run summary line.

import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ProbeReport } from './probe.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'tap-salesforce');
/** The project's Node (the `node` devDependency), whatever node is first on PATH. */
export const NODE = join(ROOT, 'node_modules', '.bin', 'node');
const PROBE = join(ROOT, 'dist', 'bench', 'probe.js');

/** Where the tap's stdout goes. */
export type Sink =
  | { kind: 'devnull' }
  /** A pipe read as fast as the bench can; `keep` keeps all of stdout (e.g. a catalog), not just the tail. */
  | { kind: 'pipe'; keep?: boolean }
  /** A pipe read at a fixed rate: the consumer is slower than the tap, so the tap must wait on backpressure. */
  | { kind: 'slow'; mbPerSecond: number };

export interface TapRunOptions {
  args: string[];
  sink: Sink;
  /** A folder for `--cpu-prof` output; no profiling when absent. */
  cpuProfDir?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Scratch folder for the probe file. */
  workDir: string;
}

export interface TapRunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  wallMs: number;
  /** Peak RSS of the child in MiB (probe's maxRSS; the /proc sample if the probe did not report). */
  peakRssMb: number;
  /** Highest VmRSS seen by sampling /proc while the child ran, MiB (a cross-check, and for killed children). */
  sampledRssMb: number;
  /** Bytes of Singer output (counted on the pipe, or wchar minus stderr bytes for /dev/null). */
  stdoutBytes: number;
  /** Rows the tap reports in its end-of-run summary (null when it did not log one). */
  rows: number | null;
  /** The tap's API call count from its summary line. */
  tapApiCalls: number | null;
  cpuMs: number | null;
  stderr: string;
  /** On pipe sinks the last ~2 MB of stdout (enough for the final STATE), or all of it with `keep`; else null. */
  stdoutTail: string | null;
  /** Time the slow consumer spent waiting on purpose, ms. */
  throttledMs: number;
  /** The child's memory breakdown at exit (from the probe). */
  memoryAtExit: ProbeReport['memory'] | null;
}

const TAIL_BYTES = 2 * 1024 * 1024;
let counter = 0;

export function runTap(options: TapRunOptions): Promise<TapRunResult> {
  mkdirSync(options.workDir, { recursive: true });
  const probeFile = join(options.workDir, `probe-${process.pid}-${++counter}.json`);
  rmSync(probeFile, { force: true });
  const nodeArgs = ['--import', PROBE];
  if (options.cpuProfDir) {
    mkdirSync(options.cpuProfDir, { recursive: true });
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`);
  }
  const devnull = options.sink.kind === 'devnull' ? openSync('/dev/null', 'w') : null;
  const started = performance.now();
  const child = spawn(NODE, [...nodeArgs, BIN, ...options.args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...options.env, BENCH_PROBE_FILE: probeFile },
    stdio: ['ignore', devnull ?? 'pipe', 'pipe'],
  });
  if (devnull !== null) closeSync(devnull);

  let stderr = '';
  let stderrBytes = 0;
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrBytes += chunk.length;
    // Keep the head and the tail: the summary is at the end; a long run logs many lines.
    stderr += chunk.toString('utf8');
    if (stderr.length > 4_000_000) stderr = stderr.slice(-2_000_000);
  });

  let stdoutBytes = 0;
  let throttledMs = 0;
  const tail: Buffer[] = [];
  let tailBytes = 0;
  const keepAll = options.sink.kind === 'pipe' && options.sink.keep === true;
  const keepTail = (chunk: Buffer): void => {
    tail.push(chunk);
    tailBytes += chunk.length;
    if (keepAll) return;
    while (tail.length > 1 && tailBytes - (tail[0]?.length ?? 0) >= TAIL_BYTES)
      tailBytes -= tail.shift()?.length ?? 0;
  };
  const sink = options.sink;
  if (child.stdout) {
    const out = child.stdout;
    if (sink.kind === 'slow') {
      const bytesPerMs = (sink.mbPerSecond * 1024 * 1024) / 1000;
      const t0 = performance.now();
      out.on('data', (chunk: Buffer) => {
        stdoutBytes += chunk.length;
        keepTail(chunk);
        const due = t0 + stdoutBytes / bytesPerMs;
        const wait = due - performance.now();
        if (wait > 1) {
          out.pause();
          throttledMs += wait;
          setTimeout(() => out.resume(), wait);
        }
      });
    } else {
      out.on('data', (chunk: Buffer) => {
        stdoutBytes += chunk.length;
        keepTail(chunk);
      });
    }
  }

  let sampledKb = 0;
  const sampler = setInterval(() => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
      if (match) sampledKb = Math.max(sampledKb, Number(match[1]));
    } catch {
      // exited
    }
  }, 100);

  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30 * 60_000);

  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const wallMs = performance.now() - started;
      clearInterval(sampler);
      clearTimeout(timer);
      let probe: ProbeReport | null = null;
      if (existsSync(probeFile)) {
        probe = JSON.parse(readFileSync(probeFile, 'utf8')) as ProbeReport;
        rmSync(probeFile, { force: true });
      }
      if (sink.kind === 'devnull' && probe?.wchar != null) stdoutBytes = probe.wchar - stderrBytes;
      const summary = findSummary(stderr);
      resolvePromise({
        code,
        signal,
        wallMs,
        peakRssMb: (probe?.maxRssKb ?? sampledKb) / 1024,
        sampledRssMb: sampledKb / 1024,
        stdoutBytes,
        rows: summary?.rows ?? null,
        tapApiCalls: summary?.apiCallsThisRun ?? null,
        cpuMs: probe ? probe.userCpuMs + probe.systemCpuMs : null,
        stderr,
        stdoutTail: tail.length > 0 ? Buffer.concat(tail).toString('utf8') : null,
        throttledMs,
        memoryAtExit: probe?.memory ?? null,
      });
    });
  });
}

interface Summary {
  rows: number;
  apiCallsThisRun: number;
}

/** The `{summary: {...}}` pino line the tap logs at the end of a sync. */
function findSummary(stderr: string): Summary | null {
  const lines = stderr.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i];
    if (!line?.includes('"summary"')) continue;
    try {
      const parsed = JSON.parse(line) as { summary?: Summary };
      if (parsed.summary && typeof parsed.summary.rows === 'number') return parsed.summary;
    } catch {
      // not a log line
    }
  }
  return null;
}

/** The value of the last STATE message in a captured stdout tail. */
export function lastState(stdout: string): unknown {
  const lines = stdout.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i];
    if (!line?.includes('"STATE"')) continue;
    try {
      const message = JSON.parse(line) as { type?: string; value?: unknown };
      if (message.type === 'STATE') return message.value;
    } catch {
      // the first line of a tail may be cut
    }
  }
  return null;
}
