/** What to do with a failed HTTP exchange. Pure: decided from status, Salesforce errorCode and error name only. */
export type Verdict = 'retry' | 'refresh' | 'fail';

// Salesforce answers these on healthy requests that may pass on a later attempt.
const TRANSIENT_ERROR_CODES = new Set([
  'SERVER_UNAVAILABLE',
  'UNABLE_TO_LOCK_ROW',
  'REQUEST_RUNNING_TOO_LONG',
]);

// Node/undici names for a connection that failed or was cut, and our own per-request timeout.
const NETWORK_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
  'ERR_STREAM_PREMATURE_CLOSE',
  'Z_BUF_ERROR',
  'Z_DATA_ERROR',
]);

export function classifyResponse(status: number, errorCode: string | undefined): Verdict {
  if (status === 401) return 'refresh';
  // Bulk 1.0 answers an expired session with 400 and this XML exceptionCode.
  if (errorCode === 'INVALID_SESSION_ID' || errorCode === 'InvalidSessionId') return 'refresh';
  if (errorCode === 'REQUEST_LIMIT_EXCEEDED') return 'fail';
  if (errorCode !== undefined && TRANSIENT_ERROR_CODES.has(errorCode)) return 'retry';
  if (status >= 500 || status === 429 || status === 420 || status === 408) return 'retry';
  return 'fail';
}

/** Network-level failures: the request may never have reached Salesforce, or its answer was cut short. */
export function classifyThrown(error: unknown): Verdict {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) return 'retry';
    if (e.name === 'TimeoutError' || e.name === 'BodyCutShort') return 'retry';
    if (e.name === 'AbortError') return 'fail';
    if (e.name === 'TypeError' && /fetch failed|terminated|other side closed/i.test(e.message))
      return 'retry';
    if (/terminated|premature close|other side closed|socket hang up/i.test(e.message)) return 'retry';
  }
  return 'fail';
}

/** A request that got no answer, or a body that stopped moving, in time: retried like a network error. */
export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/** Full-jitter exponential backoff: a random delay in [0, min(max, base·2^attempt)]. */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  return Math.floor(random() * Math.min(maxMs, baseMs * 2 ** attempt));
}
