// Public types of the simulated org.

import type { ChangeSet } from './data/store.js';

export type { ChangeSet };

export interface StrictCredentials {
  clientId: string;
  clientSecret: string;
  refreshToken?: string;
  username?: string;
  password?: string;
  securityToken?: string;
}

export interface Faults {
  /** after N authenticated calls the current access token answers 401 INVALID_SESSION_ID until a new one is issued */
  expireTokenAfterCalls: number | null;
  /** fraction (0..1) of data calls answered 500/503, from a sequence seeded by the org's seed */
  errorRate: number;
  /** fraction of data calls whose connection is destroyed in the middle of the body */
  dropRate: number;
  /** added to every request */
  latencyMs: number;
  /** queries on these objects fail QUERY_TIMEOUT unless bounded (see README: the window rule) */
  queryTimeoutObjects: string[];
  /** the widest replication-key window (days) a query on a queryTimeoutObjects object may span */
  queryTimeoutWindowDays: number;
  /** Bulk jobs on these objects end Failed with an errorMessage / stateMessage */
  failBulkJobsFor: string[];
  /** REST and Bulk queries on these objects answer 400 INVALID_TYPE_FOR_OPERATION */
  refuseQueryObjects: string[];
  /** every data call answers 403 REQUEST_LIMIT_EXCEEDED */
  quotaExhausted: boolean;
  /** describes of these objects (alone or inside a composite batch) answer 500 UNKNOWN_EXCEPTION */
  failDescribeFor: string[];
}

export interface OrgOptions {
  port?: number;
  seed?: number;
  records?: Record<string, number>;
  extraObjects?: number;
  apiVersion?: string;
  strict?: StrictCredentials;
  rotateRefreshTokens?: boolean;
  pageSize?: number;
  dailyApiLimit?: number;
  apiUsed?: number;
  faults?: Partial<Faults>;
  now?: () => Date;
  /** status polls a Bulk job (2.0) or batch (1.0) takes to finish; default 2 */
  bulkPollsToComplete?: number;
  /** Bulk 2.0 result page size when the client sends no maxRecords; default 50000 */
  bulkPageSize?: number;
}

export interface OrgStats {
  requests: Record<string, number>;
  apiCalls: number;
  bytesServed: number;
  bulkJobsCreated: number;
  queries: string[];
}

export interface Org {
  url: string;
  stats(): OrgStats;
  resetStats(): void;
  setFaults(f: Partial<Faults>): void;
  advanceTime(opts: {
    seconds: number;
    update?: Record<string, number>;
    insert?: Record<string, number>;
    softDelete?: Record<string, number>;
  }): ChangeSet;
  rows(object: string, opts?: { includeDeleted?: boolean }): Iterable<Record<string, unknown>>;
  objectNames(): string[];
  describe(object: string): unknown;
  close(): Promise<void>;
}

export const DEFAULT_FAULTS: Faults = {
  expireTokenAfterCalls: null,
  errorRate: 0,
  dropRate: 0,
  latencyMs: 0,
  queryTimeoutObjects: [],
  queryTimeoutWindowDays: 30,
  failBulkJobsFor: [],
  refuseQueryObjects: [],
  quotaExhausted: false,
  failDescribeFor: [],
};
