import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveLoginUrl } from './config.js';
import { EXIT } from './errors.js';
import { registerSecret, scrub } from './log.js';

/**
 * `tap-salesforce auth`: the OAuth web-server flow with PKCE and a loopback callback, ending with a
 * refresh token in the config file. No copying codes out of the address bar, no curl.
 */

export const AUTH_USAGE = `Usage: tap-salesforce auth --client-id ID --client-secret SECRET [options]

Opens Salesforce's login page, receives the authorization code on a loopback port, exchanges it for a
refresh token and writes client_id, client_secret, refresh_token (and domain) into the config file.

Options:
  --client-id ID        the connected app's Consumer Key (default: client_id from the config file)
  --client-secret S     its Consumer Secret (default: client_secret from the config file)
  --domain D            login (default), test (sandbox), a My Domain host (acme.my.salesforce.com) or a URL
  --config FILE         config file to create or update (default: config.json)
  --port N              loopback callback port; register http://localhost:N/OauthRedirect on the app
                        (default: the first free of 1717, 1718, 1719)
  --scope S             OAuth scopes (default: "api refresh_token")
  --timeout SECONDS     how long to wait for the browser (default: 300)
  --no-open             print the URL only; do not try to open a browser
  -h, --help            this text
`;

export const DEFAULT_PORTS = [1717, 1718, 1719];
const CALLBACK_PATH = '/OauthRedirect';

export interface AuthCommandIo {
  /** Where the URL and messages go; stderr by default (stdout stays free). */
  out?: NodeJS.WritableStream;
  /** Opens a URL in a browser; default: the platform's opener when there is a display. */
  openUrl?: (url: string) => boolean;
  cwd?: string;
}

export interface AuthOptions {
  clientId: string;
  clientSecret: string;
  loginUrl: string;
  /** What to store as `domain` in the config, when the user chose one. */
  domain: string | null;
  configPath: string;
  ports: number[];
  scope: string;
  timeoutSeconds: number;
  open: boolean;
}

/** Maps the `--domain` value to the OAuth host, exactly as the tap reads `domain` from its config. */
export function loginUrlFor(domain: string, isSandbox = false): string {
  return resolveLoginUrl(domain, isSandbox, '--domain');
}

export function base64url(bytes: Buffer): string {
  return bytes.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** RFC 7636: a 43-character verifier from 32 random bytes, and its S256 challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = base64url(randomBytes(32));
  const challenge = base64url(createHash('sha256').update(verifier).digest());
  return { verifier, challenge };
}

export function authorizeUrl(options: {
  loginUrl: string;
  clientId: string;
  redirectUri: string;
  scope: string;
  state: string;
  challenge: string;
}): string {
  const url = new URL('/services/oauth2/authorize', options.loginUrl);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', options.clientId);
  url.searchParams.set('redirect_uri', options.redirectUri);
  url.searchParams.set('scope', options.scope);
  url.searchParams.set('state', options.state);
  url.searchParams.set('code_challenge', options.challenge);
  url.searchParams.set('code_challenge_method', 'S256');
  return url.toString();
}

class AuthFailure extends Error {}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new AuthFailure(`cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new AuthFailure(`${path} is not a JSON object; fix or move it, then run auth again`);
}

/** Writes the file next to its final place with mode 600, flushes it, then renames it over the old one. */
export function writeFileAtomic(path: string, content: string): void {
  const temp = join(dirname(path), `.${Date.now()}-${process.pid}.tmp`);
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temp, path);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // already gone
    }
    throw error;
  }
}

export function parseAuthArgs(argv: string[], cwd: string): AuthOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      domain: { type: 'string' },
      config: { type: 'string', short: 'c' },
      port: { type: 'string' },
      scope: { type: 'string' },
      timeout: { type: 'string' },
      'no-open': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  const configPath = resolve(cwd, values.config ?? 'config.json');
  const existing = readConfigFile(configPath);
  const fromFile = (key: string): string | undefined =>
    typeof existing[key] === 'string' && existing[key] !== '' ? (existing[key] as string) : undefined;
  const clientId = values['client-id'] ?? fromFile('client_id');
  const clientSecret = values['client-secret'] ?? fromFile('client_secret');
  if (!clientId) throw new AuthFailure('--client-id is required (the connected app\'s "Consumer Key")');
  if (!clientSecret) {
    throw new AuthFailure('--client-secret is required (the connected app\'s "Consumer Secret")');
  }
  const domain = values.domain ?? null;
  const sandbox = existing.is_sandbox === true || existing.is_sandbox === 'true';
  let ports = DEFAULT_PORTS;
  if (values.port !== undefined) {
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new AuthFailure('--port must be 0-65535');
    ports = [port];
  }
  const timeoutSeconds = values.timeout === undefined ? 300 : Number(values.timeout);
  if (!(timeoutSeconds > 0)) throw new AuthFailure('--timeout must be a positive number of seconds');
  return {
    clientId,
    clientSecret,
    loginUrl: loginUrlFor(domain ?? fromFile('domain') ?? 'login', sandbox),
    domain,
    configPath,
    ports,
    scope: values.scope ?? 'api refresh_token',
    timeoutSeconds,
    open: !values['no-open'],
  };
}

/** Listens on the loopback interfaces (IPv4, and IPv6 when present) on the first free port of the list. */
async function listenLoopback(
  ports: number[],
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ servers: Server[]; port: number }> {
  let lastError: unknown;
  for (const wanted of ports) {
    const v4 = createServer(handler);
    try {
      await new Promise<void>((ok, fail) => {
        v4.once('error', fail);
        v4.listen(wanted, '127.0.0.1', () => ok());
      });
    } catch (error) {
      lastError = error;
      continue;
    }
    const address = v4.address();
    const port = typeof address === 'object' && address ? address.port : wanted;
    const servers = [v4];
    // `localhost` may resolve to ::1; answer there too when the host has IPv6 loopback.
    const v6 = createServer(handler);
    await new Promise<void>((ok) => {
      v6.once('error', () => ok());
      v6.listen(port, '::1', () => {
        servers.push(v6);
        ok();
      });
    });
    return { servers, port };
  }
  throw new AuthFailure(
    `no free callback port among ${ports.join(', ')} (${(lastError as Error | undefined)?.message ?? 'unknown'}); pass --port N and register http://localhost:N${CALLBACK_PATH} on the app`,
  );
}

