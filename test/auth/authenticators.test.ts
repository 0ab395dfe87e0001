import {
  chmodSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuthSettings } from '../../src/config.js';
import { AuthError, ConfigError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import {
  createAuthenticator,
  saveRotatedToken,
  TokenClient,
  tokenServiceUrl,
} from '../../src/salesforce/auth.js';
import { SalesforceClient } from '../../src/salesforce/client.js';

for (const key of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[key];

interface Seen {
  url: string;
  body: string;
}
type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

let server: Server | undefined;
afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

/** A loopback server; `respond(n, …)` answers the n-th request (1-based). */
async function serve(respond: (n: number, url: string) => Handler): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  let base = '';
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      seen.push({ url: req.url ?? '', body });
      respond(seen.length, base)(req, res, body);
    });
  });
  await new Promise<void>((done) => server?.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  return { url: base, seen };
}

const json =
  (status: number, body: unknown): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

const token = (url: string, access: string, refresh?: string) =>
  json(200, {
    access_token: access,
    instance_url: url,
    id: `${url}/id/00D000000000001/005000000000001`,
    token_type: 'Bearer',
    issued_at: '1700000000000',
    signature: 'sig',
    scope: 'api refresh_token',
    ...(refresh ? { refresh_token: refresh } : {}),
  });

function capture() {
  const lines: string[] = [];
  const logger = createLogger({
    destination: new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    }),
    pretty: false,
    level: 'debug',
  });
  return { logger, text: () => lines.join('') };
}

function tempConfig(content: Record<string, unknown>, mode = 0o600): string {
  const dir = mkdtempSync(join(tmpdir(), 'tap-sf-auth-'));
  const path = join(dir, 'config.json');
  writeFileSync(path, `${JSON.stringify(content, null, 4)}\n`);
  chmodSync(path, mode);
  return path;
}

function client(url: string, auth: AuthSettings, configPath: string | null = null) {
  const { logger, text } = capture();
  const authenticator = createAuthenticator({
    auth,
    loginUrl: url,
    apiVersion: '64.0',
    http: { timeoutMs: 2000 },
    configPath,
    logger,
  });
  const sf = new SalesforceClient({
    authenticator,
    apiVersion: '64.0',
    http: { timeoutMs: 2000, maxAttempts: 3, backoffBaseMs: 1, backoffMaxMs: 2 },
    logger,
  });
  return { sf, authenticator, logs: text };
}

const REFRESH: AuthSettings = {
  flow: 'refresh_token',
  clientId: 'client-id-1',
  clientSecret: 'client-secret-xyz',
  refreshToken: 'refresh-token-original',
};

describe('refresh-token flow', () => {
  it('given a valid token, when connecting, then posts the refresh grant and uses instance_url', async () => {
    const { url, seen } = await serve((_n, base) => token(base, 'access-1'));
    const { sf } = client(url, REFRESH);
    await sf.connect();
    expect(sf.instanceUrl).toBe(url);
    expect(sf.accessToken).toBe('access-1');
    expect(seen[0]?.url).toBe('/services/oauth2/token');
    const params = new URLSearchParams(seen[0]?.body);
    expect(params.get('grant_type')).toBe('refresh_token');
    expect(params.get('refresh_token')).toBe('refresh-token-original');
    expect(params.get('client_secret')).toBe('client-secret-xyz');
    expect(params.has('code_verifier')).toBe(false);
  });

  it('given a revoked token, when connecting, then fails with one line naming flow, host and hint', async () => {
    const { url } = await serve(() =>
      json(400, { error: 'invalid_grant', error_description: 'expired access/refresh token' }),
    );
    const { sf } = client(url, REFRESH);
    const error = await sf.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    const message = (error as Error).message;
    expect(message).toBe(
      `authentication failed (OAuth refresh-token flow at ${url}): invalid_grant: expired access/refresh token — the refresh token was revoked, expired by policy or idle time, or already used after a rotation; run tap-salesforce auth again`,
    );
    expect(message).not.toContain('\n');
    expect(message).not.toContain('refresh-token-original');
    expect(message).not.toContain('client-secret-xyz');
  });

  it('given a token endpoint outage, when connecting, then retries and succeeds', async () => {
    const { url, seen } = await serve((n, base) =>
      n === 1 ? json(503, '<html>down</html>') : token(base, 'access-2'),
    );
    const { sf, logs } = client(url, REFRESH);
    await sf.connect();
    expect(sf.accessToken).toBe('access-2');
    expect(seen).toHaveLength(2);
    expect(logs()).toContain('retrying');
  });

  it('given rotation on every refresh, then each refresh sends the latest token and the file keeps the newest', async () => {
    const path = tempConfig(
      { client_id: 'client-id-1', refresh_token: 'refresh-token-original', domain: 'x' },
      0o640,
    );
    const { url, seen } = await serve((n, base) => token(base, `access-${n}`, `refresh-token-rotated-${n}`));
    const { authenticator, logs } = client(url, REFRESH, path);
    await authenticator.login();
    await authenticator.refresh();
    await authenticator.refresh();
    const sent = seen.map((s) => new URLSearchParams(s.body).get('refresh_token'));
    expect(sent).toEqual(['refresh-token-original', 'refresh-token-rotated-1', 'refresh-token-rotated-2']);
    const saved = JSON.parse(readFileSync(path, 'utf8'));
    expect(saved).toEqual({
      client_id: 'client-id-1',
      refresh_token: 'refresh-token-rotated-3',
      domain: 'x',
    });
    // Formatting kept (4-space indent), mode kept, no temp file left behind.
    expect(readFileSync(path, 'utf8')).toContain('\n    "refresh_token": "refresh-token-rotated-3"');
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(readdirSync(join(path, '..'))).toEqual(['config.json']);
    const text = logs();
    expect(text).toContain(`rotated the refresh token; the new token was saved to ${path}`);
    expect(text).not.toContain('refresh-token-rotated');
  });
});

