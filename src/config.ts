import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { ConfigError } from './errors.js';
import { validate as validateConfigSchema } from './generated/config-validator.js';
import { log, registerSecret } from './log.js';
import { findSetting, SETTINGS, type Setting, settingByName } from './settings.js';

export type ApiType = 'REST' | 'BULK';

export type AuthSettings =
  | { flow: 'refresh_token'; clientId: string; clientSecret: string; refreshToken: string }
  | {
      flow: 'password';
      username: string;
      password: string;
      securityToken: string;
      /** With both, the OAuth password grant is used instead of SOAP login. */
      clientId?: string;
      clientSecret?: string;
    }
  | { flow: 'client_credentials'; clientId: string; clientSecret: string };

export interface HttpSettings {
  /** Per-request timeout. */
  timeoutMs: number;
  /** Attempts per request, the first included. */
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

export interface BulkSettings {
  version: '2.0' | '1.0';
  /** Upper bound on waiting for one job to finish. */
  pollTimeoutSeconds: number;
  /** Rows per Bulk 2.0 result page (`maxRecords`). */
  maxRecords: number;
  /** Result pages downloaded ahead of the one being written. */
  parallelDownloads: number;
  gzip: boolean;
  /** Convert rows in a worker thread (csv-lines-thread.ts). */
  lineWorker: boolean;
  /** Bulk 1.0 PK chunking. */
  pkChunking: boolean;
  chunkSize: number;
}

/** The validated, normalised configuration every module receives. Frozen. */
export interface TapConfig {
  apiType: ApiType;
  /** `https://login.salesforce.com`, `https://test.salesforce.com`, a My Domain origin, or a loopback http origin. */
  loginUrl: string;
  auth: AuthSettings;
  /** e.g. '64.0' */
  apiVersion: string;
  selectFieldsByDefault: boolean;
  /** ISO-8601 UTC, `YYYY-MM-DDTHH:MM:SS.sssZ`. */
  startDate: string;
  threshold: number;
  /** Objects discovery is limited to; null = all. */
  streams: string[] | null;
  lookbackWindowSeconds: number;
  quotaPercentTotal: number;
  quotaPercentPerRun: number;
  /** Cron-friendly: a tripped quota guard ends with exit 0 after saving state. */
  quotaExitSuccess: boolean;
  maxWorkers: number;
  /** Page workers of the REST runner; null = one per CPU, at most 3. */
  restPageWorkers: number | null;
  http: HttpSettings;
  bulk: BulkSettings;
  /** The file the config came from, for writing back a rotated refresh token; null when given inline. */
  configPath: string | null;
}

// ---------------------------------------------------------------------------------------------------------
// Loading and normalisation

/** Where a config came from, for the first word of every error message: a file path or e.g. `--config_json`. */
type Source = string;

export interface LoadOptions {
  /** Receives the one-line warning about unknown keys; defaults to the process logger. */
  warn?: (message: string) => void;
}

/** `schemas/config.schema.json`'s validator, compiled by ajv at build time: no compiler to load at start-up. */
const validateInput = validateConfigSchema as ValidateFunction;

/**
 * Reads a JSON file; a missing, unreadable or invalid file is a ConfigError naming it.
 * `empty`: the value of a file holding only whitespace (some orchestrators pass an empty state file on a first run).
 */
export async function readJsonFile(
  path: string,
  what: string,
  options: { empty?: unknown } = {},
): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError(`${what} file ${path} does not exist`);
    if (code === 'EISDIR') throw new ConfigError(`${what} file ${path} is a directory`);
    if (code === 'EACCES' || code === 'EPERM')
      throw new ConfigError(`${what} file ${path} is not readable (${code})`);
    throw new ConfigError(`cannot read ${what} file ${path}: ${(error as Error).message}`);
  }
  if ('empty' in options && text.trim() === '') return options.empty;
  return parseJsonText(text, `${what} file ${path}`);
}

/** JSON.parse with an error that gives the position but never echoes the text (it may hold secrets). */
export function parseJsonText(text: string, label: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch {
    if (body.trim() === '') throw new ConfigError(`${label} is empty, not JSON`);
    const offset = jsonErrorOffset(body);
    if (offset >= body.length) throw new ConfigError(`${label} is not valid JSON (it ends too early)`);
    const before = body.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - before.lastIndexOf('\n');
    throw new ConfigError(`${label} is not valid JSON (line ${line}, column ${column})`);
  }
}