function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body style="font-family:sans-serif;margin:3em"><h2>${title}</h2><p>${body}</p></body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Waits for the browser to come back with `code` (or `error`) and the matching `state`. */
function waitForCode(
  ports: number[],
  state: string,
  timeoutSeconds: number,
  onListening: (port: number) => void,
): Promise<{ code: string; port: number }> {
  return new Promise((resolvePromise, reject) => {
    let servers: Server[] = [];
    let port = 0;
    let settled = false;
    const finish = (error: Error | null, code?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      for (const s of servers) {
        s.close();
        s.closeAllConnections?.();
      }
      if (error) reject(error);
      else resolvePromise({ code: code as string, port });
    };
    const timer = setTimeout(
      () => finish(new AuthFailure(`no answer from the browser within ${timeoutSeconds} s; run auth again`)),
      timeoutSeconds * 1000,
    );
    timer.unref();
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname !== CALLBACK_PATH) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
        return;
      }
      const error = url.searchParams.get('error');
      if (error) {
        const description = url.searchParams.get('error_description') ?? '';
        res
          .writeHead(400, { 'Content-Type': 'text/html; charset=utf-8' })
          .end(page('Authorization failed', escapeHtml(`${error}: ${description}`)));
        finish(new AuthFailure(explainOAuthError(error, description, url.toString())));
        return;
      }
      if (url.searchParams.get('state') !== state) {
        res
          .writeHead(400, { 'Content-Type': 'text/html; charset=utf-8' })
          .end(page('Authorization failed', 'The state parameter does not match; start auth again.'));
        finish(new AuthFailure('the callback carried the wrong state parameter; start auth again'));
        return;
      }
      const code = url.searchParams.get('code');
      if (!code) {
        res.writeHead(400, { 'Content-Type': 'text/plain' }).end('missing code');
        finish(new AuthFailure('the callback carried no authorization code'));
        return;
      }
      res
        .writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', Connection: 'close' })
        .end(page('tap-salesforce is authorized', 'You can close this tab and return to the terminal.'));
      finish(null, code);
    };
    listenLoopback(ports, handler).then(
      (listening) => {
        servers = listening.servers;
        port = listening.port;
        if (settled) {
          for (const s of servers) s.close();
          return;
        }
        onListening(port);
      },
      (error: Error) => finish(error),
    );
  });
}

/** What to tell the user for the token endpoint's and the callback's OAuth errors. */
export function explainOAuthError(error: string, description: string, redirectUri?: string): string {
  const d = description.toLowerCase();
  const said = `${error}${description ? `: ${description}` : ''}`;
  if (error === 'access_denied') return `authorization cancelled in the browser (${said})`;
  if (error === 'redirect_uri_mismatch') {
    const callback = redirectUri
      ? new URL(redirectUri).origin + CALLBACK_PATH
      : `http://localhost:PORT${CALLBACK_PATH}`;
    return `${said}. Register exactly ${callback} as a callback URL on the connected app (port included); Connected App edits take up to 10 minutes to apply`;
  }
  if (error === 'invalid_client_id') {
    return `${said}. Copy the Consumer Key again; a new Connected App can take 10 minutes to become usable`;
  }
  if (error === 'invalid_client') return `${said}. Check the Consumer Secret`;
  if (error === 'unsupported_grant_type') {
    return `${said}. Enable the authorization code flow on the app and in the org's OAuth settings`;
  }
  if (error === 'invalid_grant' && d.includes('authorization code')) {
    return `${said}. The code expired (15 minutes) or was used already; run auth again`;
  }
  if (error === 'invalid_grant') {
    return `${said}. Check the client id and secret, the app's policies and the user's access (Setup > Login History shows the reason)`;
  }
  if (error === 'invalid_request') return `${said}. The PKCE exchange was refused; please report this`;
  return said;
}