describe('saveRotatedToken', () => {
  it('given a read-only folder, then warns that it could not save, without the token', async () => {
    const path = tempConfig({ refresh_token: 'refresh-token-old' });
    const dir = join(path, '..');
    chmodSync(dir, 0o500);
    const { logger, text } = capture();
    try {
      const saved = await saveRotatedToken(path, 'refresh-token-old', 'refresh-token-new-secret', logger);
      if (process.getuid?.() === 0) return; // root writes anywhere
      expect(saved).toBe(false);
      expect(text()).toContain('could not be saved');
      expect(text()).not.toContain('refresh-token-new-secret');
      expect(JSON.parse(readFileSync(path, 'utf8')).refresh_token).toBe('refresh-token-old');
    } finally {
      chmodSync(dir, 0o700);
    }
  });

  it('given a config path that is a symlink, then rewrites the file it points to and keeps the link', async () => {
    const path = tempConfig({ refresh_token: 'refresh-token-old', client_id: 'c' });
    const link = join(path, '..', 'link.json');
    symlinkSync(path, link);
    const { logger } = capture();
    expect(await saveRotatedToken(link, 'refresh-token-old', 'refresh-token-new', logger)).toBe(true);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(path, 'utf8')).refresh_token).toBe('refresh-token-new');
  });

  it('given no config file, then warns that the token was not saved', async () => {
    const { logger, text } = capture();
    expect(await saveRotatedToken(null, 'a-old-token', 'a-new-token-value', logger)).toBe(false);
    expect(text()).toContain('not saved');
    expect(text()).not.toContain('a-new-token-value');
  });

  it('given a file whose token changed meanwhile, then still writes the new token', async () => {
    const path = tempConfig({ refresh_token: 'someone-else', client_id: 'c' });
    const { logger } = capture();
    expect(await saveRotatedToken(path, 'refresh-token-old', 'refresh-token-new', logger)).toBe(true);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({
      refresh_token: 'refresh-token-new',
      client_id: 'c',
    });
  });
});

describe('client-credentials flow', () => {
  const CC: AuthSettings = { flow: 'client_credentials', clientId: 'cc-id', clientSecret: 'cc-secret-value' };

  it('given a My Domain, then posts the client_credentials grant, and runs it again on refresh', async () => {
    const { url, seen } = await serve((n, base) => token(base, `cc-access-${n}`));
    const { authenticator } = client(url, CC);
    expect((await authenticator.login()).accessToken).toBe('cc-access-1');
    expect((await authenticator.refresh()).accessToken).toBe('cc-access-2');
    for (const s of seen) expect(new URLSearchParams(s.body).get('grant_type')).toBe('client_credentials');
  });

  it('given login.salesforce.com, then refuses before any call', () => {
    const { logger } = capture();
    expect(() =>
      createAuthenticator({
        auth: CC,
        loginUrl: 'https://login.salesforce.com',
        apiVersion: '64.0',
        http: { timeoutMs: 1000 },
        configPath: null,
        logger,
      }),
    ).toThrow(ConfigError);
  });

  it('given a wrong secret, then fails with invalid_client and the hint', async () => {
    const { url } = await serve(() =>
      json(400, { error: 'invalid_client', error_description: 'invalid client credentials' }),
    );
    const { sf } = client(url, CC);
    await expect(sf.connect()).rejects.toThrow(
      `authentication failed (OAuth client-credentials flow at ${url}): invalid_client: invalid client credentials — check client_secret (the Consumer Secret)`,
    );
  });
});

