import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, REDACTED, registerSecret, scrub } from '../src/log.js';
import { runTap, writeTempFiles } from './helpers/tap.js';

/** A logger writing into an array of parsed JSON lines. */
function capture(level = 'trace') {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  const logger = createLogger({ level, destination });
  return { logger, text: () => lines.join('\n'), lines };
}

describe('logger', () => {
  it('writes JSON lines with level and message, honouring the level', () => {
    const { logger, lines } = capture('info');
    logger.debug('hidden');
    logger.info({ stream: 'Account' }, 'syncing');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ level: 30, msg: 'syncing', stream: 'Account' });
  });
});

describe('redaction in log lines', () => {
  const token = '00D5g000004abcd!AQ0AQKx.secret-access-token-value';

  it.each<[string, (l: ReturnType<typeof capture>['logger']) => void, string]>([
    [
      'Authorization header object',
      (l) => l.info({ headers: { Authorization: `Bearer ${token}` } }, 'request'),
      token,
    ],
    [
      'authorization (lower case)',
      (l) => l.info({ req: { headers: { authorization: `Bearer ${token}` } } }, 'x'),
      token,
    ],
    ['access_token field', (l) => l.info({ access_token: token }, 'token'), token],
    ['accessToken field', (l) => l.info({ session: { accessToken: token } }, 'token'), token],
    [
      'refresh_token field',
      (l) => l.info({ refresh_token: '5Aep861-refresh-value' }, 'token'),
      '5Aep861-refresh-value',
    ],
    [
      'client_secret in config object',
      (l) => l.info({ config: { client_secret: 'cs-value-123' } }, 'c'),
      'cs-value-123',
    ],
    ['password field', (l) => l.info({ auth: { password: 'pw-value-123' } }, 'c'), 'pw-value-123'],
    ['security_token field', (l) => l.info({ security_token: 'st-value-123' }, 'c'), 'st-value-123'],
    ['sessionId field', (l) => l.info({ sessionId: 'sid-value-1234' }, 'c'), 'sid-value-1234'],
    ['Bearer in a message', (l) => l.debug(`GET /sobjects with Authorization: Bearer ${token}`), token],
    ['Bearer in a format argument', (l) => l.debug('sent %s', `Bearer ${token}`), token],
    [
      'SOAP login response body',
      (l) =>
        l.trace(
          `<soapenv:Body><loginResponse><result><sessionId>${token}</sessionId></result></loginResponse></soapenv:Body>`,
        ),
      token,
    ],
    [
      'SOAP login request body',
      (l) =>
        l.trace(
          '<n1:login><n1:username>u@x.com</n1:username><n1:password>pw-and-token-XYZ</n1:password></n1:login>',
        ),
      'pw-and-token-XYZ',
    ],
    [
      'token request form body',
      (l) =>
        l.trace('grant_type=refresh_token&client_id=abc&client_secret=form-secret-1&refresh_token=form-rt-2'),
      'form-secret-1',
    ],
    [
      'token response JSON text',
      (l) => l.trace(`{"access_token":"${token}","instance_url":"https://x.my.salesforce.com"}`),
      token,
    ],
    ['Bulk 1.0 session header', (l) => l.trace(`X-SFDC-Session: ${token}`), token],
    ['error object', (l) => l.error({ err: new Error(`refused Bearer ${token}`) }, 'failed'), token],
  ])('%s', (_name, write, secret) => {
    const log = capture();
    write(log.logger);
    const text = log.text();
    expect(text).not.toContain(secret);
    expect(text).toContain(REDACTED);
  });

  it('scrubs a registered secret wherever it appears in a message', () => {
    registerSecret('registered-secret-42');
    const log = capture();
    log.logger.warn('the server said: registered-secret-42 is wrong');
    log.logger.warn({ err: new Error('echo registered-secret-42') }, 'failed');
    expect(log.text()).not.toContain('registered-secret-42');
  });

  it('ignores values too short to be secrets, so ordinary words survive', () => {
    registerSecret('abc');
    expect(scrub('abc def')).toBe('abc def');
  });
});

describe('redaction in error text', () => {
  it.each([
    ['Authorization: Bearer 00Dxx!AQ.tok', 'Authorization: Bearer [redacted]'],
    ['<sessionId>00Dxx!AQ.sid</sessionId>', '<sessionId>[redacted]</sessionId>'],
    ['<urn:sessionId>00Dxx!AQ.sid</urn:sessionId>', '<urn:sessionId>[redacted]</urn:sessionId>'],
    ['refresh_token=5Aep&client_secret=abc', 'refresh_token=[redacted]&client_secret=[redacted]'],
    ['{"refresh_token": "5Aep861"}', '{"refresh_token": "[redacted]"}'],
  ])('%j → %j', (input, output) => {
    expect(scrub(input)).toBe(output);
  });
});