async function exchangeCode(options: AuthOptions, code: string, redirectUri: string, verifier: string) {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    client_id: options.clientId,
    client_secret: options.clientSecret,
    redirect_uri: redirectUri,
    code_verifier: verifier,
  });
  let response: Response;
  try {
    response = await fetch(new URL('/services/oauth2/token', options.loginUrl), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body,
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new AuthFailure(`cannot reach ${options.loginUrl}: ${scrub((error as Error).message)}`);
  }
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // handled below
  }
  if (!response.ok) {
    const error = typeof json.error === 'string' ? json.error : `HTTP ${response.status}`;
    const description = typeof json.error_description === 'string' ? json.error_description : '';
    throw new AuthFailure(
      `token exchange failed: ${scrub(explainOAuthError(error, description, redirectUri))}`,
    );
  }
  for (const key of ['access_token', 'refresh_token']) registerSecret(json[key]);
  if (typeof json.refresh_token !== 'string' || json.refresh_token === '') {
    throw new AuthFailure(
      'Salesforce returned no refresh token: add the scope "Perform requests at any time (refresh_token, offline_access)" to the connected app and keep refresh_token in --scope',
    );
  }
  return {
    refreshToken: json.refresh_token,
    instanceUrl: typeof json.instance_url === 'string' ? json.instance_url : null,
  };
}

function defaultOpener(url: string): boolean {
  const env = process.env;
  let command: string;
  let args: string[];
  if (process.platform === 'darwin') [command, args] = ['open', [url]];
  // Not `cmd /c start`: cmd would split the URL at its `&`s.
  else if (process.platform === 'win32') [command, args] = ['rundll32', ['url.dll,FileProtocolHandler', url]];
  else if (env.DISPLAY || env.WAYLAND_DISPLAY) [command, args] = ['xdg-open', [url]];
  else return false;
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
    return true;
  } catch {
    return false;
  }
}

/** Runs the command; resolves to the process exit code. */
export async function runAuthCommand(argv: string[], io: AuthCommandIo = {}): Promise<number> {
  const out = io.out ?? process.stderr;
  const say = (text: string) => out.write(`${text}\n`);
  let options: AuthOptions | 'help';
  try {
    options = parseAuthArgs(argv, io.cwd ?? process.cwd());
  } catch (error) {
    say(`tap-salesforce auth: ${scrub((error as Error).message)}`);
    if (!(error instanceof AuthFailure)) say(AUTH_USAGE);
    return EXIT.usage;
  }
  if (options === 'help') {
    say(AUTH_USAGE);
    return EXIT.ok;
  }
  registerSecret(options.clientSecret);
  const opts = options;
  const { verifier, challenge } = pkcePair();
  const state = base64url(randomBytes(16));
  try {
    let redirectUri = '';
    const { code } = await waitForCode(opts.ports, state, opts.timeoutSeconds, (port) => {
      redirectUri = `http://localhost:${port}${CALLBACK_PATH}`;
      const url = authorizeUrl({
        loginUrl: opts.loginUrl,
        clientId: opts.clientId,
        redirectUri,
        scope: opts.scope,
        state,
        challenge,
      });
      say(`Waiting for Salesforce on ${redirectUri} (register this callback URL on the connected app).`);
      const opened = opts.open && (io.openUrl ?? defaultOpener)(url);
      say(
        opened
          ? `Opened your browser. If it did not appear, open this URL:\n\n  ${url}\n`
          : `Open this URL in a browser and log in:\n\n  ${url}\n`,
      );
    });
    say('Authorization code received; exchanging it for tokens…');
    const tokens = await exchangeCode(opts, code, redirectUri, verifier);
    const config = readConfigFile(opts.configPath);
    config.client_id = opts.clientId;
    config.client_secret = opts.clientSecret;
    config.refresh_token = tokens.refreshToken;
    if (opts.domain !== null) config.domain = opts.domain;
    writeFileAtomic(opts.configPath, `${JSON.stringify(config, null, 2)}\n`);
    say(
      `Wrote client_id, client_secret and refresh_token${opts.domain !== null ? ' and domain' : ''} to ${opts.configPath} (mode 600)` +
        `${tokens.instanceUrl ? `; org: ${tokens.instanceUrl}` : ''}.\nCheck it with: tap-salesforce --config ${opts.configPath} --test`,
    );
    return EXIT.ok;
  } catch (error) {
    say(`tap-salesforce auth failed: ${scrub(error instanceof Error ? error.message : String(error))}`);
    return EXIT.failure;
  }
}
