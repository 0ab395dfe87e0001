/** Shared set-up for the sync end-to-end tests: an org, a config, a discovered catalog with chosen streams selected. */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { Org } from '../../org/index.js';
import { BIN, NODE, ROOT, runTap, type TapRun, writeTempFiles } from '../helpers/tap.js';

// jsforce and fetch must talk to the loopback org directly.
for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[name];

export type Message = Record<string, unknown>;

export function orgConfig(org: Org, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    domain: org.url,
    client_id: 'test-client-id',
    client_secret: 'test-client-secret',
    refresh_token: 'test-refresh-token',
    api_type: 'REST',
    start_date: '2000-01-01T00:00:00Z',
    select_fields_by_default: true,
    threshold: 100,
    lookback_window: 0,
    max_attempts: 6,
    retry_backoff_base_ms: 5,
    retry_backoff_max_ms: 50,
    ...extra,
  };
}

interface CatalogLike {
  streams: Array<{
    tap_stream_id: string;
    metadata: Array<{ breadcrumb: string[]; metadata: Record<string, unknown> }>;
    schema: { properties?: Record<string, unknown> };
  }>;
}

/** Runs discovery for `streams` and selects them (root metadata `selected: true`). */
export async function discoverCatalog(
  org: Org,
  streams: string[],
  configExtra: Record<string, unknown> = {},
): Promise<CatalogLike> {
  const files = writeTempFiles({ 'config.json': orgConfig(org, { ...configExtra, streams }) });
  // The catalog is pretty-printed JSON, not Singer lines: read stdout whole.
  const { stdout } = await promisify(execFile)(
    NODE,
    [BIN, '--config', files['config.json'] as string, '--discover'],
    {
      cwd: ROOT,
      maxBuffer: 256 * 1024 * 1024,
    },
  );
  const catalog = JSON.parse(stdout) as CatalogLike;
  for (const stream of catalog.streams) {
    const root = stream.metadata.find((m) => m.breadcrumb.length === 0);
    if (root && streams.includes(stream.tap_stream_id)) root.metadata.selected = true;
  }
  return catalog;
}

export interface SyncFiles {
  config: string;
  catalog: string;
  dir: string;
}

export function syncFiles(org: Org, catalog: unknown, configExtra: Record<string, unknown> = {}): SyncFiles {
  const files = writeTempFiles({ 'config.json': orgConfig(org, configExtra), 'catalog.json': catalog });
  const config = files['config.json'] as string;
  return { config, catalog: files['catalog.json'] as string, dir: config.replace(/\/config\.json$/, '') };
}

/** Runs a sync; `state` (a value) is written to a file and passed with --state. */
export function sync(
  files: SyncFiles,
  state?: unknown,
  options: Parameters<typeof runTap>[1] = {},
): Promise<TapRun> {
  const args = ['--config', files.config, '--catalog', files.catalog];
  if (state !== undefined) {
    const path = writeTempFiles({ 'state.json': state })['state.json'] as string;
    args.push('--state', path);
  }
  return runTap(args, options);
}

export function recordsOf(messages: Message[], stream?: string): Array<Record<string, unknown>> {
  return messages
    .filter((m) => m.type === 'RECORD' && (stream === undefined || m.stream === stream))
    .map((m) => m.record as Record<string, unknown>);
}

export function lastState(messages: Message[]): unknown {
  const states = messages.filter((m) => m.type === 'STATE');
  return states.length > 0 ? (states[states.length - 1] as Message).value : undefined;
}

export function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

export interface RawRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** Complete stdout lines, parsed; a line cut short by a kill is dropped. */
  messages: Message[];
  ms: number;
}

/** Runs the CLI like runTap, but tolerates a last line cut short (the tap was killed) and times the run. */
export function runRaw(
  args: string[],
  onMessage?: (message: Message, child: ChildProcess) => void,
  env: Record<string, string> = {},
): Promise<RawRun> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(NODE, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'info', ...env },
    });
    const messages: Message[] = [];
    let pending = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const message = JSON.parse(pending.slice(0, newline)) as Message;
        pending = pending.slice(newline + 1);
        messages.push(message);
        onMessage?.(message, child);
        newline = pending.indexOf('\n');
      }
    });
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr, messages, ms: Date.now() - started });
    });
  });
}

export function syncArgs(files: SyncFiles, state?: unknown): string[] {
  const args = ['--config', files.config, '--catalog', files.catalog];
  if (state !== undefined) {
    args.push('--state', writeTempFiles({ 'state.json': state })['state.json'] as string);
  }
  return args;
}