// ---------------------------------------------------------------------------------------------------------
// End to end: the built CLI against a loopback server that echoes secrets back in its errors.

const SECRETS = {
  client_secret: 'e2e-client-secret-7f3a',
  refresh_token: 'e2e-refresh-token-91bc',
  password: 'e2e-password-55aa',
  security_token: 'e2e-security-token-66bb',
  access_token: '00DE2E000000001!AQ.e2e-access-token-value',
  session_id: '00DE2E000000002!AQ.e2e-soap-session-value',
};

let server: Server;
let base = '';
let scenario: 'token-refused' | 'api-echo' = 'token-refused';

function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
  const url = req.url ?? '';
  if (url.startsWith('/services/oauth2/token')) {
    if (scenario === 'token-refused') {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: 'invalid_grant',
          error_description: `refresh token ${SECRETS.refresh_token} for secret ${SECRETS.client_secret} rejected; body was ${body}`,
        }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        access_token: SECRETS.access_token,
        refresh_token: SECRETS.refresh_token,
        instance_url: base,
        id: `${base}/id/00D/005`,
        token_type: 'Bearer',
        issued_at: String(Date.now()),
        signature: 'sig',
      }),
    );
    return;
  }
  if (url.startsWith('/services/Soap/u/')) {
    res.writeHead(200, { 'content-type': 'text/xml' });
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com"><soapenv:Body><loginResponse><result><passwordExpired>false</passwordExpired><sandbox>false</sandbox><serverUrl>${base}/services/Soap/u/64.0/00DE2E</serverUrl><sessionId>${SECRETS.session_id}</sessionId><userId>005E2E000000001</userId><userInfo><organizationId>00DE2E000000001</organizationId><userId>005E2E000000001</userId></userInfo></result></loginResponse></soapenv:Body></soapenv:Envelope>`,
    );
    return;
  }
  // Every API call fails, echoing the request's credentials the way a misbehaving proxy might.
  res.writeHead(400, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify([
      {
        errorCode: 'INVALID_OPERATION',
        message: `refused Authorization: ${req.headers.authorization ?? ''} <sessionId>${SECRETS.session_id}</sessionId>`,
      },
    ]),
  );
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => handle(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function expectNoSecrets(text: string): void {
  for (const [name, value] of Object.entries(SECRETS)) {
    expect(text, `${name} leaked`).not.toContain(value);
  }
}

describe('the CLI never prints configured secrets', () => {
  const fast = { max_attempts: 1, retry_backoff_base_ms: 0, request_timeout_seconds: 10 };

  it('given a refused refresh token echoed back, then stderr has one scrubbed line and no secret', async () => {
    scenario = 'token-refused';
    const files = writeTempFiles({
      'config.json': {
        client_id: 'e2e-client-id',
        client_secret: SECRETS.client_secret,
        refresh_token: SECRETS.refresh_token,
        domain: base,
        ...fast,
      },
    });
    const run = await runTap(['--config', files['config.json']!, '--discover'], {
      env: { LOG_LEVEL: 'trace' },
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^tap-salesforce: .*invalid_grant/m);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expectNoSecrets(run.stderr);
  });

  it('given an API that echoes the bearer token, then neither logs nor the error show it', async () => {
    scenario = 'api-echo';
    const files = writeTempFiles({
      'config.json': {
        client_id: 'e2e-client-id',
        client_secret: SECRETS.client_secret,
        refresh_token: SECRETS.refresh_token,
        domain: base,
        ...fast,
      },
    });
    const run = await runTap(['--config', files['config.json']!, '--discover'], {
      env: { LOG_LEVEL: 'trace' },
    });
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^tap-salesforce: /m);
    expectNoSecrets(run.stderr);
  });

  it('given a SOAP password login and an API that echoes the session id, then neither shows', async () => {
    scenario = 'api-echo';
    const files = writeTempFiles({
      'config.json': {
        username: 'e2e@example.com',
        password: SECRETS.password,
        security_token: SECRETS.security_token,
        domain: base,
        ...fast,
      },
    });
    const run = await runTap(['--config', files['config.json']!, '--discover'], {
      env: { LOG_LEVEL: 'trace' },
    });
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe('');
    expectNoSecrets(run.stderr);
  });

  it('given a config error, then the secret values in the file are not echoed', async () => {
    const files = writeTempFiles({
      'config.json': {
        client_id: 'e2e-client-id',
        client_secret: SECRETS.client_secret,
        refresh_token: SECRETS.refresh_token,
        password: SECRETS.password,
        security_token: SECRETS.security_token,
      },
    });
    const run = await runTap(['--config', files['config.json']!, '--discover'], {
      env: { LOG_LEVEL: 'trace' },
    });
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expectNoSecrets(run.stderr);
  });
});
