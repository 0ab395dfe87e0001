import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Org, startOrg } from '../../org/index.js';
import { api, passwordToken, V } from './helpers.js';

const { Connection } = await import('@jsforce/jsforce-node');

const strict = {
  clientId: 'cid',
  clientSecret: 'csecret',
  username: 'ada@example.com',
  password: 'pw',
  securityToken: 'TOK',
};

describe('auth', () => {
  let org: Org;
  let strictOrg: Org;
  beforeAll(async () => {
    org = await startOrg({ extraObjects: 5 });
    strictOrg = await startOrg({ extraObjects: 5, strict, rotateRefreshTokens: true });
  });
  afterAll(async () => {
    await org.close();
    await strictOrg.close();
  });

  it('SOAP login through jsforce, then a query on the returned session', async () => {
    const conn = new Connection({ loginUrl: org.url, version: V });
    const info = await conn.login('u@example.com', 'anything');
    expect(info.organizationId).toMatch(/^00D/);
    expect(conn.instanceUrl).toBe(org.url);
    const r = await conn.query('SELECT Id FROM Account LIMIT 3');
    expect(r.records).toHaveLength(3);
    expect(org.stats().requests['soap.login']).toBe(1);
  });

  it('SOAP login refuses bad credentials in strict mode with INVALID_LOGIN, and is gone from 65.0', async () => {
    const conn = new Connection({ loginUrl: strictOrg.url, version: V });
    await expect(conn.login('ada@example.com', 'wrong')).rejects.toThrow(
      /INVALID_LOGIN: Invalid username, password/,
    );
    await new Connection({ loginUrl: strictOrg.url, version: V }).login('ada@example.com', 'pwTOK');
    const res = await fetch(`${org.url}/services/Soap/u/65.0`, { method: 'POST', body: '<x/>' });
    expect(res.status).toBe(500);
    expect(await res.text()).toContain('UNSUPPORTED_API_VERSION');
  });

  it('OAuth password grant through jsforce; strict mode answers the real error bodies', async () => {
    const conn = new Connection({
      loginUrl: strictOrg.url,
      version: V,
      oauth2: { clientId: 'cid', clientSecret: 'csecret', loginUrl: strictOrg.url },
    });
    await conn.login('ada@example.com', 'pwTOK');
    expect(conn.accessToken).toContain('!');
    const bad = await fetch(`${strictOrg.url}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=password&client_id=cid&client_secret=csecret&username=ada@example.com&password=nope',
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'invalid_grant', error_description: 'authentication failure' });
    const badSecret = await fetch(`${strictOrg.url}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=password&client_id=cid&client_secret=x&username=ada@example.com&password=pwTOK',
    });
    expect(await badSecret.json()).toEqual({
      error: 'invalid_client',
      error_description: 'invalid client credentials',
    });
  });

  it('refreshes on 401 when the token expires after N calls (jsforce refresh_token flow)', async () => {
    org.setFaults({ expireTokenAfterCalls: 2 });
    try {
      const conn = new Connection({
        instanceUrl: org.url,
        accessToken: 'not-issued',
        refreshToken: 'any-refresh-token',
        version: V,
        oauth2: { clientId: 'id', clientSecret: 'secret', loginUrl: org.url },
      });
      let refreshed = 0;
      conn.on('refresh', () => refreshed++);
      const before = org.stats().requests['oauth.token'] ?? 0;
      for (let k = 0; k < 5; k++) await conn.describe('Account');
      expect(refreshed).toBe(3);
      expect((org.stats().requests['oauth.token'] ?? 0) - before).toBe(3);
      const res = await fetch(`${org.url}/services/data/v${V}/limits`, {
        headers: { Authorization: 'Bearer nope' },
      });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual([
        { message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' },
      ]);
    } finally {
      org.setFaults({ expireTokenAfterCalls: null });
    }
  });

  it('rotates refresh tokens and refuses the old one', async () => {
    const grant = (rt: string) =>
      fetch(`${strictOrg.url}/services/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=refresh_token&client_id=cid&client_secret=csecret&refresh_token=${rt}`,
      });
    // a code exchange gives the first refresh token
    const verifier = 'v'.repeat(64);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const auth = await fetch(
      `${strictOrg.url}/services/oauth2/authorize?response_type=code&client_id=cid&redirect_uri=${encodeURIComponent('http://localhost:1717/OauthRedirect')}&code_challenge=${challenge}&code_challenge_method=S256&state=xyz`,
      { redirect: 'manual' },
    );
    expect(auth.status).toBe(302);
    const loc = new URL(auth.headers.get('location') ?? '');
    expect(loc.searchParams.get('state')).toBe('xyz');
    const code = loc.searchParams.get('code') ?? '';
    const exchange = async (v: string) =>
      fetch(`${strictOrg.url}/services/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          client_id: 'cid',
          client_secret: 'csecret',
          redirect_uri: 'http://localhost:1717/OauthRedirect',
          code_verifier: v,
        }),
      });
    const tok = (await (await exchange(verifier)).json()) as { refresh_token: string; access_token: string };
    expect(tok.refresh_token).toBeTruthy();
    const r1 = (await (await grant(tok.refresh_token)).json()) as { refresh_token: string };
    expect(r1.refresh_token).toBeTruthy();
    expect(r1.refresh_token).not.toBe(tok.refresh_token);
    const old = await grant(tok.refresh_token);
    expect(old.status).toBe(400);
    expect(await old.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'expired access/refresh token',
    });
    expect((await grant(r1.refresh_token)).status).toBe(200);
    // a code can be used once
    expect((await exchange(verifier)).status).toBe(400);
  });

  it('checks the PKCE verifier and accepts client_credentials', async () => {
    const challenge = createHash('sha256').update('right'.repeat(10)).digest('base64url');
    const auth = await fetch(
      `${org.url}/services/oauth2/authorize?response_type=code&client_id=x&redirect_uri=http://localhost:1717/cb&code_challenge=${challenge}&code_challenge_method=S256`,
      { redirect: 'manual' },
    );
    const code = new URL(auth.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const res = await fetch(`${org.url}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=authorization_code&code=${code}&client_id=x&redirect_uri=http://localhost:1717/cb&code_verifier=wrong`,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
    const cc = await fetch(`${org.url}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=x&client_secret=y',
    });
    const body = (await cc.json()) as Record<string, string>;
    expect(body.token_type).toBe('Bearer');
    expect(body.instance_url).toBe(org.url);
    expect(body.refresh_token).toBeUndefined();
    const token = await passwordToken(org.url);
    expect((await api(org.url, token).get(`/services/data/v${V}/limits`)).status).toBe(200);
  });
});
