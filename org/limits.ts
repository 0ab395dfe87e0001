// GET /services/data/vXX.X/limits

import type { OrgState } from './state.js';

export function limitsBody(st: OrgState, bulkJobsToday: number): Record<string, unknown> {
  const max = st.dailyApiLimit;
  const used = Math.min(st.apiUsage(), max);
  const pair = (m: number, r: number) => ({ Max: m, Remaining: Math.max(0, r) });
  return {
    ConcurrentAsyncGetReportInstances: pair(200, 200),
    ConcurrentSyncReportRuns: pair(20, 20),
    DailyApiRequests: pair(max, max - used),
    DailyAsyncApexExecutions: pair(250000, 250000),
    DailyBulkApiBatches: pair(15000, 15000 - st.bulk1Batches),
    DailyBulkV2QueryFileStorageMB: pair(976562, 976562 - Math.ceil(st.bulk2BytesServed / 1048576)),
    DailyBulkV2QueryJobs: pair(10000, 10000 - bulkJobsToday),
    DailyStreamingApiEvents: pair(1000000, 1000000),
    DataStorageMB: pair(1024, 1000),
    FileStorageMB: pair(1024, 1020),
    HourlyODataCallout: pair(20000, 20000),
    SingleEmail: pair(5000, 5000),
  };
}
