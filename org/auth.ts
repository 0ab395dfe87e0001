// OAuth token and authorize endpoints, and the SOAP login.

import { createHash } from 'node:crypto';
import { type Ctx, send, sendJson, xmlEscape, xmlUnescape } from './http.js';
import { ORG_ID } from './state.js';

function tokenError(ctx: Ctx, error: string, description: string, status = 400) {
  sendJson(ctx, status, { error, error_description: description });
}

function tokenBody(ctx: Ctx, withRefresh: string | null): Record<string, unknown> {
  const st = ctx.state;
  const access = st.issueAccessToken();
  const issued = String(st.data.now());
  const body: Record<string, unknown> = {
    access_token: access,
    instance_url: st.url,
    id: st.idUrl(),
    token_type: 'Bearer',
    issued_at: issued,
    signature: createHash('sha256')
      .update(st.idUrl() + issued)
      .digest('base64'),
    scope: withRefresh ? 'refresh_token api' : 'api',
  };
  if (withRefresh) {
    body.refresh_token = withRefresh;
    st.refreshTokens.add(withRefresh);
  }
  return body;
}

/** POST /services/oauth2/token */
export function token(ctx: Ctx): void {
  const st = ctx.state;
  st.count('oauth.token');
  const p = new URLSearchParams(ctx.body);
  // client credentials may also come as HTTP Basic
  const basic = /^Basic (.+)$/i.exec(String(ctx.req.headers.authorization ?? ''));
  let clientId = p.get('client_id');
  let clientSecret = p.get('client_secret');
  if (basic?.[1]) {
    const [id, secret] = Buffer.from(basic[1], 'base64').toString().split(':');
    clientId ??= id ?? null;
    clientSecret ??= secret ?? null;
  }
  const strict = st.strict;
  const grant = p.get('grant_type');
  const checkClient = (needSecret: boolean): boolean => {
    if (!strict) return true;
    if (clientId !== strict.clientId) {
      tokenError(ctx, 'invalid_client_id', 'client identifier invalid');
      return false;
    }
    if ((needSecret || clientSecret !== null) && clientSecret !== strict.clientSecret) {
      tokenError(ctx, 'invalid_client', 'invalid client credentials');
      return false;
    }
    return true;
  };
  switch (grant) {
    case 'password': {
      if (!checkClient(true)) return;
      if (strict) {
        const want = (strict.password ?? '') + (strict.securityToken ?? '');
        if (p.get('username') !== strict.username || p.get('password') !== want) {
          tokenError(ctx, 'invalid_grant', 'authentication failure');
          return;
        }
      }
      sendJson(ctx, 200, tokenBody(ctx, null));
      return;
    }
    case 'refresh_token': {
      if (!checkClient(false)) return;
      const rt = p.get('refresh_token') ?? '';
      const known =
        st.refreshTokens.has(rt) || (strict?.refreshToken !== undefined && rt === strict.refreshToken);
      const refused = rt === '' || st.revokedRefreshTokens.has(rt) || (strict !== undefined && !known);
      if (refused) {
        tokenError(ctx, 'invalid_grant', 'expired access/refresh token');
        return;
      }
      let next: string | null = null;
      if (st.rotateRefreshTokens) {
        st.refreshTokens.delete(rt);
        st.revokedRefreshTokens.add(rt);
        next = st.nextToken('refresh');
      }
      const body = tokenBody(ctx, next);
      if (!next) body.scope = 'refresh_token api';
      sendJson(ctx, 200, body);
      return;
    }
    case 'authorization_code': {
      const code = p.get('code') ?? '';
      const rec = st.authCodes.get(code);
      if (!rec) {
        tokenError(ctx, 'invalid_grant', 'invalid authorization code');
        return;
      }
      st.authCodes.delete(code);
      if (clientId !== rec.clientId) {
        tokenError(ctx, 'invalid_client_id', 'client identifier invalid');
        return;
      }
      if (strict && clientSecret !== null && clientSecret !== strict.clientSecret) {
        tokenError(ctx, 'invalid_client', 'invalid client credentials');
        return;
      }
      if ((p.get('redirect_uri') ?? '') !== rec.redirectUri) {
        tokenError(ctx, 'redirect_uri_mismatch', 'redirect_uri must match configuration');
        return;
      }
      if (rec.challenge) {
        const verifier = p.get('code_verifier');
        if (!verifier) {
          tokenError(ctx, 'invalid_grant', 'invalid code verifier');
          return;
        }
        const computed =
          rec.method === 'plain' ? verifier : createHash('sha256').update(verifier).digest('base64url');
        if (computed !== rec.challenge) {
          tokenError(ctx, 'invalid_request', 'invalid code verifier');
          return;
        }
      }
      sendJson(ctx, 200, tokenBody(ctx, st.nextToken('refresh')));
      return;
    }
    case 'client_credentials': {
      // Salesforce accepts this grant only on a My Domain host; every host here is 127.0.0.1, so it is always accepted.
      if (!checkClient(true)) return;
      sendJson(ctx, 200, tokenBody(ctx, null));
      return;
    }
    default:
      tokenError(ctx, 'unsupported_grant_type', 'grant type not supported');
  }
}

