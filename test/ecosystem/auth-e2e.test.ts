import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Org, startOrg } from '../../org/index.js';
import { BIN, NODE, ROOT, runTap, writeTempFiles } from '../helpers/tap.js';

const CLIENT_ID = 'e2e-client-id';
const CLIENT_SECRET = 'e2e-client-secret-42';

/** Runs `tap-salesforce auth`, and plays the browser: fetch the printed URL, following the redirect to the callback. */
function authorize(args: string[]): Promise<{ code: number | null; stderr: string; page: Response | null }> {
  return new Promise((resolve) => {
    const child = spawn(NODE, [BIN, 'auth', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let browsing: Promise<Response> | null = null;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const url = /^\s+(http\S+\/services\/oauth2\/authorize\S+)$/m.exec(stderr)?.[1];
      if (url && !browsing) browsing = fetch(url);
    });
    child.stdout.resume();
    child.on('close', async (code) => resolve({ code, stderr, page: browsing ? await browsing : null }));
  });
}

describe('tap-salesforce auth, end to end against the org', () => {
  let org: Org;
  beforeAll(async () => {
    org = await startOrg({
      records: { Account: 10 },
      strict: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
    });
  });
  afterAll(() => org?.close());

  it('gets a refresh token through the authorize endpoint and the loopback callback; --test then passes', async () => {
    const files = writeTempFiles({ 'config.json': { start_date: '2024-01-01T00:00:00Z' } });
    const configPath = files['config.json'] as string;
    const run = await authorize([
      '--client-id',
      CLIENT_ID,
      '--client-secret',
      CLIENT_SECRET,
      '--domain',
      org.url,
      '--config',
      configPath,
      '--port',
      '0',
      '--no-open',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.page?.status).toBe(200);
    expect(org.stats().requests.authorize).toBe(1);
    const config = JSON.parse(readFileSync(configPath, 'utf8'));
    expect(config).toMatchObject({
      start_date: '2024-01-01T00:00:00Z',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      domain: org.url,
    });
    expect(typeof config.refresh_token).toBe('string');
    expect(statSync(configPath).mode & 0o777).toBe(0o600);
    expect(run.stderr).not.toContain(CLIENT_SECRET);
    expect(run.stderr).not.toContain(config.refresh_token);

    const test = await runTap(['--config', configPath, '--test']);
    expect(test.code, test.stderr).toBe(0);
    expect(test.stdout).toBe('');
    expect(test.stderr.trim().split('\n')).toHaveLength(1);
    expect(test.stderr).toMatch(/^OK: connected to http:\/\/127\.0\.0\.1:\d+ with API v[\d.]+/);
  });

  it('explains a wrong client secret without printing it', async () => {
    const files = writeTempFiles({ 'config.json': {} });
    const run = await authorize([
      '--client-id',
      CLIENT_ID,
      '--client-secret',
      'not-the-secret-99',
      '--domain',
      org.url,
      '--config',
      files['config.json'] as string,
      '--port',
      '0',
      '--no-open',
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/invalid_client/);
    expect(run.stderr).not.toContain('not-the-secret-99');
  });
});

describe('--test', () => {
  let org: Org;
  beforeAll(async () => {
    org = await startOrg({
      strict: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, refreshToken: 'good-token' },
    });
  });
  afterAll(() => org?.close());

  it('fails in one line, within seconds, for a refused refresh token', async () => {
    const files = writeTempFiles({
      'config.json': {
        domain: org.url,
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        refresh_token: 'revoked-token',
      },
    });
    const started = Date.now();
    const run = await runTap(['--config', files['config.json'] as string, '--test']);
    expect(run.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^FAILED: /);
    expect(run.stderr).not.toContain(CLIENT_SECRET);
  });

  it('fails within its deadline when nothing answers', async () => {
    const files = writeTempFiles({
      'config.json': { domain: 'http://127.0.0.1:9', client_id: 'x', client_secret: 'y', refresh_token: 'z' },
    });
    const started = Date.now();
    const run = await runTap(['--config', files['config.json'] as string, '--test']);
    expect(run.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(run.stderr).toMatch(/^FAILED: /);
  });
});
