/**
 * The three ways into an org, as `Authenticator`s for the HTTP client: the OAuth refresh-token flow, the
 * username-password login (SOAP `login()`, or the OAuth password grant when a client id and secret are given)
 * and the OAuth client-credentials flow. The OAuth grants are one form POST each, sent here; jsforce performs
 * the SOAP login and is loaded only for it (it takes a few hundred ms to load). The client calls `refresh()`
 * on the first 401 and replays the request, so there are no timers.
 *
 * Refresh tokens: jsforce's own refresh keeps the old refresh token when Salesforce rotates it (the new one
 * only reaches its 'refresh' event), and a rotated-out token revokes the whole token family on its next use.
 * Here every token response is read by us: a new `refresh_token` replaces the one in memory and is written
 * back to the config file (temp file + rename, mode kept) before any other call is made.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Connection } from '@jsforce/jsforce-node/lib/core.js';
import type { AuthSettings, HttpSettings } from '../config.js';
import { AuthError, ConfigError } from '../errors.js';
import { type Logger, registerSecret, scrub } from '../log.js';
import { type Authenticator, Retriable, type Session } from './client.js';
import { httpRequest } from './http.js';

/** SOAP `login()` is not served from API 65.0 on. */
export const MAX_SOAP_LOGIN_VERSION = 64;

const GENERIC_LOGIN_HOSTS = new Set(['login.salesforce.com', 'test.salesforce.com']);

export interface AuthenticatorOptions {
  auth: AuthSettings;
  loginUrl: string;
  apiVersion: string;
  http: Pick<HttpSettings, 'timeoutMs'>;
  /** The config file a rotated refresh token is written back to; null when the config was not a file. */
  configPath: string | null;
  logger: Logger;
}

/** A failed token-endpoint exchange, with what Salesforce said. */
export class TokenEndpointError extends Error {
  readonly status: number;
  readonly error: string;
  readonly description: string;
  constructor(status: number, error: string, description: string) {
    super(description ? `${error}: ${description}` : error);
    this.name = 'TokenEndpointError';
    this.status = status;
    this.error = error;
    this.description = description;
  }
}

/** The fields of a token-endpoint answer the tap reads. */
export interface TokenResponse {
  access_token: string;
  instance_url: string;
  refresh_token?: string;
}

/** `${loginUrl}/services/oauth2/token`, as jsforce's OAuth2 builds it (a path in the login URL is kept). */
export function tokenServiceUrl(loginUrl: string): string {
  const url = new URL(loginUrl);
  const basePath = url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
  url.pathname = `${basePath}/services/oauth2/token`;
  return url.href;
}

/**
 * The OAuth token endpoint: the grants with the parameters jsforce's OAuth2 sends, POSTed here, because jsforce
 * keeps neither the HTTP status nor, on a refresh, the `error` code, and we need both to tell a retriable
 * outage from a revoked token. No PKCE verifier is ever sent with a refresh.
 */
export class TokenClient {
  readonly tokenServiceUrl: string;
  private readonly clientId: string;
  private readonly clientSecret: string;
  private readonly timeoutMs: number;

  constructor(options: { loginUrl: string; clientId: string; clientSecret: string; timeoutMs: number }) {
    this.tokenServiceUrl = tokenServiceUrl(options.loginUrl);
    this.clientId = options.clientId;
    this.clientSecret = options.clientSecret;
    this.timeoutMs = options.timeoutMs;
  }

  refreshToken(refreshToken: string): Promise<TokenResponse> {
    const params: Record<string, string> = {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: this.clientId,
    };
    if (this.clientSecret) params.client_secret = this.clientSecret;
    return this.post(params);
  }

  clientCredentials(): Promise<TokenResponse> {
    const params: Record<string, string> = { grant_type: 'client_credentials', client_id: this.clientId };
    if (this.clientSecret) params.client_secret = this.clientSecret;
    return this.post(params);
  }

  password(username: string, password: string): Promise<TokenResponse> {
    return this.post({
      grant_type: 'password',
      username,
      password,
      client_id: this.clientId,
      client_secret: this.clientSecret,
    });
  }

  private async post(params: Record<string, string>): Promise<TokenResponse> {
    const response = await httpRequest(this.tokenServiceUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(params).toString(),
      timeoutMs: this.timeoutMs,
      idleMs: this.timeoutMs,
    });
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      const o = (Array.isArray(body) ? body[0] : body) as Record<string, unknown> | undefined;
      const error = [o?.error, o?.errorCode].find((v): v is string => typeof v === 'string');
      const description = [o?.error_description, o?.message].find((v): v is string => typeof v === 'string');
      throw new TokenEndpointError(
        response.status,
        error ?? `HTTP ${response.status}`,
        scrub(description ?? text.replace(/\s+/g, ' ').trim().slice(0, 200)),
      );
    }
    const token = body as Partial<TokenResponse> | undefined;
    if (!token || typeof token.access_token !== 'string' || typeof token.instance_url !== 'string') {
      throw new TokenEndpointError(response.status, 'invalid_response', 'no access_token or instance_url');
    }
    return token as TokenResponse;
  }
}

