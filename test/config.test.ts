import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  configSchemaText,
  configValidatorText,
  TABLE_END,
  TABLE_START,
  withSettingsTable,
} from '../scripts/settings-docs.js';
import {
  isLoopbackHost,
  loadConfig,
  loadConfigFromValue,
  parseIsoDate,
  parseJsonText,
  readJsonFile,
  resolveLoginUrl,
  type TapConfig,
} from '../src/config.js';
import { ConfigError } from '../src/errors.js';
import { scrub } from '../src/log.js';
import { buildConfigSchema, findSetting, renderSettingsTable, SETTINGS } from '../src/settings.js';
import { ROOT, writeTempFiles } from './helpers/tap.js';

const OAUTH = {
  client_id: 'the-client-id',
  client_secret: 'the-client-secret',
  refresh_token: 'the-refresh-token',
};
const SOURCE = '/etc/tap/config.json';

/** Loads `extra` on top of a valid OAuth config, collecting warnings. */
function load(extra: Record<string, unknown>, base: Record<string, unknown> = OAUTH) {
  const warnings: string[] = [];
  const config = loadConfigFromValue({ ...base, ...extra }, SOURCE, { warn: (m) => warnings.push(m) });
  return { config, warnings };
}

function errorOf(value: unknown, source = SOURCE): string {
  try {
    loadConfigFromValue(value, source, { warn: () => {} });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected a ConfigError');
}

describe('defaults', () => {
  it('given only OAuth credentials, then every other setting has its documented default', () => {
    const { config, warnings } = load({});
    expect(warnings).toEqual([]);
    expect(config).toEqual({
      apiType: 'REST',
      loginUrl: 'https://login.salesforce.com',
      auth: {
        flow: 'refresh_token',
        clientId: 'the-client-id',
        clientSecret: 'the-client-secret',
        refreshToken: 'the-refresh-token',
      },
      apiVersion: '64.0',
      selectFieldsByDefault: true,
      startDate: '1970-01-01T00:00:00.000Z',
      threshold: 1000,
      streams: null,
      lookbackWindowSeconds: 0,
      quotaPercentTotal: 80,
      quotaPercentPerRun: 25,
      quotaExitSuccess: false,
      maxWorkers: 1,
      restPageWorkers: null,
      http: { timeoutMs: 300_000, maxAttempts: 8, backoffBaseMs: 1000, backoffMaxMs: 60_000 },
      bulk: {
        version: '2.0',
        pollTimeoutSeconds: 3600,
        maxRecords: 100_000,
        parallelDownloads: 2,
        gzip: true,
        lineWorker: true,
        pkChunking: true,
        chunkSize: 100_000,
      },
      configPath: null,
    } satisfies TapConfig);
  });

  it('returns a deeply frozen config', () => {
    const { config } = load({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.http)).toBe(true);
    expect(Object.isFrozen(config.auth)).toBe(true);
  });

  it('treats null and "" as unset, as templated configs produce them', () => {
    const { config } = load({ threshold: '', start_date: '', streams: null, api_type: '', domain: null });
    expect(config.threshold).toBe(1000);
    expect(config.startDate).toBe('1970-01-01T00:00:00.000Z');
    expect(config.streams).toBeNull();
    expect(config.apiType).toBe('REST');
    expect(config.loginUrl).toBe('https://login.salesforce.com');
  });
});

describe('every key and alias', () => {
  it.each<[string, Record<string, unknown>, (c: TapConfig) => unknown, unknown]>([
    ['api_type REST', { api_type: 'REST' }, (c) => c.apiType, 'REST'],
    ['api_type bulk (case-insensitive)', { api_type: 'bulk' }, (c) => c.apiType, 'BULK'],
    ['api_type BULK2 → BULK', { api_type: 'Bulk2' }, (c) => [c.apiType, c.bulk.version], ['BULK', '2.0']],
    ['domain', { domain: 'acme.my' }, (c) => c.loginUrl, 'https://acme.my.salesforce.com'],
    ['is_sandbox true', { is_sandbox: true }, (c) => c.loginUrl, 'https://test.salesforce.com'],
    ['is_sandbox "true"', { is_sandbox: 'true' }, (c) => c.loginUrl, 'https://test.salesforce.com'],
    ['is_sandbox "false"', { is_sandbox: 'false' }, (c) => c.loginUrl, 'https://login.salesforce.com'],
    ['api_version "65.0"', { api_version: '65.0' }, (c) => c.apiVersion, '65.0'],
    ['api_version 62', { api_version: 62 }, (c) => c.apiVersion, '62.0'],
    ['api_version "v61.0"', { api_version: 'v61.0' }, (c) => c.apiVersion, '61.0'],
    [
      'select_fields_by_default false',
      { select_fields_by_default: false },
      (c) => c.selectFieldsByDefault,
      false,
    ],
    [
      'select_fields_by_default "FALSE"',
      { select_fields_by_default: 'FALSE' },
      (c) => c.selectFieldsByDefault,
      false,
    ],
    [
      'select_fields_by_default "true"',
      { select_fields_by_default: 'true' },
      (c) => c.selectFieldsByDefault,
      true,
    ],
    ['start_date', { start_date: '2024-01-01T00:00:00Z' }, (c) => c.startDate, '2024-01-01T00:00:00.000Z'],
    ['threshold', { threshold: 250 }, (c) => c.threshold, 250],
    ['threshold "250"', { threshold: '250' }, (c) => c.threshold, 250],
    ['state_message_threshold', { state_message_threshold: 50 }, (c) => c.threshold, 50],
    ['streams list', { streams: ['Account', 'Contact'] }, (c) => c.streams, ['Account', 'Contact']],
    ['streams comma string', { streams: 'Account, Lead__c' }, (c) => c.streams, ['Account', 'Lead__c']],
    ['streams_to_discover', { streams_to_discover: ['Case'] }, (c) => c.streams, ['Case']],
    ['streams duplicates removed', { streams: ['Case', 'Case'] }, (c) => c.streams, ['Case']],
    ['streams []', { streams: [] }, (c) => c.streams, null],
    ['lookback_window', { lookback_window: 10 }, (c) => c.lookbackWindowSeconds, 10],
    ['quota_percent_total', { quota_percent_total: 90.5 }, (c) => c.quotaPercentTotal, 90.5],
    ['quota_percent_total "50"', { quota_percent_total: '50' }, (c) => c.quotaPercentTotal, 50],
    ['quota_percent_per_run', { quota_percent_per_run: 10 }, (c) => c.quotaPercentPerRun, 10],
    ['quota_exit_success', { quota_exit_success: true }, (c) => c.quotaExitSuccess, true],
    ['max_workers', { max_workers: 4 }, (c) => c.maxWorkers, 4],
    ['rest_page_workers', { rest_page_workers: 0 }, (c) => c.restPageWorkers, 0],
    ['bulk_line_worker', { bulk_line_worker: false }, (c) => c.bulk.lineWorker, false],
    ['rest_page_workers unset', {}, (c) => c.restPageWorkers, null],
    ['request_timeout_seconds', { request_timeout_seconds: 30 }, (c) => c.http.timeoutMs, 30_000],
    ['max_attempts', { max_attempts: 3 }, (c) => c.http.maxAttempts, 3],
    ['retry_backoff_base_ms', { retry_backoff_base_ms: 10 }, (c) => c.http.backoffBaseMs, 10],
    ['retry_backoff_max_ms', { retry_backoff_max_ms: 5000 }, (c) => c.http.backoffMaxMs, 5000],
    ['bulk_api_version', { bulk_api_version: '1.0' }, (c) => c.bulk.version, '1.0'],
    ['bulk_poll_timeout_seconds', { bulk_poll_timeout_seconds: 60 }, (c) => c.bulk.pollTimeoutSeconds, 60],
    ['bulk_max_records', { bulk_max_records: 5000 }, (c) => c.bulk.maxRecords, 5000],
    ['bulk_parallel_downloads', { bulk_parallel_downloads: 4 }, (c) => c.bulk.parallelDownloads, 4],
    ['bulk_gzip', { bulk_gzip: 'false' }, (c) => c.bulk.gzip, false],
    ['pk_chunking', { pk_chunking: false }, (c) => c.bulk.pkChunking, false],
    ['chunk_size', { chunk_size: 250000 }, (c) => c.bulk.chunkSize, 250_000],
    ['chunk_size 0 → default', { chunk_size: 0 }, (c) => c.bulk.chunkSize, 100_000],
  ])('%s', (_name, extra, pick, expected) => {
    const { config, warnings } = load(extra);
    expect(pick(config)).toEqual(expected);
    expect(warnings).toEqual([]);
  });

  it('covers every setting and alias of the table in the cases above', () => {
    // Credentials are covered in "credentials" below; the rest must appear in the it.each table's keys.
    const tested = new Set([
      ...'api_type domain is_sandbox api_version select_fields_by_default start_date threshold state_message_threshold streams streams_to_discover lookback_window quota_percent_total quota_percent_per_run quota_exit_success max_workers rest_page_workers request_timeout_seconds max_attempts retry_backoff_base_ms retry_backoff_max_ms bulk_api_version bulk_poll_timeout_seconds bulk_max_records bulk_parallel_downloads bulk_line_worker bulk_gzip pk_chunking chunk_size'.split(
        ' ',
      ),
      ...'client_id client_secret refresh_token username password security_token'.split(' '),
    ]);
    const all = SETTINGS.flatMap((s) => [s.name, ...s.aliases]);
    expect(all.filter((k) => !tested.has(k))).toEqual([]);
  });

  it('given a key and its alias with the same value, then accepts them', () => {
    expect(load({ threshold: 10, state_message_threshold: '10' }).config.threshold).toBe(10);
    expect(load({ threshold: 10, state_message_threshold: 10 }).config.threshold).toBe(10);
  });

  it('given a key and its alias with different values, then names both', () => {
    expect(errorOf({ ...OAUTH, threshold: 10, state_message_threshold: 20 })).toBe(
      `config file ${SOURCE}: "threshold" and "state_message_threshold" mean the same setting but have different values; keep one`,
    );
  });

  it('given unknown keys, then warns once, naming them, and still loads', () => {
    const { config, warnings } = load({ tap_extra: 1, another: 'x' });
    expect(config.apiType).toBe('REST');
    expect(warnings).toEqual([`config file ${SOURCE}: ignoring unknown keys "tap_extra", "another"`]);
  });
});

describe('credentials', () => {
  it('refresh token flow', () => {
    expect(load({}).config.auth).toEqual({
      flow: 'refresh_token',
      clientId: 'the-client-id',
      clientSecret: 'the-client-secret',
      refreshToken: 'the-refresh-token',
    });
  });

  it('password flow (SOAP) with security token', () => {
    const { config } = load(
      {},
      { username: 'me@example.com', password: 'p4ssw0rd', security_token: 'tok3n123' },
    );
    expect(config.auth).toEqual({
      flow: 'password',
      username: 'me@example.com',
      password: 'p4ssw0rd',
      securityToken: 'tok3n123',
    });
  });

  it('password flow without security token (trusted IP range)', () => {
    const { config } = load({}, { username: 'me@example.com', password: 'p4ssw0rd' });
    expect(config.auth).toMatchObject({ flow: 'password', securityToken: '' });
  });

  it('password flow with client_id + client_secret → OAuth password grant', () => {
    const { config } = load(
      {},
      { username: 'me@example.com', password: 'p4ssw0rd', client_id: 'cid', client_secret: 'csecret1' },
    );
    expect(config.auth).toEqual({
      flow: 'password',
      username: 'me@example.com',
      password: 'p4ssw0rd',
      securityToken: '',
      clientId: 'cid',
      clientSecret: 'csecret1',
    });
  });

  it('the OAuth password grant may use API 65.0; SOAP password login may not', () => {
    const grant = { username: 'u@x.com', password: 'p4ssw0rd', client_id: 'cid', client_secret: 'csecret1' };
    expect(load({ api_version: '65.0' }, grant).config.apiVersion).toBe('65.0');
    expect(errorOf({ username: 'u@x.com', password: 'p4ssw0rd', api_version: '65.0' })).toBe(
      `config file ${SOURCE}: "api_version" is 65.0, but password login uses SOAP login(), which Salesforce serves only up to 64.0; set "api_version" to "64.0" or use an OAuth flow`,
    );
  });

  it('client credentials flow on a My Domain or loopback URL', () => {
    const cc = { client_id: 'cid', client_secret: 'csecret1' };
    expect(load({ domain: 'acme.my' }, cc).config.auth).toEqual({
      flow: 'client_credentials',
      clientId: 'cid',
      clientSecret: 'csecret1',
    });
    expect(load({ domain: 'http://127.0.0.1:4000' }, cc).config.auth.flow).toBe('client_credentials');
  });

  it.each([
    [
      { client_id: 'cid', refresh_token: 'rtoken12' },
      'incomplete OAuth refresh-token credentials: "client_secret" is missing',
    ],
    [
      { client_secret: 'csecret1', refresh_token: 'rtoken12' },
      'incomplete OAuth refresh-token credentials: "client_id" is missing',
    ],
    [
      { refresh_token: 'rtoken12' },
      'incomplete OAuth refresh-token credentials: "client_id" and "client_secret" are missing',
    ],
    [{ username: 'u@x.com' }, 'incomplete password credentials: "password" is missing'],
    [
      { password: 'p4ssw0rd', security_token: 'tok3n123' },
      'incomplete password credentials: "username" is missing',
    ],
    [
      { security_token: 'tok3n123' },
      'incomplete password credentials: "username" and "password" are missing',
    ],
    [
      { username: 'u@x.com', password: 'p4ssw0rd', client_id: 'cid' },
      'incomplete OAuth username-password credentials: "client_secret" is missing',
    ],
    [
      { client_id: 'cid' },
      'incomplete OAuth credentials: "client_secret" is missing (give client_id + client_secret + refresh_token, or client_id + client_secret with a My Domain for the client-credentials flow)',
    ],
    [
      { client_secret: 'csecret1' },
      'incomplete OAuth credentials: "client_id" is missing (give client_id + client_secret + refresh_token, or client_id + client_secret with a My Domain for the client-credentials flow)',
    ],
    [
      { client_id: 'cid', client_secret: 'csecret1' },
      '"refresh_token" is missing; without it, client_id + client_secret mean the client-credentials flow, which needs "domain" set to your My Domain (e.g. acme.my), not login.salesforce.com',
    ],
    [
      { client_id: 'cid', client_secret: 'csecret1', domain: 'test' },
      '"refresh_token" is missing; without it, client_id + client_secret mean the client-credentials flow, which needs "domain" set to your My Domain (e.g. acme.my), not test.salesforce.com',
    ],
    [
      { ...OAUTH, username: 'u@x.com', password: 'p4ssw0rd' },
      'both "refresh_token" and "username"/"password" are set; give one credential set (OAuth refresh token or password)',
    ],
    [
      {},
      'no credentials: give client_id + client_secret + refresh_token (OAuth), client_id + client_secret with a My Domain (client credentials), or username + password (+ security_token)',
    ],
    [
      { client_id: '', client_secret: '', refresh_token: '' },
      'no credentials: give client_id + client_secret + refresh_token (OAuth), client_id + client_secret with a My Domain (client credentials), or username + password (+ security_token)',
    ],
  ])('given %j, then says what is missing', (value, message) => {
    expect(errorOf(value)).toBe(`config file ${SOURCE}: ${message}`);
  });
});

describe('domain → login URL', () => {
  it.each([
    [undefined, false, 'https://login.salesforce.com'],
    ['login', false, 'https://login.salesforce.com'],
    ['LOGIN', false, 'https://login.salesforce.com'],
    ['login', true, 'https://test.salesforce.com'],
    [undefined, true, 'https://test.salesforce.com'],
    ['test', false, 'https://test.salesforce.com'],
    ['test', true, 'https://test.salesforce.com'],
    ['acme.my', false, 'https://acme.my.salesforce.com'],
    ['acme.my', true, 'https://acme.my.salesforce.com'],
    ['acme--uat.sandbox.my', false, 'https://acme--uat.sandbox.my.salesforce.com'],
    ['Acme.My', false, 'https://acme.my.salesforce.com'],
    ['acme.my.salesforce.com', false, 'https://acme.my.salesforce.com'],
    ['acme--uat.sandbox.my.salesforce.com', false, 'https://acme--uat.sandbox.my.salesforce.com'],
    ['acme.my.site.com', false, 'https://acme.my.site.com'],
    ['https://acme.my.salesforce.com', false, 'https://acme.my.salesforce.com'],
    ['https://acme.my.salesforce.com/', false, 'https://acme.my.salesforce.com'],
    ['https://acme.my.salesforce.com/services/oauth2/token?x=1', false, 'https://acme.my.salesforce.com'],
    ['https://acme.my.salesforce.com:8443', false, 'https://acme.my.salesforce.com:8443'],
    ['  acme.my  ', false, 'https://acme.my.salesforce.com'],
    ['http://127.0.0.1:8080', false, 'http://127.0.0.1:8080'],
    ['http://127.1.2.3:8080/path', false, 'http://127.1.2.3:8080'],
    ['http://localhost:3000', false, 'http://localhost:3000'],
    ['http://[::1]:3000', false, 'http://[::1]:3000'],
  ])('domain %j, is_sandbox %j → %s', (domain, sandbox, url) => {
    expect(resolveLoginUrl(domain, sandbox, SOURCE)).toBe(url);
  });

  it.each([
    [
      'http://example.com',
      'uses http:// for example.com, which is allowed only for loopback hosts (127.0.0.1, localhost, [::1]); use https://',
    ],
    [
      'http://acme.my.salesforce.com',
      'uses http:// for acme.my.salesforce.com, which is allowed only for loopback hosts (127.0.0.1, localhost, [::1]); use https://',
    ],
    [
      'http://10.0.0.1:8080',
      'uses http:// for 10.0.0.1, which is allowed only for loopback hosts (127.0.0.1, localhost, [::1]); use https://',
    ],
    [
      'http://128.0.0.1',
      'uses http:// for 128.0.0.1, which is allowed only for loopback hosts (127.0.0.1, localhost, [::1]); use https://',
    ],
    [
      'http://localhost.evil.com',
      'uses http:// for localhost.evil.com, which is allowed only for loopback hosts (127.0.0.1, localhost, [::1]); use https://',
    ],
    ['ftp://acme.my.salesforce.com', 'must be an https:// URL, not ftp://'],
    ['https://user:pw@acme.my.salesforce.com', 'must not contain a user name or password'],
    ['https://', 'is not a valid URL: "https://"'],
    [
      'acme my',
      'is not a host name: "acme my" (use login, test, a My Domain such as acme.my, a host such as acme.my.salesforce.com, or an https:// URL)',
    ],
    [
      'localhost:8080',
      'is not a host name: "localhost:8080" (use login, test, a My Domain such as acme.my, a host such as acme.my.salesforce.com, or an https:// URL)',
    ],
  ])('domain %j is an error', (domain, problem) => {
    expect(errorOf({ ...OAUTH, domain })).toBe(`config file ${SOURCE}: "domain" ${problem}`);
  });

  it.each([
    ['localhost', true],
    ['LOCALHOST', true],
    ['127.0.0.1', true],
    ['127.255.255.254', true],
    ['[::1]', true],
    ['::1', true],
    ['10.0.0.1', false],
    ['example.com', false],
    ['localhost.example.com', false],
  ])('isLoopbackHost(%j) is %j', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });
});