describe('password flow', () => {
  const SOAP: AuthSettings = {
    flow: 'password',
    username: 'u@x.com',
    password: 'pass-word-1',
    securityToken: 'TOKEN123',
  };

  const soapOk =
    (url: string): Handler =>
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        `<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><loginResponse><result><passwordExpired>false</passwordExpired><serverUrl>${url}/services/Soap/u/64.0/00D</serverUrl><sessionId>00D!session-abc</sessionId><userId>005000000000001</userId><userInfo><organizationId>00D000000000001</organizationId></userInfo></result></loginResponse></soapenv:Body></soapenv:Envelope>`,
      );
    };
  const soapFault: Handler = (_req, res) => {
    res.writeHead(500, { 'content-type': 'text/xml' });
    res.end(
      '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>sf:INVALID_LOGIN</faultcode><faultstring>INVALID_LOGIN: Invalid username, password, security token; or user locked out.</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>',
    );
  };

  it('given no client id, then logs in with SOAP at the configured version, password + token', async () => {
    const { url, seen } = await serve((_n, base) => soapOk(base));
    const { sf, logs } = client(url, SOAP);
    await sf.connect();
    expect(sf.accessToken).toBe('00D!session-abc');
    expect(sf.instanceUrl).toBe(url);
    expect(seen[0]?.url).toBe('/services/Soap/u/64.0');
    expect(seen[0]?.body).toContain('<password>pass-word-1TOKEN123</password>');
    expect(logs()).toContain("retires in Summer '27");
  });

  it('given a SOAP fault, then fails with one line and the fault', async () => {
    const { url } = await serve(() => soapFault);
    const { sf } = client(url, SOAP);
    const error = (await sf.connect().catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(AuthError);
    expect(error.message).toBe(
      `authentication failed (SOAP login at ${url}): INVALID_LOGIN: Invalid username, password, security token; or user locked out. — check username, password and security_token (needed from outside the trusted IP ranges)`,
    );
  });

  it('given api_version above 64.0 and no client id, then refuses with a config error', () => {
    const { logger } = capture();
    expect(() =>
      createAuthenticator({
        auth: SOAP,
        loginUrl: 'https://login.salesforce.com',
        apiVersion: '66.0',
        http: { timeoutMs: 1000 },
        configPath: null,
        logger,
      }),
    ).toThrow(/SOAP login\(\), which Salesforce serves only up to 64.0/);
  });

  it('given a client id and secret, then uses the OAuth password grant even above 64.0', async () => {
    const { url, seen } = await serve((_n, base) => token(base, 'pw-access'));
    const { logger } = capture();
    const authenticator = createAuthenticator({
      auth: { ...SOAP, clientId: 'pw-id', clientSecret: 'pw-secret-value' },
      loginUrl: url,
      apiVersion: '66.0',
      http: { timeoutMs: 1000 },
      configPath: null,
      logger,
    });
    expect(authenticator.description).toBe(`OAuth username-password flow at ${url}`);
    expect((await authenticator.login()).accessToken).toBe('pw-access');
    const params = new URLSearchParams(seen[0]?.body);
    expect(params.get('grant_type')).toBe('password');
    expect(params.get('password')).toBe('pass-word-1TOKEN123');
  });
});

describe('token endpoint', () => {
  it('posts each grant with the parameters jsforce sends, in its order, form-encoded', async () => {
    const { url, seen } = await serve((_n, base) => token(base, 'access'));
    const tokens = new TokenClient({
      loginUrl: url,
      clientId: 'id 1',
      clientSecret: 'secret&=1',
      timeoutMs: 1000,
    });
    await tokens.refreshToken('refresh+token/1');
    await tokens.clientCredentials();
    await tokens.password('user@example.com', 'pass word&1');
    expect(seen.map((s) => s.url)).toEqual(Array(3).fill('/services/oauth2/token'));
    expect(seen.map((s) => [...new URLSearchParams(s.body).entries()])).toEqual([
      [
        ['grant_type', 'refresh_token'],
        ['refresh_token', 'refresh+token/1'],
        ['client_id', 'id 1'],
        ['client_secret', 'secret&=1'],
      ],
      [
        ['grant_type', 'client_credentials'],
        ['client_id', 'id 1'],
        ['client_secret', 'secret&=1'],
      ],
      [
        ['grant_type', 'password'],
        ['username', 'user@example.com'],
        ['password', 'pass word&1'],
        ['client_id', 'id 1'],
        ['client_secret', 'secret&=1'],
      ],
    ]);
  });

  it('builds the token URL as jsforce does: a path in the login URL is kept', () => {
    expect(tokenServiceUrl('https://login.salesforce.com')).toBe(
      'https://login.salesforce.com/services/oauth2/token',
    );
    expect(tokenServiceUrl('https://acme.my.salesforce.com/')).toBe(
      'https://acme.my.salesforce.com/services/oauth2/token',
    );
    expect(tokenServiceUrl('http://127.0.0.1:8080/org/')).toBe(
      'http://127.0.0.1:8080/org/services/oauth2/token',
    );
  });
});