/** What to tell the user for Salesforce's token-endpoint answers (auth.md §8). */
const OAUTH_HINTS: Array<{ error: string; description?: RegExp; hint: string }> = [
  {
    error: 'invalid_grant',
    description: /expired access\/refresh token|token.*(revoked|invalid)/i,
    hint: 'the refresh token was revoked, expired by policy or idle time, or already used after a rotation; run tap-salesforce auth again',
  },
  {
    error: 'invalid_grant',
    description: /not supported on this domain/i,
    hint: 'the client-credentials flow needs your My Domain (https://<name>.my.salesforce.com) as domain',
  },
  {
    error: 'invalid_grant',
    description: /no client credentials user/i,
    hint: "set a Run As user in the app's client-credentials policy",
  },
  {
    error: 'invalid_grant',
    description: /ip restricted|restricted|login hours/i,
    hint: 'ask your admin to allow this IP address (or login hours), or relax IP restrictions on the app',
  },
  {
    error: 'invalid_grant',
    description: /inactive|password expired|frozen/i,
    hint: 'reactivate the user or reset the password',
  },
  {
    error: 'invalid_grant',
    hint: "check the credentials, that this flow is enabled on the app and in the org, and the user's access; Setup → Login History shows the reason",
  },
  {
    error: 'invalid_client_id',
    hint: 'check client_id (the Consumer Key); a new app can take up to 10 minutes to work',
  },
  { error: 'invalid_client', hint: 'check client_secret (the Consumer Secret)' },
  {
    error: 'unsupported_grant_type',
    hint: "enable this flow on the app and in the org's OAuth and OpenID Connect Settings",
  },
  { error: 'inactive_org', hint: 'the org is locked, closed or suspended; contact your admin' },
  { error: 'rate_limit_exceeded', hint: 'too many logins in a short time; wait before trying again' },
];

const SOAP_HINTS: Array<{ code: RegExp; hint: string }> = [
  {
    code: /^INVALID_LOGIN$/,
    hint: 'check username, password and security_token (needed from outside the trusted IP ranges)',
  },
  {
    code: /^LOGIN_MUST_USE_SECURITY_TOKEN$/,
    hint: 'set security_token (Settings → Reset My Security Token)',
  },
  {
    code: /^API_(DISABLED_FOR_ORG|CURRENTLY_DISABLED)$/,
    hint: 'API access is not enabled for this org or user',
  },
  { code: /PASSWORD/, hint: 'reset the password' },
  {
    code: /^LOGIN_DURING_RESTRICTED_(HOURS|DOMAIN)$|^INVALID_LOGIN_IP/,
    hint: "the user's profile restricts login hours or IP ranges",
  },
];

// Faults that another attempt may get past.
const TRANSIENT_FAULTS = new Set(['SERVER_UNAVAILABLE', 'UNABLE_TO_LOCK_ROW', 'REQUEST_RUNNING_TOO_LONG']);

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}

/** Turns a token-endpoint failure into a retry (outage) or an AuthError (one line, with a hint). */
export function oauthFailure(description: string, error: unknown): unknown {
  if (!(error instanceof TokenEndpointError)) return error;
  const said = error.description ? `${error.error}: ${error.description}` : error.error;
  if (error.status >= 500 || error.status === 429 || error.status === 408) {
    return new Retriable(new Error(`${description}: HTTP ${error.status} ${said}`));
  }
  const entry = OAUTH_HINTS.find(
    (h) => h.error === error.error && (!h.description || h.description.test(error.description)),
  );
  return new AuthError(
    scrub(`authentication failed (${description}): ${said}${entry ? ` — ${entry.hint}` : ''}`),
  );
}

/** jsforce reports a SOAP fault as `Error(faultstring)`, e.g. `INVALID_LOGIN: Invalid username, …`. */
export function soapFailure(description: string, error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof TypeError || error.name === 'TimeoutError') return error;
  const message = error.message.replace(/\s+/g, ' ').trim();
  const fault = /^([A-Z][A-Z0-9_]+): ?(.*)$/.exec(message);
  const code = fault?.[1];
  if (code && TRANSIENT_FAULTS.has(code)) return new Retriable(error);
  if (!code && !/password has expired|could not extract session|no username password/i.test(message)) {
    // No fault in the answer: an HTML error page or a proxy's answer, worth another attempt.
    return new Retriable(new Error(`${description}: answer without a SOAP fault: ${message.slice(0, 200)}`));
  }
  const hint = code
    ? SOAP_HINTS.find((h) => h.code.test(code))?.hint
    : /password has expired/i.test(message)
      ? 'reset the password'
      : undefined;
  return new AuthError(
    scrub(`authentication failed (${description}): ${message.slice(0, 300)}${hint ? ` — ${hint}` : ''}`),
  );
}

