import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { base64url, loginUrlFor, runAuthCommand } from '../../src/auth-command.js';

/** A stand-in for Salesforce's authorize and token endpoints, checking PKCE the way Salesforce does. */
async function fakeSalesforce(): Promise<{ url: string; server: Server; tokenRequests: URLSearchParams[] }> {
  const challenges = new Map<string, { challenge: string; redirect: string }>();
  const tokenRequests: URLSearchParams[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/services/oauth2/authorize') {
      const q = url.searchParams;
      const code = `code-${challenges.size + 1}`;
      challenges.set(code, {
        challenge: q.get('code_challenge') ?? '',
        redirect: q.get('redirect_uri') ?? '',
      });
      const to = new URL(q.get('redirect_uri') ?? '');
      to.searchParams.set('code', code);
      to.searchParams.set('state', q.get('state') ?? '');
      res.writeHead(302, { Location: to.toString() }).end();
      return;
    }
    if (url.pathname === '/services/oauth2/token') {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        const p = new URLSearchParams(body);
        tokenRequests.push(p);
        const entry = challenges.get(p.get('code') ?? '');
        const verifier = p.get('code_verifier') ?? '';
        const ok =
          entry &&
          p.get('redirect_uri') === entry.redirect &&
          base64url(createHash('sha256').update(verifier).digest()) === entry.challenge &&
          p.get('client_secret') === 'shh-secret-123';
        res.writeHead(ok ? 200 : 400, { 'Content-Type': 'application/json' });
        res.end(
          JSON.stringify(
            ok
              ? { access_token: '00Dxx!token', refresh_token: '5Aep-refresh-token', instance_url: 'http://x' }
              : { error: 'invalid_grant', error_description: 'authentication failure' },
          ),
        );
      });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, server, tokenRequests };
}

function output() {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => {
    text += c.toString();
  });
  return { out, text: () => text };
}

let server: Server | null = null;
afterEach(() => {
  server?.close();
  server = null;
});

describe('auth command', () => {
  it('runs the PKCE flow through a loopback callback and writes the config with mode 600', async () => {
    const fake = await fakeSalesforce();
    server = fake.server;
    const dir = mkdtempSync(join(tmpdir(), 'tap-sf-auth-'));
    const configPath = join(dir, 'config.json');
    writeFileSync(configPath, JSON.stringify({ start_date: '2024-01-01T00:00:00Z', streams: ['Account'] }));
    const { out, text } = output();
    let browsed: Promise<Response> | null = null;
    const code = await runAuthCommand(
      [
        '--client-id',
        'my-client',
        '--client-secret',
        'shh-secret-123',
        '--domain',
        fake.url,
        '--config',
        configPath,
        '--port',
        '0',
      ],
      // The "browser": fetch the authorize URL and follow the redirect to the loopback callback.
      {
        out,
        openUrl: (url) => {
          browsed = fetch(url);
          return true;
        },
      },
    );
    expect(code).toBe(0);
    const page = await (browsed as unknown as Promise<Response>);
    expect(page.status).toBe(200);
    const written = JSON.parse(readFileSync(configPath, 'utf8'));
    expect(written).toEqual({
      start_date: '2024-01-01T00:00:00Z',
      streams: ['Account'],
      client_id: 'my-client',
      client_secret: 'shh-secret-123',
      refresh_token: '5Aep-refresh-token',
      domain: fake.url,
    });
    expect(statSync(configPath).mode & 0o777).toBe(0o600);
    expect(text()).not.toContain('shh-secret-123');
    expect(text()).not.toContain('5Aep-refresh-token');
    const request = fake.tokenRequests[0];
    expect(request?.get('grant_type')).toBe('authorization_code');
    expect(request?.get('code_verifier')?.length).toBe(43);
  });

  it('explains a refused exchange without echoing the secret', async () => {
    const fake = await fakeSalesforce();
    server = fake.server;
    const dir = mkdtempSync(join(tmpdir(), 'tap-sf-auth-'));
    const { out, text } = output();
    const code = await runAuthCommand(
      [
        '--client-id',
        'c',
        '--client-secret',
        'wrong-secret-456',
        '--domain',
        fake.url,
        '--config',
        join(dir, 'c.json'),
        '--port',
        '0',
      ],
      {
        out,
        openUrl: (url) => {
          fetch(url).catch(() => {});
          return true;
        },
      },
    );
    expect(code).toBe(1);
    expect(text()).toContain('invalid_grant');
    expect(text()).not.toContain('wrong-secret-456');
  });

  it('maps domains to login hosts', () => {
    expect(loginUrlFor('login')).toBe('https://login.salesforce.com');
    expect(loginUrlFor('test')).toBe('https://test.salesforce.com');
    expect(loginUrlFor('acme.my')).toBe('https://acme.my.salesforce.com');
    expect(loginUrlFor('login', true)).toBe('https://test.salesforce.com');
    expect(loginUrlFor('acme.my.salesforce.com')).toBe('https://acme.my.salesforce.com');
    expect(loginUrlFor('http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080');
  });

  it('fails with a usage message when the client id is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tap-sf-auth-'));
    const { out, text } = output();
    const code = await runAuthCommand(['--client-secret', 'x', '--config', join(dir, 'c.json')], { out });
    expect(code).toBe(3);
    expect(text()).toContain('--client-id is required');
  });
});
