import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'tap-salesforce');
/** The Node the project ships (>= 22), whatever node is first on PATH. */
export const NODE = join(ROOT, 'node_modules', '.bin', 'node');

export interface TapRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout parsed line by line; throws if any line is not JSON. */
  messages: Array<Record<string, unknown>>;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  input?: string;
  timeoutMs?: number;
  /** Called with each complete stdout line as it arrives (e.g. to kill the tap at a chosen point). */
  onLine?: (line: string, child: ReturnType<typeof spawn>) => void;
}

/** Runs the built CLI as a user would, on the project's Node. Requires `npm run build` first. */
export function runTap(args: string[], options: RunOptions = {}): Promise<TapRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(NODE, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'info', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      if (!options.onLine) return;
      pending += chunk;
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        options.onLine(pending.slice(0, newline), child);
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
      }
    });
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // Parsed on first use: a --discover run prints one pretty-printed JSON document, not JSON lines.
      resolvePromise({
        code,
        signal,
        stdout,
        stderr,
        get messages() {
          return parseLines(stdout);
        },
      });
    });
    child.stdin.end(options.input ?? '');
  });
}

export function parseLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line, i) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`stdout line ${i + 1} is not JSON: ${line.slice(0, 200)}`);
      }
    });
}

/** Writes JSON files into a fresh temp folder and returns their paths. */
export function writeTempFiles(files: Record<string, unknown>): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'tap-sf-'));
  const paths: Record<string, string> = {};
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    paths[name] = path;
  }
  return paths;
}