/** Offset of the first JSON syntax error in `text` (text.length when it ends too early). */
function jsonErrorOffset(text: string): number {
  let i = 0;
  class Stop {
    constructor(readonly at: number) {}
  }
  const stop = (at = i): never => {
    throw new Stop(at);
  };
  const space = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const literal = (word: string): void => {
    for (const c of word) if (text[i++] !== c) stop(i - 1);
  };
  const string = (): void => {
    i++;
    for (;;) {
      if (i >= text.length) stop();
      const c = text[i] as string;
      if (c === '"') {
        i++;
        return;
      }
      if (c < ' ') stop();
      if (c === '\\') {
        i++;
        const e = text[i];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) stop(i + 1);
          i += 5;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++;
        else stop();
      } else i++;
    }
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === undefined) stop();
    if (c === '{') {
      i++;
      space();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        space();
        if (text[i] !== '"') stop();
        string();
        space();
        if (text[i] !== ':') stop();
        i++;
        value();
        space();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return;
        } else stop();
      }
    }
    if (c === '[') {
      i++;
      space();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        space();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return;
        } else stop();
      }
    }
    if (c === '"') string();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else number();
  };
  const number = (): void => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m) stop();
    i += (m as RegExpExecArray)[0].length;
  };
  try {
    value();
    space();
    return Math.min(i, text.length);
  } catch (error) {
    if (error instanceof Stop) return Math.min(error.at, text.length);
    throw error;
  }
}

/** Reads, validates and normalises a config file. */
export async function loadConfig(path: string, options: LoadOptions = {}): Promise<TapConfig> {
  const absolute = resolve(path);
  const value = await readJsonFile(absolute, 'config');
  return loadConfigFromValue(value, absolute, { ...options, configPath: absolute });
}

/**
 * Validates and normalises a config already parsed (a file's content, or inline JSON such as `--config_json`).
 * `source` names it in error messages.
 */
