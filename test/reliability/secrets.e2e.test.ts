/**
 * Secrets never reach stdout or stderr: the CLI runs through its modes (discover, REST and BULK sync,
 * --test, Mage's flags with logs on stdout), every login flow, and failures (refused credentials, exhausted
 * retries, quota stops, expired sessions, signals), all at LOG_LEVEL trace, against a strict org that only
 * accepts this suite's distinctive client_secret, refresh_token, password and security_token. All captured
 * output is searched for those values and for any access token the org issued.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Org } from '../../org/index.js';
import { type RunOptions, runTap, type TapRun, writeTempFiles } from '../helpers/tap.js';
import { orgConfig } from '../sync/helpers.js';
import {
  ACCESS_TOKEN_PREFIX,
  type Catalog,
  CLIENT_ID,
  captured,
  discover,
  expectNoSecrets,
  FAST,
  SECRETS,
  startStrictOrg,
} from './harness.js';

// CLI runs under a loaded machine (two cores, parallel files) take a while; the bounds that matter are asserted.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

const TRACE = { LOG_LEVEL: 'trace' };
const RETRY = { max_attempts: 2, retry_backoff_base_ms: 1, retry_backoff_max_ms: 2 };

let org: Org;
let catalog: Catalog;
const outputs: Array<{ name: string; run: TapRun }> = [];

beforeAll(async () => {
  org = await startStrictOrg({ seed: 41, records: { Account: 120 }, pageSize: 50 });
  catalog = await discover(org, ['Account', 'NoStamp__c']);
});
afterAll(() => org.close());

const oauth = (extra: Record<string, unknown> = {}) => orgConfig(org, { ...FAST, ...extra });
const password = (extra: Record<string, unknown> = {}) => {
  const { client_id: _id, client_secret: _secret, refresh_token: _token, ...rest } = oauth();
  return {
    ...rest,
    username: 'integration@example.com',
    password: SECRETS.password,
    security_token: SECRETS.security_token,
    api_version: '64.0',
    ...extra,
  };
};

async function tap(
  name: string,
  config: Record<string, unknown>,
  mode: 'discover' | 'sync' | 'test' | string[],
  options: { faults?: Parameters<Org['setFaults']>[0]; onLine?: RunOptions['onLine'] } = {},
): Promise<TapRun> {
  const f = writeTempFiles({ 'config.json': config, 'catalog.json': catalog });
  const args = Array.isArray(mode)
    ? mode
    : mode === 'discover'
      ? ['--config', f['config.json'] as string, '--discover']
      : mode === 'test'
        ? ['--config', f['config.json'] as string, '--test']
        : ['--config', f['config.json'] as string, '--catalog', f['catalog.json'] as string];
  if (options.faults) org.setFaults(options.faults);
  try {
    const run = await runTap(args, { env: TRACE, onLine: options.onLine });
    outputs.push({ name, run });
    captured.push(run.stdout, run.stderr);
    return run;
  } finally {
    org.setFaults({ errorRate: 0, expireTokenAfterCalls: null, quotaExhausted: false });
  }
}

describe('secrets in the output', () => {
  it('the secrets are really in use: the strict org refuses anything else', async () => {
    const good = await tap('refresh-token discover', oauth(), 'discover');
    expect(good.code, good.stderr).toBe(0);
    const bad = await tap('wrong client secret', oauth({ client_secret: 'cs-not-it' }), 'discover');
    expect(bad.code).toBe(1);
  });

  it('every mode, flow and failure at LOG_LEVEL trace', async () => {
    let signalled = false;
    const cases: Array<
      [string, Record<string, unknown>, Parameters<typeof tap>[2], Parameters<typeof tap>[3]?]
    > = [
      ['REST sync', oauth(), 'sync'],
      ['BULK sync', oauth({ api_type: 'BULK' }), 'sync'],
      ['--test', oauth(), 'test'],
      ['SOAP password login sync', password(), 'sync'],
      [
        'OAuth password grant discover',
        password({ client_id: CLIENT_ID, client_secret: SECRETS.client_secret }),
        'discover',
      ],
      [
        'client-credentials discover',
        {
          ...password(),
          username: undefined,
          password: undefined,
          security_token: undefined,
          client_id: CLIENT_ID,
          client_secret: SECRETS.client_secret,
        },
        'discover',
      ],
      ['refused refresh token', oauth({ refresh_token: `${SECRETS.refresh_token}-revoked` }), 'sync'],
      ['refused password', password({ password: `${SECRETS.password}x` }), 'discover'],
      ['--test with a refused secret', oauth({ client_secret: `${SECRETS.client_secret}x` }), 'test'],
      ['retries exhausted on 5xx', oauth(RETRY), 'sync', { faults: { errorRate: 1 } }],
      ['session expiring every call', oauth(), 'sync', { faults: { expireTokenAfterCalls: 1 } }],
      ['REQUEST_LIMIT_EXCEEDED', oauth(), 'sync', { faults: { quotaExhausted: true } }],
      ['quota guard', oauth({ quota_percent_per_run: 0.01 }), 'sync'],
      [
        'SIGTERM mid-sync',
        oauth({ threshold: 10 }),
        'sync',
        {
          onLine: (line, child) => {
            if (line.includes('"RECORD"') && child.signalCode === null && !signalled) {
              signalled = true;
              child.kill('SIGTERM');
            }
          },
        },
      ],
      ['Mage test connection', oauth(), ['--config_json', JSON.stringify(oauth()), '--test_connection']],
      [
        'Mage discover with logs on stdout',
        oauth(),
        ['--config_json', JSON.stringify(oauth()), '--discover', '--log_to_stdout', '1'],
      ],
      [
        'Mage with a refused secret',
        oauth(),
        ['--config_json', JSON.stringify(oauth({ client_secret: 'cs-bad' })), '--test_connection'],
      ],
    ];
    for (const [name, config, mode, options] of cases) {
      const run = await tap(name, config, mode, options);
      expectNoSecrets(run.stdout, `stdout of ${name}`);
      expectNoSecrets(run.stderr, `stderr of ${name}`);
    }
    // The runs did reach the org and did fail where meant to: the search had something to search.
    const codes = Object.fromEntries(outputs.map((o) => [o.name, o.run.code]));
    expect(codes['REST sync']).toBe(0);
    expect(codes['SOAP password login sync']).toBe(0);
    expect(codes['refused refresh token']).toBe(1);
    expect(codes['retries exhausted on 5xx']).toBe(1);
    expect(codes.REQUEST_LIMIT_EXCEEDED).toBe(2);
    expect(codes['SIGTERM mid-sync']).toBe(130);
    expect(outputs.reduce((n, o) => n + o.run.stderr.length, 0)).toBeGreaterThan(10_000);
  });

  it('nothing captured by this file holds a secret or an access token', () => {
    const all = captured.join('\n');
    expect(all.length).toBeGreaterThan(0);
    expectNoSecrets(all, 'the captured output');
    expect(all).not.toContain(ACCESS_TOKEN_PREFIX);
  });
});