/** GET /services/oauth2/authorize: plays a user who approves at once, redirecting with a code. */
export function authorize(ctx: Ctx): void {
  const st = ctx.state;
  st.count('authorize');
  const q = ctx.url.searchParams;
  const redirect = q.get('redirect_uri') ?? '';
  const state = q.get('state');
  let target: URL;
  try {
    target = new URL(redirect);
  } catch {
    send(
      ctx,
      400,
      'error=redirect_uri_missing&error_description=redirect_uri must match configuration',
      'text/plain',
    );
    return;
  }
  const fail = (error: string, description: string) => {
    target.searchParams.set('error', error);
    target.searchParams.set('error_description', description);
    if (state !== null) target.searchParams.set('state', state);
    ctx.res.statusCode = 302;
    ctx.res.setHeader('Location', target.toString());
    ctx.res.end();
  };
  if (q.get('response_type') !== 'code') {
    fail('unsupported_response_type', 'response type not supported');
    return;
  }
  const clientId = q.get('client_id') ?? '';
  if (!clientId || (st.strict && clientId !== st.strict.clientId)) {
    fail('invalid_client_id', 'client identifier invalid');
    return;
  }
  const method = q.get('code_challenge_method') ?? 'S256';
  const code = st.nextToken('code');
  st.authCodes.set(code, {
    clientId,
    redirectUri: redirect,
    challenge: q.get('code_challenge') ?? '',
    method,
  });
  target.searchParams.set('code', code);
  if (state !== null) target.searchParams.set('state', state);
  ctx.res.statusCode = 302;
  ctx.res.setHeader('Location', target.toString());
  ctx.res.end();
}

function soapFault(ctx: Ctx, code: string, message: string) {
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sf="urn:fault.partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault>' +
    `<faultcode>sf:${code}</faultcode><faultstring>${code}: ${xmlEscape(message)}</faultstring>` +
    `<detail><sf:LoginFault xsi:type="sf:LoginFault"><sf:exceptionCode>${code}</sf:exceptionCode><sf:exceptionMessage>${xmlEscape(message)}</sf:exceptionMessage></sf:LoginFault></detail>` +
    '</soapenv:Fault></soapenv:Body></soapenv:Envelope>';
  send(ctx, 500, xml, 'text/xml;charset=UTF-8');
}

/** POST /services/Soap/u/{version} with a login envelope. */
export function soapLogin(ctx: Ctx, version: string): void {
  const st = ctx.state;
  st.count('soap.login');
  if (Number(version) > 64 || !st.versionSupported(version)) {
    soapFault(ctx, 'UNSUPPORTED_API_VERSION', `Invalid Api version specified on URL`);
    return;
  }
  const field = (name: string) => {
    const m = new RegExp(`<(?:\\w+:)?${name}>([\\s\\S]*?)</(?:\\w+:)?${name}>`).exec(ctx.body);
    return m?.[1] === undefined ? null : xmlUnescape(m[1]);
  };
  const username = field('username');
  const password = field('password');
  if (username === null || password === null) {
    soapFault(ctx, 'INVALID_LOGIN', 'Invalid username, password, security token; or user locked out.');
    return;
  }
  const strict = st.strict;
  if (
    strict &&
    (username !== strict.username || password !== (strict.password ?? '') + (strict.securityToken ?? ''))
  ) {
    soapFault(ctx, 'INVALID_LOGIN', 'Invalid username, password, security token; or user locked out.');
    return;
  }
  const session = st.issueAccessToken();
  const url = st.url;
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><loginResponse><result>' +
    `<metadataServerUrl>${url}/services/Soap/m/${version}/${ORG_ID}</metadataServerUrl>` +
    '<passwordExpired>false</passwordExpired><sandbox>false</sandbox>' +
    `<serverUrl>${url}/services/Soap/u/${version}/${ORG_ID}</serverUrl>` +
    `<sessionId>${session}</sessionId><userId>${st.userId}</userId>` +
    '<userInfo><accessibilityMode>false</accessibilityMode><currencySymbol>$</currencySymbol><orgAttachmentFileSizeLimit>5242880</orgAttachmentFileSizeLimit><orgDefaultCurrencyIsoCode>USD</orgDefaultCurrencyIsoCode>' +
    `<orgDisallowHtmlAttachments>false</orgDisallowHtmlAttachments><orgHasPersonAccounts>false</orgHasPersonAccounts><organizationId>${ORG_ID}</organizationId><organizationMultiCurrency>false</organizationMultiCurrency><organizationName>Simulated Org</organizationName>` +
    `<profileId>00e5g000000AbCdAAK</profileId><roleId xsi:nil="true"/><sessionSecondsValid>7200</sessionSecondsValid><userDefaultCurrencyIsoCode xsi:nil="true"/><userEmail>${xmlEscape(username)}</userEmail><userFullName>Integration User</userFullName><userId>${st.userId}</userId><userLanguage>en_US</userLanguage><userLocale>en_US</userLocale><userName>${xmlEscape(username)}</userName><userTimeZone>America/Los_Angeles</userTimeZone><userType>Standard</userType><userUiSkin>Theme3</userUiSkin></userInfo>` +
    '</result></loginResponse></soapenv:Body></soapenv:Envelope>';
  send(ctx, 200, xml, 'text/xml;charset=UTF-8');
}