function sessionFrom(token: TokenResponse): Session {
  registerSecret(token.access_token);
  return { accessToken: token.access_token, instanceUrl: token.instance_url.replace(/\/+$/, '') };
}

/** OAuth refresh-token flow: `login()` and `refresh()` both run the refresh grant with the latest token. */
export class RefreshTokenAuthenticator implements Authenticator {
  readonly description: string;
  private refreshToken: string;
  private readonly tokens: TokenClient;
  private readonly options: AuthenticatorOptions;

  constructor(options: AuthenticatorOptions & { auth: Extract<AuthSettings, { flow: 'refresh_token' }> }) {
    this.options = options;
    this.description = `OAuth refresh-token flow at ${options.loginUrl}`;
    this.refreshToken = options.auth.refreshToken;
    this.tokens = new TokenClient({
      ...options.auth,
      loginUrl: options.loginUrl,
      timeoutMs: options.http.timeoutMs,
    });
  }

  /** The refresh token in use (the latest one after a rotation). */
  get currentRefreshToken(): string {
    return this.refreshToken;
  }

  login(): Promise<Session> {
    return this.refresh();
  }

  async refresh(): Promise<Session> {
    let token: TokenResponse;
    try {
      token = await this.tokens.refreshToken(this.refreshToken);
    } catch (error) {
      throw oauthFailure(this.description, error);
    }
    const rotated = token.refresh_token;
    if (typeof rotated === 'string' && rotated !== '' && rotated !== this.refreshToken) {
      registerSecret(rotated);
      const previous = this.refreshToken;
      this.refreshToken = rotated;
      await saveRotatedToken(this.options.configPath, previous, rotated, this.options.logger);
    }
    return sessionFrom(token);
  }
}

/** Client-credentials flow (My Domain only): no refresh token; an expired session runs the grant again. */
export class ClientCredentialsAuthenticator implements Authenticator {
  readonly description: string;
  private readonly tokens: TokenClient;

  constructor(
    options: AuthenticatorOptions & { auth: Extract<AuthSettings, { flow: 'client_credentials' }> },
  ) {
    this.description = `OAuth client-credentials flow at ${options.loginUrl}`;
    if (GENERIC_LOGIN_HOSTS.has(hostOf(options.loginUrl))) {
      throw new ConfigError(
        `the client-credentials flow needs your My Domain as domain (https://<name>.my.salesforce.com); ${hostOf(options.loginUrl)} refuses it`,
      );
    }
    this.tokens = new TokenClient({
      ...options.auth,
      loginUrl: options.loginUrl,
      timeoutMs: options.http.timeoutMs,
    });
  }

  login(): Promise<Session> {
    return this.refresh();
  }

  async refresh(): Promise<Session> {
    try {
      return sessionFrom(await this.tokens.clientCredentials());
    } catch (error) {
      throw oauthFailure(this.description, error);
    }
  }
}

/**
 * Username + password (+ security token). With a client id and secret, the OAuth password grant; otherwise
 * SOAP `login()`, which Salesforce serves only up to API 64.0 and retires in Summer '27. There is no refresh
 * token: an expired session logs in again.
 */
export class PasswordAuthenticator implements Authenticator {
  readonly description: string;
  private readonly options: AuthenticatorOptions & { auth: Extract<AuthSettings, { flow: 'password' }> };
  private readonly tokens: TokenClient | null;
  private warned = false;

  constructor(options: AuthenticatorOptions & { auth: Extract<AuthSettings, { flow: 'password' }> }) {
    this.options = options;
    const { clientId, clientSecret } = options.auth;
    if (clientId && clientSecret) {
      this.description = `OAuth username-password flow at ${options.loginUrl}`;
      this.tokens = new TokenClient({
        loginUrl: options.loginUrl,
        clientId,
        clientSecret,
        timeoutMs: options.http.timeoutMs,
      });
    } else {
      this.description = `SOAP login at ${options.loginUrl}`;
      this.tokens = null;
      if (Number(options.apiVersion) > MAX_SOAP_LOGIN_VERSION) {
        throw new ConfigError(
          `api_version is ${options.apiVersion}, but password login without client_id/client_secret uses SOAP login(), which Salesforce serves only up to ${MAX_SOAP_LOGIN_VERSION}.0; set api_version to "${MAX_SOAP_LOGIN_VERSION}.0", add client_id and client_secret (OAuth password grant), or use an OAuth flow`,
        );
      }
    }
  }

