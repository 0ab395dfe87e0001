// The gate every data call passes: session check, quota, injected faults; and the QUERY_TIMEOUT rule.

import { apiError, type Ctx, HttpError, sendError, sendXml } from './http.js';
import type { Compiled } from './query.js';
import { DAY_MS } from './util.js';

export type AuthStyle = 'bearer' | 'bulk1';

function bulk1Error(ctx: Ctx, status: number, code: string, message: string) {
  sendXml(
    ctx,
    status,
    `<error xmlns="http://www.force.com/2009/06/asyncapi/dataload"><exceptionCode>${code}</exceptionCode><exceptionMessage>${message}</exceptionMessage></error>`,
  );
}

/**
 * Checks the session and the quota, counts the API call and rolls the fault dice.
 * Returns false when it has already answered the request.
 */
export function gate(ctx: Ctx, style: AuthStyle): boolean {
  const st = ctx.state;
  const f = st.faults;
  const token =
    style === 'bulk1'
      ? String(ctx.req.headers['x-sfdc-session'] ?? '')
      : (/^(?:Bearer|OAuth) (.+)$/i.exec(String(ctx.req.headers.authorization ?? ''))?.[1] ?? '');
  const rec = st.accessTokens.get(token);
  let valid = rec !== undefined;
  if (rec && f.expireTokenAfterCalls !== null && rec.calls >= f.expireTokenAfterCalls) valid = false;
  if (!valid) {
    if (style === 'bulk1') bulk1Error(ctx, 400, 'InvalidSessionId', 'Invalid session id');
    else sendError(ctx, apiError(401, 'INVALID_SESSION_ID', 'Session expired or invalid'));
    return false;
  }
  if (rec) rec.calls++;
  if (f.quotaExhausted || st.apiUsage() >= st.dailyApiLimit) {
    if (style === 'bulk1') bulk1Error(ctx, 403, 'ExceededQuota', 'TotalRequests Limit exceeded.');
    else sendError(ctx, apiError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'));
    return false;
  }
  if (f.errorRate > 0 && st.draw() < f.errorRate) {
    if (st.draw() < 0.5) {
      sendError(
        ctx,
        apiError(
          500,
          'UNKNOWN_EXCEPTION',
          'An unexpected error occurred. Please include this ErrorId if you contact support: 1520437394-54261 (-1453312862)',
        ),
      );
    } else {
      sendError(
        ctx,
        apiError(503, 'SERVER_UNAVAILABLE', 'Server temporarily unavailable. Please try again later.'),
      );
    }
    return false;
  }
  st.stats.apiCalls++;
  st.apiUsedToday++;
  if (f.dropRate > 0 && st.draw() < f.dropRate) ctx.drop = true;
  return true;
}

export { bulk1Error };

function listed(list: string[], name: string): boolean {
  const n = name.toLowerCase();
  return list.some((x) => x.toLowerCase() === n);
}

export function refuseQuery(ctx: Ctx, object: string): HttpError | null {
  if (!listed(ctx.state.faults.refuseQueryObjects, object)) return null;
  return apiError(400, 'INVALID_TYPE_FOR_OPERATION', `entity type ${object} does not support query`);
}

export const QUERY_TIMEOUT_MESSAGE = 'Your query request was running for too long.';

/**
 * QUERY_TIMEOUT rule for objects in faults.queryTimeoutObjects. A query passes when its top-level
 * AND terms bound it, either:
 *  - by a timestamp (SystemModstamp, LastModifiedDate or CreatedDate) with a lower bound, and an
 *    upper bound (or the org's now when absent) at most queryTimeoutWindowDays later; or
 *  - by an Id range covering at most 250 000 rows (what PK chunking sends; the last chunk has only a lower bound).
 * Everything else (unfiltered queries, too-wide windows, filters on other fields) times out.
 */
export function timesOut(ctx: Ctx, c: Compiled): boolean {
  const f = ctx.state.faults;
  if (!listed(f.queryTimeoutObjects, c.store.def.name)) return false;
  const b = c.bounds;
  if (b.idLo || b.idHi) {
    const span = Math.min(b.hi, c.store.total(c.version)) - b.lo;
    if (span <= 250000) return false;
  }
  const now = ctx.state.data.now();
  for (const [field, lo] of b.stampLo) {
    const hi = b.stampHi.get(field) ?? now;
    if (hi - lo <= f.queryTimeoutWindowDays * DAY_MS) return false;
  }
  return true;
}

export function failsBulk(ctx: Ctx, object: string): boolean {
  return listed(ctx.state.faults.failBulkJobsFor, object);
}

export { HttpError };
