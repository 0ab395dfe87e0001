/**
 * Shared set-up for the fault-injection suite: a strict simulated org that only accepts this suite's
 * distinctive credentials, CLI runs whose output is checked for those secrets, record-set comparison, a
 * seeded random source, and a tampering proxy for faults the org cannot produce on its own.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { type Org, type OrgOptions, startOrg } from '../../org/index.js';
import { ORG_ID } from '../../org/state.js';
import type { RunOptions, TapRun } from '../helpers/tap.js';
import {
  discoverCatalog,
  type Message,
  recordsOf,
  type SyncFiles,
  sync,
  syncFiles,
} from '../sync/helpers.js';

export type Row = Record<string, unknown>;
export type Catalog = Awaited<ReturnType<typeof discoverCatalog>>;

/** Credentials no other text would contain by chance; the strict org accepts only these. */
export const SECRETS = {
  client_secret: 'cs-RELIABILITY-7f3a9c1e5b',
  refresh_token: 'rt-RELIABILITY-2d8e4b6f0a',
  password: 'pw-RELIABILITY-9c1b3e5d7f',
  security_token: 'st-RELIABILITY-4a6c8e0b2d',
} as const;
export const CLIENT_ID = 'reliability-client';
/** Every access token the simulated org issues starts with this (see org/state.ts nextToken). */
export const ACCESS_TOKEN_PREFIX = `${ORG_ID}!AQEAQ`;

/** The credential keys of the refresh-token flow, for configs. */
export const OAUTH = {
  client_id: CLIENT_ID,
  client_secret: SECRETS.client_secret,
  refresh_token: SECRETS.refresh_token,
};

/** The named objects of the simulated org (the generated filler objects are left out). */
export const OBJECTS = [
  'Account',
  'AccountFeed',
  'AccountHistory',
  'AccountShare',
  'Case',
  'Contact',
  'CreatedOnly__c',
  'Everything__History',
  'Everything__Share',
  'Everything__c',
  'Group',
  'Lead',
  'NoStamp__c',
  'Opportunity',
  'OpportunityFieldHistory',
  'RecentlyViewed',
  'Task',
  'User',
  'Wide__c',
];

/** A strict org (only this suite's credentials log in) without the 900 filler objects. */
export function startStrictOrg(options: OrgOptions = {}): Promise<Org> {
  return startOrg({
    extraObjects: 0,
    strict: {
      clientId: CLIENT_ID,
      clientSecret: SECRETS.client_secret,
      refreshToken: SECRETS.refresh_token,
      username: 'integration@example.com',
      password: SECRETS.password,
      securityToken: SECRETS.security_token,
    },
    ...options,
  });
}

/** Config keys every run of this suite uses: the strict credentials and quick retries. */
export const FAST = {
  ...OAUTH,
  max_attempts: 8,
  retry_backoff_base_ms: 2,
  retry_backoff_max_ms: 20,
  request_timeout_seconds: 10,
};

export function discover(org: Org, streams: string[], extra: Record<string, unknown> = {}): Promise<Catalog> {
  return discoverCatalog(org, streams, { ...FAST, ...extra });
}

export function files(org: Org, catalog: unknown, extra: Record<string, unknown> = {}): SyncFiles {
  return syncFiles(org, catalog, { ...FAST, ...extra });
}

/** Output of every run of this file, searched for secrets at the end of the file's tests. */
export const captured: string[] = [];

/** Fails when `text` holds a configured secret or an access token the org issued. */
export function expectNoSecrets(text: string, where = 'output'): void {
  for (const [key, value] of Object.entries(SECRETS)) {
    expect(text.includes(value), `${key} appears in ${where}`).toBe(false);
  }
  expect(text.includes(ACCESS_TOKEN_PREFIX), `an access token appears in ${where}`).toBe(false);
}

/** A sync through the CLI; its stdout and stderr are kept and checked for secrets. */
export async function run(f: SyncFiles, state?: unknown, options: RunOptions = {}): Promise<TapRun> {
  const result = await sync(f, state, options);
  captured.push(result.stdout, result.stderr);
  expectNoSecrets(result.stdout, 'stdout');
  expectNoSecrets(result.stderr, 'stderr');
  return result;
}

