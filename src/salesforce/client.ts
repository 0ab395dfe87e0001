import { setTimeout as sleep } from 'node:timers/promises';
import type { HttpSettings } from '../config.js';
import { ApiError, AuthError, QuotaError, TapError } from '../errors.js';
import { type Logger, scrub } from '../log.js';
import { backoffDelay, classifyResponse, classifyThrown } from './classify.js';
import { type HttpResponse, httpRequest } from './http.js';
import { parseJsonBytes } from './json-bytes.js';

export interface Session {
  accessToken: string;
  instanceUrl: string;
}

/** One way into the org (OAuth refresh token, password, client credentials); see auth.ts. */
export interface Authenticator {
  /** Human description for error messages, e.g. "OAuth refresh-token flow at https://login.salesforce.com". */
  readonly description: string;
  login(): Promise<Session>;
  /** A new session after the current one expired. */
  refresh(): Promise<Session>;
}

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface RequestOptions {
  method?: HttpMethod;
  /** An instance path (`/services/…`), a full URL, or a path relative to the data API (`sobjects/Account/describe`). */
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** What the call is, for logs and metrics: `describe`, `query`, `bulk2.results`… */
  label: string;
  signal?: AbortSignal;
  /** A header that carries the current access token too, set per attempt (Bulk 1.0's `X-SFDC-Session`). */
  sessionHeader?: string;
}

export interface ApiUsage {
  /** Requests this run sent to the org's API. */
  callsThisRun: number;
  /** From the latest `Sforce-Limit-Info: api-usage=USED/MAX`. */
  orgUsed: number | null;
  orgMax: number | null;
}

export interface QuotaGuards {
  percentTotal: number;
  percentPerRun: number;
}

export interface RequestEvent {
  label: string;
  status: number | null;
  durationMs: number;
  attempt: number;
}

export interface ClientOptions {
  authenticator: Authenticator;
  apiVersion: string;
  http: HttpSettings;
  logger: Logger;
  quota?: QuotaGuards;
  /** Called after every exchange, for metrics. */
  onRequest?: (event: RequestEvent) => void;
  random?: () => number;
}

/** Why a response failed, parsed from Salesforce's error bodies (REST arrays, OAuth objects, Bulk objects). */
export function parseErrorBody(text: string): { errorCode?: string; message: string } {
  try {
    const body = JSON.parse(text) as unknown;
    const first = Array.isArray(body) ? body[0] : body;
    if (first && typeof first === 'object') {
      const o = first as Record<string, unknown>;
      const errorCode = [o.errorCode, o.error].find((v): v is string => typeof v === 'string');
      const message = [o.message, o.error_description, o.exceptionMessage].find(
        (v): v is string => typeof v === 'string',
      );
      return { errorCode, message: message ?? text };
    }
  } catch {
    // Not JSON: an HTML error page or XML from Bulk 1.0.
  }
  const xmlCode = /<exceptionCode>([^<]+)</.exec(text)?.[1];
  const xmlMessage = /<exceptionMessage>([^<]+)</.exec(text)?.[1];
  return { errorCode: xmlCode, message: (xmlMessage ?? text).trim().slice(0, 500) };
}

const LIMIT_INFO = /api-usage=(\d+)\/(\d+)/;

/**
 * Every call to Salesforce goes through here: auth header per request, one retry policy (network errors,
 * 5xx, 420/429, transient codes) with jittered backoff, a refresh on an expired session, the API usage
 * read from each response, and the quota guards checked before each call.
 */
export class SalesforceClient {
  readonly apiVersion: string;
  readonly usage: ApiUsage = { callsThisRun: 0, orgUsed: null, orgMax: null };
  private session: Session | null = null;
  private refreshing: Promise<Session> | null = null;
  private readonly options: ClientOptions;

  constructor(options: ClientOptions) {
    this.options = options;
    this.apiVersion = options.apiVersion;
  }

  get instanceUrl(): string {
    if (!this.session) throw new TapError('internal', 'not connected');
    return this.session.instanceUrl;
  }

  /** The current access token, for APIs that carry it elsewhere than in `Authorization` (Bulk 1.0). */
  get accessToken(): string {
    if (!this.session) throw new TapError('internal', 'not connected');
    return this.session.accessToken;
  }