export function loadConfigFromValue(
  value: unknown,
  source: Source,
  options: LoadOptions & { configPath?: string | null } = {},
): TapConfig {
  const where = source.startsWith('--') ? source : `config file ${source}`;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(`${where} must hold a JSON object of settings`);
  }
  const raw = value as Record<string, unknown>;
  // Before anything can fail or log: no message from here on may carry a secret.
  for (const [key, v] of Object.entries(raw)) {
    if (findSetting(key)?.secret) registerSecret(v);
  }

  const unknown = Object.keys(raw).filter((key) => !findSetting(key));
  if (unknown.length > 0) {
    const warn = options.warn ?? ((message: string) => log.warn(message));
    warn(`${where}: ignoring unknown keys ${unknown.map((k) => JSON.stringify(k)).join(', ')}`);
  }

  if (!validateInput(raw)) {
    const error =
      validateInput.errors?.find((e) => e.instancePath.startsWith('/')) ?? validateInput.errors?.[0];
    const key = error
      ? decodeURIComponent(error.instancePath.slice(1).split('/')[0] ?? '').replace(/~1/g, '/')
      : '';
    const setting = findSetting(key);
    if (setting) throw new ConfigError(`${where}: ${invalid(setting, key, raw[key])}`);
    throw new ConfigError(`${where}: ${error?.message ?? 'is not a valid config'}`);
  }

  const values = collect(raw, where);
  const get = (name: string): unknown => values.get(name) ?? settingByName(name).default;
  const fail = (key: string, problem: string): never => {
    throw new ConfigError(`${where}: "${key}" ${problem}`);
  };
  const num = (name: string): number => {
    const setting = settingByName(name);
    const n = Number(get(name));
    checkRange(setting, values.key(name), n, where);
    return n;
  };
  const bool = (name: string): boolean => {
    const v = get(name);
    return typeof v === 'string' ? v.toLowerCase() === 'true' : v === true;
  };
  const str = (name: string): string | undefined => {
    const v = get(name);
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
  };

  // api_type (BULK2 is the MeltanoLabs spelling of Bulk API 2.0)
  const apiTypeRaw = (str('api_type') ?? 'REST').toUpperCase();
  const apiType: ApiType = apiTypeRaw === 'REST' ? 'REST' : 'BULK';
  let bulkVersion = (str('bulk_api_version') ?? '2.0') as BulkSettings['version'];
  if (apiTypeRaw === 'BULK2') {
    if (values.has('bulk_api_version') && bulkVersion !== '2.0') {
      fail('bulk_api_version', `is "${bulkVersion}" but "api_type" BULK2 means Bulk API 2.0; remove one`);
    }
    bulkVersion = '2.0';
  }

  const apiVersion = normaliseApiVersion(get('api_version'));
  const loginUrl = resolveLoginUrl(str('domain'), bool('is_sandbox'), where);
  const auth = resolveAuth(values, loginUrl, where);
  if (auth.flow === 'password' && !auth.clientId && Number(apiVersion) > 64) {
    fail(
      'api_version',
      `is ${apiVersion}, but password login uses SOAP login(), which Salesforce serves only up to 64.0; set "api_version" to "64.0" or use an OAuth flow`,
    );
  }

  const startRaw = get('start_date');
  let startDate = '1970-01-01T00:00:00.000Z';
  if (typeof startRaw === 'string' && startRaw.trim() !== '') {
    const parsed = parseIsoDate(startRaw.trim());
    if (parsed === null) {
      fail(
        values.key('start_date'),
        `is not an ISO-8601 date or date-time: ${JSON.stringify(startRaw)} (e.g. "2024-01-01" or "2024-01-01T00:00:00Z")`,
      );
    }
    startDate = parsed as string;
  }

  const streamsRaw = get('streams');
  let streams: string[] | null = null;
  if (Array.isArray(streamsRaw)) streams = streamsRaw.map((s) => String(s).trim());
  else if (typeof streamsRaw === 'string' && streamsRaw.trim() !== '') {
    streams = streamsRaw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  }
  if (streams !== null && streams.length === 0) streams = null;
  if (streams) {
    const bad = streams.find((s) => !/^[A-Za-z][A-Za-z0-9_]*$/.test(s));
    if (bad !== undefined)
      fail(values.key('streams'), `holds ${JSON.stringify(bad)}, which is not an object API name`);
    streams = [...new Set(streams)];
  }

  const chunkSize = num('chunk_size');
  const config: TapConfig = {
    apiType,
    loginUrl,
    auth,
    apiVersion,
    selectFieldsByDefault: bool('select_fields_by_default'),
    startDate,
    threshold: num('threshold'),
    streams,
    lookbackWindowSeconds: num('lookback_window'),
    quotaPercentTotal: num('quota_percent_total'),
    quotaPercentPerRun: num('quota_percent_per_run'),
    quotaExitSuccess: bool('quota_exit_success'),
    maxWorkers: num('max_workers'),
    restPageWorkers: get('rest_page_workers') === null ? null : num('rest_page_workers'),
    http: {
      timeoutMs: num('request_timeout_seconds') * 1000,
      maxAttempts: num('max_attempts'),
      backoffBaseMs: num('retry_backoff_base_ms'),
      backoffMaxMs: num('retry_backoff_max_ms'),
    },
    bulk: {
      version: bulkVersion,
      pollTimeoutSeconds: num('bulk_poll_timeout_seconds'),
      maxRecords: num('bulk_max_records'),
      parallelDownloads: num('bulk_parallel_downloads'),
      gzip: bool('bulk_gzip'),
      lineWorker: bool('bulk_line_worker'),
      pkChunking: bool('pk_chunking'),
      chunkSize: chunkSize === 0 ? Number(settingByName('chunk_size').default) : chunkSize,
    },
    configPath: options.configPath ?? null,
  };
  if (config.http.backoffMaxMs < config.http.backoffBaseMs) {
    fail(
      'retry_backoff_max_ms',
      `(${config.http.backoffMaxMs}) is below "retry_backoff_base_ms" (${config.http.backoffBaseMs})`,
    );
  }
  return deepFreeze(config);
}

/** The values given, by setting name; a key and its alias both set must agree. null and "" count as unset. */
function collect(raw: Record<string, unknown>, where: string) {
  const byName = new Map<string, unknown>();
  const keyOf = new Map<string, string>();
  for (const setting of SETTINGS) {
    for (const key of [setting.name, ...setting.aliases]) {
      const v = raw[key];
      if (v === undefined || v === null || v === '') continue;
      if (byName.has(setting.name)) {
        const first = keyOf.get(setting.name) ?? setting.name;
        if (!sameValue(byName.get(setting.name), v)) {
          throw new ConfigError(
            `${where}: "${first}" and "${key}" mean the same setting but have different values; keep one`,
          );
        }
        continue;
      }
      byName.set(setting.name, v);
      keyOf.set(setting.name, key);
    }
  }
  return {
    get: (name: string) => byName.get(name),
    has: (name: string) => byName.has(name),
    /** The key the user actually wrote for a setting, for error messages. */
    key: (name: string) => keyOf.get(name) ?? name,
  };
}

