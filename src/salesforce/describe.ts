/** The parts of Salesforce's describe payloads the tap reads (wire names, as Salesforce spells them). */
import { ApiError } from '../errors.js';
import { type Logger, scrub } from '../log.js';
import { describedIn, parseBatchAnswer, type Subresult } from './batch-answer.js';
import type { RequestOptions, SalesforceClient } from './client.js';

/** One entry of `GET /sobjects` (describeGlobal). */
export interface GlobalSObject {
  name: string;
  label?: string;
  queryable: boolean;
  retrieveable?: boolean;
  replicateable?: boolean;
  deprecatedAndHidden?: boolean;
  customSetting?: boolean;
  custom?: boolean;
}

export interface DescribeGlobalResult {
  sobjects: GlobalSObject[];
}

/** One entry of `fields[]` in `GET /sobjects/X/describe`. */
export interface FieldDescribe {
  name: string;
  /** Salesforce field type: `string`, `datetime`, `address`… */
  type: string;
  nillable?: boolean;
  /** A formula field: its value is computed at read time and does not move `SystemModstamp`. */
  calculated?: boolean;
  /** For the components of a compound field (`BillingStreet`), the compound's name (`BillingAddress`). */
  compoundFieldName?: string | null;
  length?: number;
  filterable?: boolean;
  sortable?: boolean;
  referenceTo?: string[];
  relationshipName?: string | null;
}

export interface SObjectDescribe {
  name: string;
  queryable?: boolean;
  customSetting?: boolean;
  fields: FieldDescribe[];
}

/** The Composite Batch API runs at most 25 subrequests per call. */
export const DESCRIBES_PER_BATCH = 25;
/**
 * Composite calls in flight at once. A 1 000-object org needs 40 calls, all sent at once: one round trip
 * instead of three (at 16), which is most of discovery's time when each call waits on the network. Describes
 * answer in well under the 20 s after which Salesforce counts a request against its limit of 25 concurrent
 * long-running requests (short requests have no concurrency limit), and each answer is turned into a catalog
 * entry as it arrives, so 50 batches of real describes in flight hold some tens of MB at most.
 */
export const DEFAULT_DESCRIBE_CONCURRENCY = 50;

const TRANSIENT_CODES = new Set(['SERVER_UNAVAILABLE', 'UNABLE_TO_LOCK_ROW', 'REQUEST_RUNNING_TOO_LONG']);

export interface DescribeFailure {
  name: string;
  reason: string;
}

export interface DescribeOutcome {
  /** The describes, in the order they arrived; empty when `onDescribe` took them. */
  describes: SObjectDescribe[];
  failures: DescribeFailure[];
  /** Composite and single describe calls made. */
  calls: number;
}

export interface DescribeOptions<C = never> {
  logger: Logger;
  concurrency?: number;
  batchSize?: number;
  /**
   * Takes each describe as its batch arrives, instead of collecting them in `outcome.describes`: the work on
   * one batch overlaps the wait for the others, and a describe need not outlive its catalog entry.
   */
  onDescribe?: (describe: SObjectDescribe) => void;
  /** Reads the composite answers in place of parsing them here, and converts their describes itself. */
  reader?: AnswerReader<C>;
  /** Takes what `reader` made of each describe. */
  onConverted?: (converted: C) => void;
}

/** A subresult as an `AnswerReader` gives it back: as sent, or, for a describe, what the reader made of it. */
export type ReadSubresult<C> = Subresult | { converted: C };

/**
 * Reads composite describe answers elsewhere (another thread) and converts each describe there. `read` takes
 * the body synchronously, since its memory is reused once it returns, and answers later; it fails, like a
 * parse, on a body that is not an answer.
 */
export interface AnswerReader<C> {
  read(body: Buffer): Promise<{ results: ReadSubresult<C>[] }>;
}

/** `GET /sobjects`: every object of the org with its flags. */
export async function describeGlobal(client: SalesforceClient): Promise<DescribeGlobalResult> {
  const result = await client.json<DescribeGlobalResult>({ path: 'sobjects', label: 'describeGlobal' });
  if (!result || !Array.isArray(result.sobjects)) {
    throw new ApiError('describeGlobal: Salesforce answered without an sobjects list', 200);
  }
  return result;
}

/**
 * Describes objects through the Composite Batch API, `batchSize` per call and `concurrency` calls in flight.
 * An object whose describe fails is reported in `failures` and left out; it never fails the run. Subrequests
 * that failed transiently are tried once more in a later batch. Quota and auth errors propagate.
 */