  login(): Promise<Session> {
    return this.refresh();
  }

  async refresh(): Promise<Session> {
    const { username, password, securityToken } = this.options.auth;
    const secret = `${password}${securityToken}`;
    registerSecret(secret);
    if (this.tokens) {
      try {
        return sessionFrom(await this.tokens.password(username, secret));
      } catch (error) {
        throw oauthFailure(this.description, error);
      }
    }
    if (!this.warned) {
      this.warned = true;
      this.options.logger.warn(
        "password login uses SOAP login(), which Salesforce retires in Summer '27 and disables in new orgs; prefer an OAuth flow (tap-salesforce auth)",
      );
    }
    const { Connection } = await loadJsforce();
    const connection = new Connection({
      loginUrl: this.options.loginUrl,
      version: this.options.apiVersion,
      logLevel: 'NONE',
    });
    try {
      await withTimeout(connection.loginBySoap(username, secret), this.options.http.timeoutMs);
    } catch (error) {
      throw soapFailure(this.description, error);
    }
    const accessToken = connection.accessToken;
    if (!accessToken || !connection.instanceUrl) {
      throw new AuthError(`authentication failed (${this.description}): no session in the login answer`);
    }
    registerSecret(accessToken);
    return { accessToken, instanceUrl: connection.instanceUrl.replace(/\/+$/, '') };
  }
}

/**
 * jsforce's core (not the package root, which also loads every API module: Bulk, Metadata, Streaming…), loaded
 * on first use: only SOAP login needs it. jsforce's logger writes to stdout (console.log) when
 * JSFORCE_LOG_LEVEL is set, which would corrupt the Singer stream; it reads the variable once, when it loads.
 */
function loadJsforce(): Promise<{ Connection: typeof Connection }> {
  delete process.env.JSFORCE_LOG_LEVEL;
  return import('@jsforce/jsforce-node/lib/core.js');
}

class TimeoutError extends Error {
  override name = 'TimeoutError';
}

async function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`no answer within ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The authenticator for the configured flow. @throws ConfigError for a flow the settings cannot use. */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const { auth } = options;
  for (const [key, value] of Object.entries(auth)) {
    if (key !== 'flow' && key !== 'username' && key !== 'clientId') registerSecret(value);
  }
  switch (auth.flow) {
    case 'refresh_token':
      return new RefreshTokenAuthenticator({ ...options, auth });
    case 'client_credentials':
      return new ClientCredentialsAuthenticator({ ...options, auth });
    case 'password':
      return new PasswordAuthenticator({ ...options, auth });
  }
}

/**
 * Writes a rotated refresh token into the config file: a temp file in the same folder with the file's mode,
 * fsynced, then renamed over it (a reader sees the old file or the new one, never half of one). The file's
 * formatting is kept: only the token's string literal changes. Always logs a warning; never the token.
 */
export async function saveRotatedToken(
  configPath: string | null,
  previous: string,
  rotated: string,
  logger: Logger,
): Promise<boolean> {
  if (!configPath) {
    logger.warn(
      'Salesforce rotated the refresh token; the config was not read from a file, so the new token was not saved and the next run will need tap-salesforce auth again',
    );
    return false;
  }
  try {
    await writeTokenAtomically(configPath, previous, rotated);
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
    logger.warn(
      { path: configPath },
      `Salesforce rotated the refresh token, but it could not be saved to ${configPath} (${scrub(reason)}); the next run will need tap-salesforce auth again`,
    );
    return false;
  }
  logger.warn(
    { path: configPath },
    `Salesforce rotated the refresh token; the new token was saved to ${configPath}`,
  );
  return true;
}

async function writeTokenAtomically(configPath: string, previous: string, rotated: string): Promise<void> {
  // Through a symlink, the file it points to is replaced, not the link.
  const path = await realpath(configPath);
  const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
  const config = JSON.parse(text) as Record<string, unknown>;
  const literal = new RegExp(`("refresh_token"\\s*:\\s*)${escapeRegExp(JSON.stringify(previous))}`);
  let next: string;
  if (config.refresh_token === previous && literal.test(text)) {
    next = text.replace(literal, (_, key: string) => `${key}${JSON.stringify(rotated)}`);
  } else {
    next = `${JSON.stringify({ ...config, refresh_token: rotated }, null, 2)}\n`;
  }
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', info.mode & 0o7777);
  try {
    await handle.writeFile(next, 'utf8');
    // The mode given to open() is filtered by the umask; set it exactly.
    await handle.chmod(info.mode & 0o7777);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  const folder = await open(dirname(path), 'r').catch(() => null);
  if (folder) {
    await folder.sync().catch(() => undefined);
    await folder.close();
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