  async connect(): Promise<void> {
    this.session = await this.withRetry('login', () => this.options.authenticator.login());
  }

  dataPath(relative: string): string {
    return `/services/data/v${this.apiVersion}/${relative.replace(/^\//, '')}`;
  }

  url(path: string): string {
    if (/^https?:\/\//.test(path)) return path;
    return `${this.instanceUrl}${path.startsWith('/') ? path : this.dataPath(path)}`;
  }

  /**
   * A successful response, its body (decoded, a Node stream) already filling a buffer of `readAheadBytes`.
   * Throws ApiError, AuthError or QuotaError.
   */
  async request(options: RequestOptions & { readAheadBytes?: number }): Promise<HttpResponse> {
    let refreshed = false;
    return this.withRetry({ label: options.label, signal: options.signal }, async (attempt) => {
      this.checkQuota();
      const started = performance.now();
      const token = this.accessToken;
      const headers: Record<string, string> = {
        Authorization: `Bearer ${token}`,
        Accept: 'application/json',
        // Salesforce compresses what it is allowed to.
        'Accept-Encoding': 'gzip',
        ...options.headers,
      };
      if (options.sessionHeader) headers[options.sessionHeader] = token;
      if (options.body !== undefined && !hasHeader(headers, 'content-type')) {
        headers['Content-Type'] = 'application/json';
      }
      this.usage.callsThisRun++;
      let response: HttpResponse;
      try {
        response = await httpRequest(this.url(options.path), {
          method: options.method,
          headers,
          body: options.body,
          timeoutMs: this.options.http.timeoutMs,
          signal: options.signal,
          readAheadBytes: options.readAheadBytes,
        });
      } catch (error) {
        this.report(options.label, null, started, attempt);
        throw error;
      }
      this.readLimitInfo(response.headers);
      this.report(options.label, response.status, started, attempt);
      if (response.ok) return response;

      const text = await response.text().catch(() => '');
      const { errorCode, message } = parseErrorBody(text);
      const verdict = classifyResponse(response.status, errorCode);
      // Bulk 1.0 spells the same refusal `ExceededQuota`.
      if (errorCode === 'REQUEST_LIMIT_EXCEEDED' || errorCode === 'ExceededQuota') {
        throw new QuotaError(`Salesforce refused the call: ${errorCode} (${scrub(message)})`);
      }
      if (verdict === 'refresh') {
        if (refreshed) {
          throw new AuthError(
            `${this.options.authenticator.description}: session refused after refresh (${scrub(message)})`,
          );
        }
        refreshed = true;
        await this.refreshSession(token);
        throw new RetryNow();
      }
      const failure = new ApiError(
        `${options.label} failed: HTTP ${response.status}${errorCode ? ` ${errorCode}` : ''}: ${scrub(message)}`,
        response.status,
        errorCode,
      );
      if (verdict === 'retry') throw new Retriable(failure);
      throw failure;
    });
  }

  /**
   * A call whose answer has nothing to read. Its body is drained: an unread body holds its connection open,
   * and with it the process at the end of the run.
   */
  async send(options: RequestOptions): Promise<void> {
    (await this.request(options)).body.resume();
  }

  /** The parsed JSON body; reading the body is inside the retry, so a body cut short is fetched again. */
  async json<T>(options: RequestOptions): Promise<T> {
    return this.parsed(options, (body) => parseJsonBytes(body) as T);
  }

  /**
   * The body read whole and turned into a value by `parse` (undefined for a 204), inside the retry. A body
   * `parse` throws on is malformed: it is fetched again, and fails the call when it stays so. `parse` must not
   * keep the body: its memory is reused (`readWith`).
   */
  async parsed<T>(options: RequestOptions, parse: (body: Buffer) => T): Promise<T> {
    return this.withRetry({ label: options.label, signal: options.signal }, async () => {
      const response = await this.request(options);
      if (response.status === 204) {
        response.body.resume();
        return undefined as T;
      }
      let length: number | null = null;
      try {
        return await response.readWith((body) => {
          length = body.length;
          return parse(body);
        });
      } catch (error) {
        // A body that could not be read is the retry policy's to judge, as the error it is.
        if (length === null) throw error;
        throw new Retriable(
          new ApiError(
            `${options.label}: malformed JSON from Salesforce (${length} bytes)`,
            response.status,
            undefined,
            {
              cause: error,
            },
          ),
        );
      }
    });
  }

  /**
   * Runs `work` under the retry policy: network failures and Retriable errors are tried again with backoff,
   * up to `http.maxAttempts`; anything else is thrown at once. The backoff wait holds the process open (an
   * unref'd timer let Node exit mid-run, code 0, when nothing else was pending) and ends when `signal` aborts,
   * so an interrupted run does not sit out a backoff.
   */
  async withRetry<T>(
    scope: string | { label: string; signal?: AbortSignal },
    work: (attempt: number) => Promise<T>,
  ): Promise<T> {
    const { label, signal } = typeof scope === 'string' ? { label: scope, signal: undefined } : scope;
    const { maxAttempts, backoffBaseMs, backoffMaxMs } = this.options.http;
    for (let attempt = 1; ; attempt++) {
      try {
        return await work(attempt);
      } catch (error) {
        if (error instanceof RetryNow) {
          attempt--;
          continue;
        }
        const retriable =
          error instanceof Retriable || (!(error instanceof TapError) && classifyThrown(error) === 'retry');
        const cause = error instanceof Retriable ? error.failure : error;
        if (!retriable) throw cause;
        if (attempt >= maxAttempts) {
          throw new ApiError(
            `${label}: gave up after ${attempt} attempts: ${describeError(cause)}`,
            0,
            undefined,
            {
              cause,
            },
          );
        }
        const delay = backoffDelay(attempt, backoffBaseMs, backoffMaxMs, this.options.random);
        this.options.logger.warn(
          { label, attempt, delayMs: delay },
          `${label}: ${describeError(cause)}; retrying in ${delay} ms`,
        );
        await sleep(delay, undefined, signal ? { signal } : undefined);
      }
    }
  }

  /** Throws QuotaError when the next call would break a guard. */
  checkQuota(): void {
    const guards = this.options.quota;
    const { orgUsed, orgMax, callsThisRun } = this.usage;
    if (!guards || orgMax === null || orgUsed === null || orgMax === 0) return;
    const totalPercent = (orgUsed / orgMax) * 100;
    if (totalPercent >= guards.percentTotal) {
      throw new QuotaError(
        `quota_percent_total guard: the org has used ${orgUsed} of ${orgMax} daily API calls (${totalPercent.toFixed(1)}%), limit ${guards.percentTotal}%`,
      );
    }
    const runPercent = (callsThisRun / orgMax) * 100;
    if (runPercent >= guards.percentPerRun) {
      throw new QuotaError(
        `quota_percent_per_run guard: this run has made ${callsThisRun} of the org's ${orgMax} daily API calls (${runPercent.toFixed(1)}%), limit ${guards.percentPerRun}%`,
      );
    }
  }

  private async refreshSession(staleToken: string): Promise<void> {
    // Concurrent requests that failed with the same token share one refresh.
    if (this.session && this.session.accessToken !== staleToken) return;
    if (!this.refreshing) {
      this.refreshing = this.withRetry('refresh', () => this.options.authenticator.refresh()).finally(() => {
        this.refreshing = null;
      });
    }
    this.session = await this.refreshing;
    this.options.logger.info('session expired; refreshed');
  }

  private readLimitInfo(headers: HttpResponse['headers']): void {
    const match = LIMIT_INFO.exec(headers.get('sforce-limit-info') ?? '');
    if (!match) return;
    this.usage.orgUsed = Number(match[1]);
    this.usage.orgMax = Number(match[2]);
  }

  private report(label: string, status: number | null, started: number, attempt: number): void {
    this.options.onRequest?.({ label, status, durationMs: performance.now() - started, attempt });
  }
}

/** Wraps a failure the policy should try again. */
export class Retriable extends Error {
  readonly failure: unknown;
  constructor(failure: unknown) {
    super(describeError(failure));
    this.name = 'Retriable';
    this.failure = failure;
  }
}

/** Replays the request at once, without counting an attempt (after a session refresh). */
class RetryNow extends Error {}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((k) => k.toLowerCase() === name);
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const causeCode = (error.cause as { code?: unknown } | undefined)?.code;
    const detail =
      typeof causeCode === 'string' ? ` (${causeCode})` : typeof code === 'string' ? ` (${code})` : '';
    return scrub(`${error.message}${detail}`);
  }
  return scrub(String(error));
}