describe('start_date', () => {
  it.each([
    ['2024-01-01T00:00:00Z', '2024-01-01T00:00:00.000Z'],
    ['2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z'],
    ['2024-01-01T00:00:00.123456Z', '2024-01-01T00:00:00.123Z'],
    ['2024-01-01T00:00:00+00:00', '2024-01-01T00:00:00.000Z'],
    ['2024-01-01T02:00:00+02:00', '2024-01-01T00:00:00.000Z'],
    ['2024-01-01T00:00:00-0500', '2024-01-01T05:00:00.000Z'],
    ['2024-09-01 00:00:01+00:00', '2024-09-01T00:00:01.000Z'],
    ['2024-01-01', '2024-01-01T00:00:00.000Z'],
    ['2024-01-01T10:30', '2024-01-01T10:30:00.000Z'],
    ['2024-01-01T10:30:15', '2024-01-01T10:30:15.000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
  ])('%s → %s', (input, output) => {
    expect(parseIsoDate(input)).toBe(output);
    expect(load({ start_date: input }).config.startDate).toBe(output);
  });

  it.each([
    'yesterday',
    '2024-13-01',
    '2023-02-29',
    '2024-01-32',
    '2024-01-01T25:00:00Z',
    '2024-01-01Z',
    '01/02/2024',
    '2024-1-1',
    '1704067200',
  ])('%j is an error naming the key and the value', (input) => {
    expect(errorOf({ ...OAUTH, start_date: input })).toBe(
      `config file ${SOURCE}: "start_date" is not an ISO-8601 date or date-time: ${JSON.stringify(input)} (e.g. "2024-01-01" or "2024-01-01T00:00:00Z")`,
    );
  });

  it('given a number, then it is an error', () => {
    expect(errorOf({ ...OAUTH, start_date: 20240101 })).toBe(
      `config file ${SOURCE}: "start_date" must be an ISO-8601 date or date-time string (got 20240101)`,
    );
  });
});

describe('invalid values', () => {
  it.each([
    [{ api_type: 'SOAP' }, '"api_type" must be one of REST, BULK (got "SOAP")'],
    [{ threshold: 'many' }, '"threshold" must be a whole number of at least 1 (got "many")'],
    [{ threshold: 0 }, '"threshold" must be a whole number of at least 1 (got 0)'],
    [{ threshold: 1.5 }, '"threshold" must be a whole number of at least 1 (got 1.5)'],
    [
      { state_message_threshold: -1 },
      '"state_message_threshold" must be a whole number of at least 1 (got -1)',
    ],
    [{ threshold: '0' }, '"threshold" must be a whole number of at least 1 (got 0)'],
    [{ is_sandbox: 'yes' }, '"is_sandbox" must be true or false (got "yes")'],
    [{ select_fields_by_default: 1 }, '"select_fields_by_default" must be true or false (got 1)'],
    [{ quota_percent_total: 0 }, '"quota_percent_total" must be a number from 0 (excluded) to 100 (got 0)'],
    [
      { quota_percent_per_run: 101 },
      '"quota_percent_per_run" must be a number from 0 (excluded) to 100 (got 101)',
    ],
    [
      { quota_percent_per_run: '150' },
      '"quota_percent_per_run" must be a number from 0 (excluded) to 100 (got 150)',
    ],
    [{ max_workers: 0 }, '"max_workers" must be a whole number from 1 to 16 (got 0)'],
    [{ rest_page_workers: 9 }, '"rest_page_workers" must be a whole number from 0 to 8 (got 9)'],
    [{ chunk_size: 250001 }, '"chunk_size" must be a whole number from 0 to 250000 (got 250001)'],
    [{ api_version: 'latest' }, '"api_version" must be an API version such as "64.0" (got "latest")'],
    [{ api_version: '64.5' }, '"api_version" must be an API version such as "64.0" (got "64.5")'],
    [{ bulk_api_version: '3.0' }, '"bulk_api_version" must be one of 2.0, 1.0 (got "3.0")'],
    [{ streams: [1, 2] }, '"streams" must be a list of object names or a comma-separated string (got [1,2])'],
    [{ streams: ['Account; DROP'] }, '"streams" holds "Account; DROP", which is not an object API name'],
    [{ streams_to_discover: 'A-B' }, '"streams_to_discover" holds "A-B", which is not an object API name'],
    [{ domain: 42 }, '"domain" must be a string (got 42)'],
    [{ lookback_window: -5 }, '"lookback_window" must be a whole number of at least 0 (got -5)'],
    [
      { retry_backoff_base_ms: 5000, retry_backoff_max_ms: 100 },
      '"retry_backoff_max_ms" (100) is below "retry_backoff_base_ms" (5000)',
    ],
    [
      { api_type: 'BULK2', bulk_api_version: '1.0' },
      '"bulk_api_version" is "1.0" but "api_type" BULK2 means Bulk API 2.0; remove one',
    ],
  ])('%j', (extra, problem) => {
    expect(errorOf({ ...OAUTH, ...extra })).toBe(`config file ${SOURCE}: ${problem}`);
  });

  it('given a secret of the wrong type, then the error does not echo it', () => {
    const message = errorOf({ client_id: 'cid', client_secret: 987654321987, refresh_token: 'rtoken12' });
    expect(message).toBe(`config file ${SOURCE}: "client_secret" must be a string`);
  });

  it.each([
    [[], 'must hold a JSON object of settings'],
    ['text', 'must hold a JSON object of settings'],
    [null, 'must hold a JSON object of settings'],
  ])('given %j instead of an object, then says so', (value, problem) => {
    expect(errorOf(value)).toBe(`config file ${SOURCE} ${problem}`);
  });

  it('given inline JSON, then errors name the flag instead of a file', () => {
    expect(errorOf({ ...OAUTH, threshold: 0 }, '--config_json')).toBe(
      '--config_json: "threshold" must be a whole number of at least 1 (got 0)',
    );
  });
});

describe('config files', () => {
  it('given a file, then loads it and records its absolute path', async () => {
    const files = writeTempFiles({ 'config.json': { ...OAUTH, domain: 'acme.my' } });
    const path = files['config.json']!;
    const config = await loadConfig(path);
    expect(config.configPath).toBe(path);
    expect(config.loginUrl).toBe('https://acme.my.salesforce.com');
  });

  it('given a relative path, then records it as absolute', async () => {
    const files = writeTempFiles({ 'config.json': OAUTH });
    const path = files['config.json']!;
    const config = await loadConfig(relative(process.cwd(), path));
    expect(config.configPath).toBe(path);
  });

  it('given a missing file, then names it', async () => {
    await expect(loadConfig('/nonexistent/dir/config.json')).rejects.toThrow(
      new ConfigError('config file /nonexistent/dir/config.json does not exist'),
    );
  });

  it('given a directory, then says so', async () => {
    const dir = join(writeTempFiles({ x: '' }).x!, '..', 'sub');
    mkdirSync(dir);
    await expect(loadConfig(dir)).rejects.toThrow(`config file ${dir} is a directory`);
  });

  it.skipIf(process.getuid?.() === 0)('given an unreadable file, then says so', async () => {
    const path = writeTempFiles({ 'config.json': OAUTH })['config.json']!;
    chmodSync(path, 0o000);
    await expect(loadConfig(path)).rejects.toThrow(`config file ${path} is not readable (EACCES)`);
  });

  it('given invalid JSON, then gives line and column but not the text (it may hold secrets)', async () => {
    const text = '{\n  "client_secret": "s3cr3t-value",\n  "refresh_token": oops\n}';
    const path = writeTempFiles({ 'config.json': text })['config.json']!;
    const error = (await loadConfig(path).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(`config file ${path} is not valid JSON (line 3, column 20)`);
    expect(error.message).not.toContain('s3cr3t');
  });

  it.each([
    ['{"a": 1,}', 'line 1, column 9'],
    ["{'a': 1}", 'line 1, column 2'],
    ['{"a": 1} x', 'line 1, column 10'],
    ['{"a": [1, 2 3]}', 'line 1, column 13'],
    ['{"a": tru}', 'line 1, column 10'],
    ['{"a": "b\\q"}', 'line 1, column 10'],
    ['{\n\n  "a" 1}', 'line 3, column 7'],
    ['[1, 2', 'it ends too early'],
  ])('locates the syntax error in %j', (text, where) => {
    expect(() => parseJsonText(text, 'config file x.json')).toThrow(
      new ConfigError(`config file x.json is not valid JSON (${where})`),
    );
  });

  it('given truncated JSON, then says it ends too early', async () => {
    const path = writeTempFiles({ 'config.json': '{"client_id": "x"' })['config.json']!;
    await expect(loadConfig(path)).rejects.toThrow(
      /^config file .* is not valid JSON \((it ends too early|line 1, column \d+)\)$/,
    );
  });

  it('given an empty file, then says so', async () => {
    const path = writeTempFiles({ 'config.json': '  \n' })['config.json']!;
    await expect(loadConfig(path)).rejects.toThrow(`config file ${path} is empty, not JSON`);
  });

  it('given a BOM, then reads the JSON', async () => {
    const path = writeTempFiles({ 'config.json': `\ufeff${JSON.stringify(OAUTH)}` })['config.json']!;
    expect((await loadConfig(path)).auth.flow).toBe('refresh_token');
  });

  it('given an empty state file and an empty value, then returns it', async () => {
    const path = writeTempFiles({ 'state.json': '' })['state.json']!;
    expect(await readJsonFile(path, 'state', { empty: null })).toBeNull();
  });

  it('given config.sample.json, then it is a complete OAuth config', async () => {
    const config = await loadConfig(join(ROOT, 'config.sample.json'), {
      warn: (m) => {
        throw new Error(m);
      },
    });
    expect(config.auth.flow).toBe('refresh_token');
  });
});

describe('secrets', () => {
  it('given a config, then every secret value is registered for redaction before validation', () => {
    const secrets = {
      client_secret: 'cs-9f8e7d6c5b4a',
      refresh_token: 'rt-1a2b3c4d5e6f',
      password: 'pw-0011223344',
      security_token: 'st-5566778899',
    };
    // Invalid on purpose: secrets must be registered even when loading fails.
    errorOf({ ...secrets, client_id: 'cid', threshold: 0 });
    for (const value of Object.values(secrets)) {
      expect(scrub(`request failed: ${value} was refused`)).toBe('request failed: [redacted] was refused');
    }
  });
});

describe('generated files stay in step with src/settings.ts', () => {
  it('src/generated/config-validator.ts is ajv compiled from the generated schema', () => {
    expect(readFileSync(join(ROOT, 'src', 'generated', 'config-validator.ts'), 'utf8')).toBe(
      configValidatorText(),
    );
  });

  it('schemas/config.schema.json is the generated schema', () => {
    expect(readFileSync(join(ROOT, 'schemas', 'config.schema.json'), 'utf8')).toBe(configSchemaText());
  });

  it("README's configuration table is the generated table", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(TABLE_START);
    expect(readme).toContain(TABLE_END);
    expect(withSettingsTable(readme)).toBe(readme);
    expect(readme).toContain(renderSettingsTable());
  });

  it('every setting is in the schema, with its aliases', () => {
    const properties = buildConfigSchema().properties as Record<string, unknown>;
    for (const s of SETTINGS) {
      expect(properties).toHaveProperty(s.name);
      for (const alias of s.aliases) expect(properties).toHaveProperty(alias);
    }
  });

  it('names and aliases are unique snake_case keys', () => {
    const all = SETTINGS.flatMap((s) => [s.name, ...s.aliases]);
    expect(new Set(all).size).toBe(all.length);
    for (const key of all) {
      expect(key).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(findSetting(key)).toBeDefined();
    }
  });

  it('every secret is a password kind and has no default', () => {
    for (const s of SETTINGS.filter((x) => x.secret)) {
      expect(s.kind).toBe('password');
      expect(s.default).toBeNull();
    }
  });

  it('defaults pass their own validation', () => {
    const defaults = Object.fromEntries(
      SETTINGS.filter((s) => s.default !== null).map((s) => [s.name, s.default]),
    );
    expect(() => load(defaults)).not.toThrow();
  });
});