/** `10` and `"10"`, `true` and `"TRUE"` are the same value given twice. */
function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'object' || typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return String(a).trim().toLowerCase() === String(b).trim().toLowerCase();
}

function expectation(setting: Setting): string {
  const range = (): string => {
    const lo = setting.minimum;
    const hi = setting.maximum;
    if (lo !== undefined && hi !== undefined)
      return ` from ${lo}${setting.exclusiveMinimum ? ' (excluded)' : ''} to ${hi}`;
    if (lo !== undefined) return setting.exclusiveMinimum ? ` above ${lo}` : ` of at least ${lo}`;
    if (hi !== undefined) return ` of at most ${hi}`;
    return '';
  };
  switch (setting.kind) {
    case 'boolean':
      return 'must be true or false';
    case 'integer':
      return `must be a whole number${range()}`;
    case 'decimal':
      return `must be a number${range()}`;
    case 'options':
      return `must be one of ${(setting.options ?? []).join(', ')}`;
    case 'array':
      return 'must be a list of object names or a comma-separated string';
    case 'date_iso8601':
      return 'must be an ISO-8601 date or date-time string';
    default:
      if (setting.name === 'api_version') return 'must be an API version such as "64.0"';
      return 'must be a string';
  }
}

function invalid(setting: Setting, key: string, value: unknown): string {
  const shown = setting.secret ? '' : ` (got ${truncate(JSON.stringify(value) ?? String(value))})`;
  return `"${key}" ${expectation(setting)}${shown}`;
}

function truncate(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function checkRange(setting: Setting, key: string, n: number, where: string): void {
  const below =
    setting.minimum !== undefined && (setting.exclusiveMinimum ? n <= setting.minimum : n < setting.minimum);
  const above = setting.maximum !== undefined && n > setting.maximum;
  const wrongKind = !Number.isFinite(n) || (setting.kind === 'integer' && !Number.isInteger(n));
  if (below || above || wrongKind) throw new ConfigError(`${where}: ${invalid(setting, key, n)}`);
}

function normaliseApiVersion(value: unknown): string {
  const digits = /\d+/.exec(String(value))?.[0] ?? '64';
  return `${Number(digits)}.0`;
}

const GENERIC_LOGIN_HOSTS = new Set(['login.salesforce.com', 'test.salesforce.com']);
const SALESFORCE_SUFFIXES = [
  '.salesforce.com',
  '.force.com',
  '.site.com',
  '.cloudforce.com',
  '.database.com',
  '.salesforce.mil',
  '.salesforce-setup.com',
];

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return (
    host === 'localhost' ||
    host === '[::1]' ||
    host === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  );
}

/**
 * `domain` (+ `is_sandbox`) → the origin to log in at. See README "Configuration" for the accepted forms.
 * @throws ConfigError naming `where`.
 */
export function resolveLoginUrl(domain: string | undefined, isSandbox: boolean, where: Source): string {
  const fail = (problem: string): never => {
    throw new ConfigError(`${where}: "domain" ${problem}`);
  };
  const given = domain?.trim() ?? '';
  const lower = given.toLowerCase();
  if (lower === '' || lower === 'login')
    return isSandbox ? 'https://test.salesforce.com' : 'https://login.salesforce.com';
  if (lower === 'test') return 'https://test.salesforce.com';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(given)) {
    let url: URL;
    try {
      url = new URL(given);
    } catch {
      return fail(`is not a valid URL: ${JSON.stringify(given)}`);
    }
    if (url.username || url.password) return fail('must not contain a user name or password');
    if (url.protocol === 'https:') return url.origin;
    if (url.protocol === 'http:') {
      if (isLoopbackHost(url.hostname)) return url.origin;
      return fail(
        `uses http:// for ${url.hostname}, which is allowed only for loopback hosts (127.0.0.1, localhost, [::1]); use https://`,
      );
    }
    return fail(`must be an https:// URL, not ${url.protocol}//`);
  }
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(lower)) {
    return fail(
      `is not a host name: ${JSON.stringify(given)} (use login, test, a My Domain such as acme.my, a host such as acme.my.salesforce.com, or an https:// URL)`,
    );
  }
  const host = SALESFORCE_SUFFIXES.some((suffix) => lower.endsWith(suffix))
    ? lower
    : `${lower}.salesforce.com`;
  return `https://${host}`;
}