export async function describeObjects<C = never>(
  client: SalesforceClient,
  names: readonly string[],
  options: DescribeOptions<C>,
): Promise<DescribeOutcome> {
  const batchSize = Math.min(options.batchSize ?? DESCRIBES_PER_BATCH, DESCRIBES_PER_BATCH);
  const concurrency = options.concurrency ?? DEFAULT_DESCRIBE_CONCURRENCY;
  const outcome: DescribeOutcome = { describes: [], failures: [], calls: 0 };
  let pending = [...names];
  for (let round = 1; pending.length > 0 && round <= 2; round++) {
    const retry: DescribeFailure[] = [];
    await forEachLimit(chunk(pending, batchSize), concurrency, async (batch) => {
      const results = await describeBatch(client, batch, outcome, options);
      for (const [i, name] of batch.entries()) {
        const subresult = results[i];
        if (subresult && 'converted' in subresult) {
          options.onConverted?.(subresult.converted);
          continue;
        }
        const verdict = readSubresult(name, subresult);
        if ('describe' in verdict) {
          if (options.onDescribe) options.onDescribe(verdict.describe);
          else outcome.describes.push(verdict.describe);
        } else if (verdict.transient && round === 1) retry.push(verdict);
        else outcome.failures.push(verdict);
      }
    });
    pending = retry.map((f) => f.name);
  }
  for (const failure of outcome.failures) {
    options.logger.warn(
      { object: failure.name },
      `describe of ${failure.name} failed, object skipped: ${failure.reason}`,
    );
  }
  return outcome;
}

/** One composite call; on a 4xx of the whole call, the batch is described object by object instead. */
async function describeBatch<C>(
  client: SalesforceClient,
  batch: readonly string[],
  outcome: DescribeOutcome,
  options: DescribeOptions<C>,
): Promise<Array<ReadSubresult<C> | undefined>> {
  const { reader, logger } = options;
  const body = JSON.stringify({
    haltOnError: false,
    batchRequests: batch.map((name) => ({
      method: 'GET',
      url: `v${client.apiVersion}/sobjects/${encodeURIComponent(name)}/describe`,
    })),
  });
  try {
    outcome.calls++;
    const call: RequestOptions = { method: 'POST', path: 'composite/batch', body, label: 'describe.batch' };
    // A reader's answer is awaited inside the retry: one it cannot read is fetched again, as a parse would be.
    const response = reader
      ? await client.parsed(call, (answer) => reader.read(answer))
      : ((await client.parsed(call, parseBatchAnswer)) as { results: ReadSubresult<C>[] } | undefined);
    if (response && Array.isArray(response.results) && response.results.length === batch.length) {
      return response.results;
    }
    throw new ApiError(
      `describe.batch: expected ${batch.length} results, got ${response?.results?.length ?? 'none'}`,
      200,
    );
  } catch (error) {
    // A refused or malformed batch answer: describe these objects one by one so that one bad object costs
    // only itself. Network failures, exhausted retries, auth and quota errors end the run.
    const refused =
      error instanceof ApiError && (error.status === 200 || (error.status >= 400 && error.status < 500));
    if (!refused) throw error;
    logger.warn({ objects: batch.length }, `${error.message}; describing these objects one by one`);
  }
  return Promise.all(
    batch.map(async (name): Promise<Subresult> => {
      outcome.calls++;
      try {
        const result = await client.json<unknown>({
          path: `sobjects/${encodeURIComponent(name)}/describe`,
          label: 'describe',
        });
        return { statusCode: 200, result };
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        return {
          statusCode: error.status || 500,
          result: [{ errorCode: error.errorCode, message: error.message }],
        };
      }
    }),
  );
}

function readSubresult(
  name: string,
  subresult: Subresult | undefined,
): { describe: SObjectDescribe } | (DescribeFailure & { transient: boolean }) {
  if (!subresult) return { name, reason: 'no result in the batch answer', transient: true };
  const describe = describedIn(subresult);
  if (describe) return { describe };
  const { statusCode, result } = subresult;
  if (statusCode >= 200 && statusCode < 300) return { name, reason: 'malformed describe', transient: false };
  const first = (Array.isArray(result) ? result[0] : result) as
    | { errorCode?: unknown; message?: unknown }
    | undefined;
  const code = typeof first?.errorCode === 'string' ? first.errorCode : undefined;
  const message = typeof first?.message === 'string' ? first.message : '';
  return {
    name,
    reason: scrub(`HTTP ${statusCode}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`),
    transient: statusCode >= 500 || statusCode === 429 || (code !== undefined && TRANSIENT_CODES.has(code)),
  };
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Runs `work` over `items` with at most `limit` in flight; the first failure stops new work and is thrown. */
export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
