/**
 * Bulk jobs count against daily limits of their own, which `Sforce-Limit-Info` does not report: before each
 * job the tap reads `/limits` and applies the same two guards as for API calls (`quota_percent_total`,
 * `quota_percent_per_run`) to `DailyBulkV2QueryJobs` (Bulk 2.0) or `DailyBulkApiBatches` (Bulk 1.0).
 */
import { ApiError, QuotaError } from '../errors.js';
import type { Logger } from '../log.js';
import type { SalesforceClient } from './client.js';

export type BulkLimitName = 'DailyBulkV2QueryJobs' | 'DailyBulkApiBatches';

export interface BulkQuotaGuards {
  quotaPercentTotal: number;
  quotaPercentPerRun: number;
}

interface Limit {
  Max: number;
  Remaining: number;
}

/** Jobs (2.0) or batches (1.0) this process started, per client. */
const startedThisRun = new WeakMap<SalesforceClient, Record<BulkLimitName, number>>();

function counters(client: SalesforceClient): Record<BulkLimitName, number> {
  let c = startedThisRun.get(client);
  if (!c) {
    c = { DailyBulkV2QueryJobs: 0, DailyBulkApiBatches: 0 };
    startedThisRun.set(client, c);
  }
  return c;
}

/** Counts jobs or batches this run started (Bulk 1.0 PK chunking adds one batch per chunk). */
export function recordBulkUsage(client: SalesforceClient, limit: BulkLimitName, count = 1): void {
  counters(client)[limit] += count;
}

export function bulkUsageThisRun(client: SalesforceClient, limit: BulkLimitName): number {
  return counters(client)[limit];
}

/** Orgs where `/limits` is not available (some editions and permission sets) are checked no further. */
const limitsUnavailable = new WeakSet<SalesforceClient>();

/**
 * Throws QuotaError when starting `count` more jobs/batches would break a guard. A `/limits` the org does not
 * serve (404) is logged once and skipped, as the Python taps do.
 */
export async function checkBulkQuota(
  client: SalesforceClient,
  limit: BulkLimitName,
  guards: BulkQuotaGuards,
  logger: Logger,
  count = 1,
): Promise<void> {
  if (limitsUnavailable.has(client)) return;
  let limits: Record<string, unknown>;
  try {
    limits = await client.json<Record<string, unknown>>({ path: 'limits', label: 'limits' });
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 403)) {
      limitsUnavailable.add(client);
      logger.warn(`/limits is not available (${error.message}); Bulk quota guards are off for this run`);
      return;
    }
    throw error;
  }
  const entry = limits[limit] as Partial<Limit> | undefined;
  const max = Number(entry?.Max);
  const remaining = Number(entry?.Remaining);
  if (!Number.isFinite(max) || !Number.isFinite(remaining) || max <= 0) return;
  const used = max - remaining;
  const totalPercent = (used / max) * 100;
  if (totalPercent >= guards.quotaPercentTotal) {
    throw new QuotaError(
      `quota_percent_total guard: the org has used ${used} of its ${max} ${limit} today (${totalPercent.toFixed(2)}%), limit ${guards.quotaPercentTotal}%`,
    );
  }
  const thisRun = bulkUsageThisRun(client, limit) + count;
  const runPercent = (thisRun / max) * 100;
  if (runPercent > guards.quotaPercentPerRun) {
    throw new QuotaError(
      `quota_percent_per_run guard: this run would use ${thisRun} of the org's ${max} ${limit} (${runPercent.toFixed(2)}%), limit ${guards.quotaPercentPerRun}%`,
    );
  }
  logger.debug({ limit, used, max, thisRun }, `${limit}: ${used} of ${max} used today`);
}