function resolveAuth(values: ReturnType<typeof collect>, loginUrl: string, where: Source): AuthSettings {
  const text = (name: string): string | undefined => {
    const v = values.get(name);
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
  };
  // Secrets are used as given: a password may legitimately start or end with a space.
  const secret = (name: string): string | undefined => {
    const v = values.get(name);
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  const clientId = text('client_id');
  const clientSecret = secret('client_secret');
  const refreshToken = secret('refresh_token');
  const username = text('username');
  const password = secret('password');
  const securityToken = secret('security_token');
  const missing = (keys: string[], flow: string): never => {
    const list = keys.map((k) => `"${k}"`).join(' and ');
    throw new ConfigError(
      `${where}: incomplete ${flow} credentials: ${list} ${keys.length > 1 ? 'are' : 'is'} missing`,
    );
  };

  const hasPassword = username !== undefined || password !== undefined || securityToken !== undefined;
  if (refreshToken !== undefined) {
    if (hasPassword) {
      throw new ConfigError(
        `${where}: both "refresh_token" and "username"/"password" are set; give one credential set (OAuth refresh token or password)`,
      );
    }
    const absent = (['client_id', 'client_secret'] as const).filter((k) =>
      k === 'client_id' ? !clientId : !clientSecret,
    );
    if (absent.length > 0) missing(absent, 'OAuth refresh-token');
    return { flow: 'refresh_token', clientId: clientId!, clientSecret: clientSecret!, refreshToken };
  }
  if (hasPassword) {
    const absent: string[] = [];
    if (!username) absent.push('username');
    if (!password) absent.push('password');
    if (absent.length > 0) missing(absent, 'password');
    if ((clientId === undefined) !== (clientSecret === undefined)) {
      missing([clientId ? 'client_secret' : 'client_id'], 'OAuth username-password');
    }
    return {
      flow: 'password',
      username: username!,
      password: password!,
      securityToken: securityToken ?? '',
      ...(clientId && clientSecret ? { clientId, clientSecret } : {}),
    };
  }
  if (clientId !== undefined || clientSecret !== undefined) {
    if (!clientId || !clientSecret) {
      throw new ConfigError(
        `${where}: incomplete OAuth credentials: "${clientId ? 'client_secret' : 'client_id'}" is missing (give client_id + client_secret + refresh_token, or client_id + client_secret with a My Domain for the client-credentials flow)`,
      );
    }
    const host = new URL(loginUrl).hostname;
    if (GENERIC_LOGIN_HOSTS.has(host)) {
      throw new ConfigError(
        `${where}: "refresh_token" is missing; without it, client_id + client_secret mean the client-credentials flow, which needs "domain" set to your My Domain (e.g. acme.my), not ${host}`,
      );
    }
    return { flow: 'client_credentials', clientId, clientSecret };
  }
  throw new ConfigError(
    `${where}: no credentials: give client_id + client_secret + refresh_token (OAuth), client_id + client_secret with a My Domain (client credentials), or username + password (+ security_token)`,
  );
}

const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(?:([Zz])|([+-])(\d{2}):?(\d{2})?)?$/;

/** Any ISO-8601 date or date-time → `YYYY-MM-DDTHH:MM:SS.sssZ` (UTC), or null when it is not one. No offset = UTC. */
export function parseIsoDate(text: string): string | null {
  const m = ISO_DATE.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi = '0', s = '0', frac = '', zulu, sign, oh, om = '0'] = m;
  // A zone designator needs a time: "2024-01-01Z" is not ISO-8601.
  if (h === undefined && (zulu || sign)) return null;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h ?? '0');
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || hour > 24 || minute > 59 || second > 60) return null;
  if (hour === 24 && (minute > 0 || second > 0 || Number(`0.${frac || '0'}`) > 0)) return null;
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCDate() !== day || probe.getUTCMonth() !== month - 1) return null;
  const offsetMinutes = sign ? (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) : 0;
  if (sign && (Number(oh) > 23 || Number(om) > 59)) return null;
  const ms = Math.floor(Number(`0.${frac || '0'}`) * 1000);
  const t = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59), ms) - offsetMinutes * 60_000;
  if (!Number.isFinite(t)) return null;
  return new Date(t).toISOString();
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