/** Lines of stdout as they came, the last one only when it is complete. */
export function completeLines(stdout: string): string[] {
  const lines = stdout.split('\n');
  lines.pop();
  return lines;
}

/** Every complete stdout line is one JSON object (never a half-written line). */
export function expectWholeLines(stdout: string): Message[] {
  expect(stdout === '' || stdout.endsWith('\n'), 'stdout ends inside a line').toBe(true);
  return completeLines(stdout).map((l) => JSON.parse(l) as Message);
}

/** The tap's own error lines on stderr (`tap-salesforce: …`). */
export function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('tap-salesforce: '));
}

/** No stack trace anywhere on stderr. */
export function expectNoStack(stderr: string): void {
  expect(stderr).not.toMatch(/\n\s+at [^\n]+:\d+:\d+/);
  expect(stderr).not.toMatch(/\bat (async )?[\w.<>]+ \(/);
  expect(errorLines(stderr).join('\n')).not.toContain('unexpected error');
}

/** Warning lines on stderr whose message matches. */
export function warnings(stderr: string, pattern: RegExp): string[] {
  return stderr.split('\n').filter((l) => {
    if (!l.startsWith('{')) return false;
    const entry = JSON.parse(l) as { level?: number; msg?: string };
    return entry.level === 40 && pattern.test(entry.msg ?? '');
  });
}

export function lastMessage(messages: Message[]): Message | undefined {
  return messages[messages.length - 1];
}

/** `stream:Id` → the record's JSON, for comparing whole record sets. */
export function recordSet(messages: Message[]): Map<string, string> {
  const set = new Map<string, string>();
  for (const m of messages) {
    if (m.type !== 'RECORD') continue;
    const record = m.record as Row;
    set.set(`${m.stream as string}:${record.Id as string}`, JSON.stringify(sorted(record)));
  }
  return set;
}

function sorted(record: Row): Row {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Records of `messages` grouped by `stream:Id` with how often each came. */
export function recordCounts(messages: Message[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of messages) {
    if (m.type !== 'RECORD') continue;
    const key = `${m.stream as string}:${(m.record as Row).Id as string}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Every row of the org's `streams` (deleted rows too, as queryAll returns them) as `stream:Id`. */
export function orgRowKeys(org: Org, streams: string[]): Set<string> {
  const keys = new Set<string>();
  for (const stream of streams) {
    for (const row of org.rows(stream, { includeDeleted: true })) keys.add(`${stream}:${row.Id as string}`);
  }
  return keys;
}

/** A seeded generator (the org's mulberry32), so every random choice of the suite can be replayed. */
export { prng as seeded } from '../../org/util.js';
export { recordsOf };

export interface Exchange {
  method: string;
  path: string;
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Changes an answer of the org on its way to the tap; return it unchanged to pass it through. */
export type Tamper = (exchange: Exchange) => Exchange;

export interface TamperProxy {
  url: string;
  close(): Promise<void>;
}

/**
 * A loopback proxy in front of the org that lets a test rewrite answers: bodies are read whole (the tap is
 * asked for plain, uncompressed bodies), the org's URL is replaced by the proxy's in every body (so the
 * instance_url from the token endpoint points here too), then `tamper` may change status, headers or body.
 */
export async function startProxy(org: Org, tamper: Tamper): Promise<TamperProxy> {
  let self = '';
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === 'string' && !['host', 'accept-encoding', 'content-length', 'connection'].includes(k))
          headers[k] = v;
      }
      const body = Buffer.concat(chunks);
      fetch(`${org.url}${req.url ?? '/'}`, {
        method: req.method,
        headers,
        body: body.length > 0 ? body : undefined,
      })
        .then(async (answer) => {
          const out: Record<string, string> = {};
          answer.headers.forEach((v, k) => {
            if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(k))
              out[k] = v;
          });
          const text = Buffer.from(await answer.arrayBuffer())
            .toString('latin1')
            .split(org.url)
            .join(self);
          const exchange = tamper({
            method: req.method ?? 'GET',
            path: req.url ?? '/',
            status: answer.status,
            headers: out,
            body: Buffer.from(text, 'latin1'),
          });
          res.writeHead(exchange.status, { ...exchange.headers, 'content-length': exchange.body.length });
          res.end(exchange.body);
        })
        .catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  self = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: self,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
