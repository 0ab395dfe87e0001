// Each way into the org, through the built CLI against the simulated org in strict mode. Requires `npm run build`.
import { chmodSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runTap, writeTempFiles } from '../helpers/tap.js';

for (const key of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[key];
const { startOrg } = await import('../../org/index.js');
type Org = Awaited<ReturnType<typeof startOrg>>;

const STRICT = {
  clientId: 'flow-client-id',
  clientSecret: 'flow-client-secret-3',
  refreshToken: 'flow-refresh-token-3',
  username: 'etl@example.com',
  password: 'flow-pass-word-3',
  securityToken: 'SECTOKEN33',
};
const SECRETS = [STRICT.clientSecret, STRICT.refreshToken, STRICT.password, STRICT.securityToken];

let org: Org | undefined;
afterEach(async () => {
  await org?.close();
  org = undefined;
});

async function start(options: { rotateRefreshTokens?: boolean } = {}): Promise<Org> {
  org = await startOrg({ strict: STRICT, extraObjects: 0, ...options });
  return org;
}

function configFile(settings: Record<string, unknown>, mode?: number): string {
  const path = writeTempFiles({
    'config.json': { streams: ['Account'], retry_backoff_base_ms: 5, retry_backoff_max_ms: 20, ...settings },
  })['config.json'] as string;
  if (mode !== undefined) chmodSync(path, mode);
  return path;
}

async function discover(path: string, env: Record<string, string> = {}) {
  const { code, stdout, stderr } = await runTap(['--config', path, '--discover'], { env });
  return { code, stdout, stderr };
}

/** An auth failure ends with exit 1 and one line: no stack trace, no secret. */
function expectOneLineFailure(run: { code: number | null; stdout: string; stderr: string }, pattern: RegExp) {
  expect(run.code).toBe(1);
  expect(run.stdout).toBe('');
  const lines = run.stderr.split('\n').filter((l) => l.startsWith('tap-salesforce:'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  for (const secret of SECRETS) expect(run.stderr).not.toContain(secret);
}

const oauth = (url: string) => ({
  domain: url,
  client_id: STRICT.clientId,
  client_secret: STRICT.clientSecret,
  refresh_token: STRICT.refreshToken,
});
const password = (url: string) => ({
  domain: url,
  username: STRICT.username,
  password: STRICT.password,
  security_token: STRICT.securityToken,
});

describe('refresh-token flow', () => {
  it('given valid credentials, then discovers', async () => {
    const { url } = await start();
    const run = await discover(configFile(oauth(url)));
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).streams[0].tap_stream_id).toBe('Account');
  });

  it('given a wrong client secret, then exit 1 with one line naming the flow, host and answer', async () => {
    const { url } = await start();
    const run = await discover(configFile({ ...oauth(url), client_secret: 'wrong-secret-value' }));
    expectOneLineFailure(
      run,
      new RegExp(
        `authentication failed \\(OAuth refresh-token flow at ${url}\\): invalid_client: invalid client credentials — check client_secret`,
      ),
    );
    expect(run.stderr).not.toContain('wrong-secret-value');
  });

  it('given a revoked refresh token, then exit 1 telling to run auth again', async () => {
    const { url } = await start();
    const run = await discover(configFile({ ...oauth(url), refresh_token: 'some-other-refresh-token' }));
    expectOneLineFailure(
      run,
      /invalid_grant: expired access\/refresh token — .*run tap-salesforce auth again/,
    );
    expect(run.stderr).not.toContain('some-other-refresh-token');
  });

  it('given rotation, then the config file gets the new token atomically, keeps its mode, and the next run uses it', async () => {
    const { url } = await start({ rotateRefreshTokens: true });
    const path = configFile(oauth(url), 0o640);
    const first = await discover(path);
    expect(first.code, first.stderr).toBe(0);
    const saved = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    expect(saved.refresh_token).toEqual(expect.any(String));
    expect(saved.refresh_token).not.toBe(STRICT.refreshToken);
    expect(saved.client_id).toBe(STRICT.clientId);
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(readdirSync(dirname(path))).toEqual(['config.json']);
    expect(first.stderr).toContain(
      `Salesforce rotated the refresh token; the new token was saved to ${path}`,
    );
    expect(first.stderr).not.toContain(String(saved.refresh_token));
    expect(first.stdout).not.toContain(String(saved.refresh_token));

    // The old token is now revoked: the second run only works with the saved one.
    const second = await discover(path);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(readFileSync(path, 'utf8')).refresh_token).not.toBe(saved.refresh_token);
  });
});

describe('password flow', () => {
  it('given username, password and security token, then logs in with SOAP and discovers', async () => {
    const { url } = await start();
    org?.resetStats();
    // jsforce would print its debug lines to stdout with this set.
    const run = await discover(configFile({ ...password(url), api_version: '64.0' }), {
      JSFORCE_LOG_LEVEL: 'DEBUG',
    });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).streams).toHaveLength(1);
    expect(run.stderr).toContain("retires in Summer '27");
    expect(Object.keys(org?.stats().requests ?? {}).some((k) => /soap/i.test(k))).toBe(true);
  });

  it('given a wrong password, then exit 1 with the SOAP fault in one line', async () => {
    const { url } = await start();
    const run = await discover(
      configFile({ ...password(url), password: 'not-the-password', api_version: '64.0' }),
    );
    expectOneLineFailure(run, new RegExp(`authentication failed \\(SOAP login at ${url}\\): INVALID_LOGIN`));
    expect(run.stderr).not.toContain('not-the-password');
  });

  it('given a client id and secret too, then uses the OAuth password grant', async () => {
    const { url } = await start();
    org?.resetStats();
    const run = await discover(
      configFile({ ...password(url), client_id: STRICT.clientId, client_secret: STRICT.clientSecret }),
    );
    expect(run.code, run.stderr).toBe(0);
    expect(org?.stats().requests['oauth.token']).toBe(1);
  });

  it('given the OAuth password grant and a wrong password, then exit 1 with invalid_grant', async () => {
    const { url } = await start();
    const run = await discover(
      configFile({
        ...password(url),
        password: 'not-the-password',
        client_id: STRICT.clientId,
        client_secret: STRICT.clientSecret,
      }),
    );
    expectOneLineFailure(
      run,
      new RegExp(
        `authentication failed \\(OAuth username-password flow at ${url}\\): invalid_grant: authentication failure`,
      ),
    );
  });
});

describe('client-credentials flow', () => {
  const cc = (url: string) => ({
    domain: url,
    client_id: STRICT.clientId,
    client_secret: STRICT.clientSecret,
  });

  it('given client id and secret on a My Domain, then discovers', async () => {
    const { url } = await start();
    const run = await discover(configFile(cc(url)));
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).streams).toHaveLength(1);
  });

  it('given a wrong secret, then exit 1 with one line', async () => {
    const { url } = await start();
    const run = await discover(configFile({ ...cc(url), client_secret: 'wrong-secret-value' }));
    expectOneLineFailure(
      run,
      new RegExp(`authentication failed \\(OAuth client-credentials flow at ${url}\\): invalid_client`),
    );
  });

  it('given a session that expires, then runs the grant again', async () => {
    const { url } = await start();
    org?.setFaults({ expireTokenAfterCalls: 1 });
    org?.resetStats();
    const run = await discover(configFile(cc(url)));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('session expired; refreshed');
    expect(org?.stats().requests['oauth.token']).toBe(2);
  });
});
