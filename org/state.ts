// Everything the org remembers between requests: data, tokens, cursors, jobs, counters, faults.

import { OrgData } from './data/store.js';
import {
  DEFAULT_FAULTS,
  type Faults,
  type OrgOptions,
  type OrgStats,
  type StrictCredentials,
} from './types.js';
import { makeId, mix, prng } from './util.js';

export const ORG_ID = '00D5g000004SiMOEA0';

export function emptyStats(): OrgStats {
  return { requests: {}, apiCalls: 0, bytesServed: 0, bulkJobsCreated: 0, queries: [] };
}

export interface AccessToken {
  calls: number;
}

export class OrgState {
  readonly data: OrgData;
  readonly apiVersion: string;
  readonly pageSize: number;
  readonly dailyApiLimit: number;
  readonly strict: StrictCredentials | undefined;
  readonly rotateRefreshTokens: boolean;
  readonly bulkPollsToComplete: number;
  readonly bulkPageSize: number;
  readonly seed: number;
  apiUsedBase: number;
  faults: Faults;
  stats: OrgStats = emptyStats();
  url = '';
  /** daily usage, independent of resetStats */
  apiUsedToday = 0;
  bulk1Batches = 0;
  bulk2Jobs = 0;
  bulk2BytesServed = 0;
  readonly accessTokens = new Map<string, AccessToken>();
  /** the newest access token; expireTokenAfterCalls applies to it */
  readonly refreshTokens = new Set<string>();
  readonly revokedRefreshTokens = new Set<string>();
  readonly authCodes = new Map<
    string,
    { clientId: string; redirectUri: string; challenge: string; method: string }
  >();
  private counter = 0;
  private readonly faultRand: () => number;
  readonly userId: string;

  constructor(o: OrgOptions) {
    this.seed = o.seed ?? 1;
    this.apiVersion = o.apiVersion ?? '65.0';
    this.pageSize = o.pageSize ?? 2000;
    this.dailyApiLimit = o.dailyApiLimit ?? 15000;
    this.apiUsedBase = o.apiUsed ?? 0;
    this.strict = o.strict;
    this.rotateRefreshTokens = o.rotateRefreshTokens ?? false;
    this.bulkPollsToComplete = o.bulkPollsToComplete ?? 2;
    this.bulkPageSize = o.bulkPageSize ?? 50000;
    this.faults = { ...DEFAULT_FAULTS, ...o.faults };
    this.faultRand = prng(mix(this.seed, 0xfa17));
    this.data = new OrgData({
      seed: this.seed,
      records: o.records ?? {},
      extraObjects: o.extraObjects ?? 900,
      now: o.now,
    });
    this.userId = makeId('005', 0);
  }

  nextId(prefix: string): string {
    this.counter++;
    return makeId(prefix, 1000000 + this.counter);
  }

  nextToken(kind: 'access' | 'refresh' | 'code'): string {
    this.counter++;
    const body = mix(this.seed, this.counter, 7).toString(36) + mix(this.counter, this.seed, 9).toString(36);
    if (kind === 'access') return `${ORG_ID}!AQEAQ${body}.${this.counter}`;
    if (kind === 'refresh') return `5Aep861${body}${this.counter}`;
    return `aPrx${body}${this.counter}`;
  }

  issueAccessToken(): string {
    const t = this.nextToken('access');
    this.accessTokens.set(t, { calls: 0 });
    return t;
  }

  count(family: string): void {
    this.stats.requests[family] = (this.stats.requests[family] ?? 0) + 1;
  }

  apiUsage(): number {
    return this.apiUsedBase + this.apiUsedToday;
  }

  limitInfo(): string {
    return `api-usage=${this.apiUsage()}/${this.dailyApiLimit}`;
  }

  /** Next value of the deterministic fault sequence. */
  draw(): number {
    return this.faultRand();
  }

  idUrl(): string {
    return `${this.url}/id/${ORG_ID}/${this.userId}`;
  }

  versionSupported(v: string): boolean {
    const n = Number(v);
    return Number.isFinite(n) && n >= 31 && n <= Number(this.apiVersion) && /^\d+\.0$/.test(v);
  }
}
