/**
 * The sync engine: plans each selected stream, runs it through the REST or Bulk runner, and writes SCHEMA,
 * RECORD, STATE and ACTIVATE_VERSION messages. A STATE line only ever follows the records it covers; on an
 * interrupt, a tripped quota guard or a failure it writes the last valid STATE before it throws.
 */
import type { TapConfig } from '../config.js';
import { ApiError, TapError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ProgressSink } from '../progress.js';
import type { SalesforceClient } from '../salesforce/client.js';
import type { Catalog } from '../singer/catalog.js';
import {
  activateVersionMessage,
  line,
  RECORD_SUFFIX,
  recordPrefix,
  schemaMessage,
  stateMessage,
} from '../singer/messages.js';
import type { StreamBookmark, TapState } from '../singer/state.js';
import { SingerWriter } from '../singer/writer.js';
import { planStream } from './plan.js';
import type { QueryRunner, SfRecord, StreamPlan } from './runner.js';
import { restRunner } from './runners/rest.js';
import { type StreamSelection, selectStream } from './selection.js';
import { capAtSignpost, finishedFullTable, fullTableInProgress, later, resumeOrder } from './state.js';

export interface SyncOptions {
  config: TapConfig;
  client: SalesforceClient;
  catalog: Catalog;
  state: TapState;
  logger: Logger;
  /** Where Singer messages go (stdout in the CLI). */
  out: NodeJS.WritableStream;
  /** Aborted on SIGTERM/SIGINT: the run stops fetching, writes its last valid STATE and throws 'interrupted'. */
  signal: AbortSignal;
  progress?: ProgressSink;
  /** The clock, for tests. */
  now?: () => Date;
}

/**
 * Salesforce's answers meaning the catalog names something the org does not have (any more), or an object
 * that cannot be queried: the stream is skipped with a warning and the others sync.
 */
const SKIP_CODES = new Set([
  'INVALID_FIELD',
  'INVALID_TYPE',
  'INVALID_TYPE_FOR_OPERATION',
  'NOT_FOUND',
  'InvalidEntity',
  'INVALID_ENTITY',
]);

/** Why a stream is skipped instead of failing the run, or null. */
export function skipReason(error: unknown): string | null {
  if (error instanceof ApiError && error.errorCode && SKIP_CODES.has(error.errorCode)) return error.message;
  return null;
}

/** The runner for the configured API; the Bulk runner's modules are loaded only when asked for. */
async function chooseRunner(config: TapConfig): Promise<QueryRunner> {
  if (config.apiType !== 'BULK') return restRunner;
  const { bulkRunner } = await import('./runners/bulk.js');
  return bulkRunner;
}

/** Live progress of one stream, read when a STATE is written. */
interface StreamRun {
  plan: StreamPlan;
  /** The stream's bookmark as of the records written so far. */
  bookmark: StreamBookmark;
  /** The position value (see `positionValue`) of the last record written, once one was. */
  last: { value: unknown } | null;
}

/** Syncs every selected stream of the catalog. */
export async function runSync(options: SyncOptions): Promise<void> {
  const { config, client, catalog, logger, signal, progress } = options;
  const now = options.now ?? (() => new Date());
  const writer = new SingerWriter(options.out);
  const state: TapState = {
    bookmarks: structuredClone(options.state.bookmarks),
    currently_syncing: options.state.currently_syncing,
  };
  const stop = new AbortController();
  const onAbort = (): void => stop.abort(signal.reason);
  if (signal.aborted) onAbort();
  signal.addEventListener('abort', onAbort, { once: true });
  writer.onBroken((error) => stop.abort(error));

  const selected = catalog.streams.map(selectStream).filter((s) => s.selected);
  if (selected.length === 0) logger.warn('no stream is selected in the catalog; nothing to sync');
  const queue = resumeOrder(selected, state.currently_syncing);
  const runner = await chooseRunner(config);
  const threshold = Math.max(1, config.threshold);
  const active = new Map<string, StreamRun>();

  /** What a record's place in an ordered stream is: its replication-key value, or its Id without a key. */
  const positionValue = (plan: StreamPlan, record: SfRecord): unknown =>
    plan.replicationKey ? record[plan.replicationKey] : record.Id;
  /** Moves the bookmark to a record's position value. */
  const advance = (run: StreamRun, value: unknown): void => {
    const { plan } = run;
    if (plan.replicationKey) {
      if (typeof value === 'string') {
        run.bookmark[plan.replicationKey] = capAtSignpost(
          later(run.bookmark[plan.replicationKey] as string | undefined, value) as string,
          plan.signpost,
        );
      }
    } else if (typeof value === 'string') {
      run.bookmark.last_id = value;
    }
  };

  let lastStateLine = '';
  /** Appends a STATE line carrying every stream's progress as of the lines already appended. */
  const appendState = async (): Promise<void> => {
    state.currently_syncing = active.keys().next().value ?? null;
    const text = line(stateMessage(state));
    if (text === lastStateLine) return;
    lastStateLine = text;
    if (writer.append(text)) await writer.flush();
  };
  const commit = (run: StreamRun): void => {
    state.bookmarks[run.plan.stream] = { ...run.bookmark };
  };

  const syncStream = async (selection: StreamSelection): Promise<void> => {
    for (const note of selection.notes) logger.warn({ stream: selection.stream }, note);
    if (selection.problems.length > 0) {
      logger.warn(
        { stream: selection.stream },
        `skipping stream ${selection.stream}: ${selection.problems.join('; ')}`,
      );
      return;
    }
    const previous = state.bookmarks[selection.stream];
    const plan = planStream(selection, previous, config, now());
    const full = plan.method === 'FULL_TABLE';
    const resuming = full && fullTableInProgress(previous);
    const version = full ? (resuming ? (previous?.version as number) : now().getTime()) : null;
    const bookmark: StreamBookmark = { ...plan.bookmark };
    const rk = plan.replicationKey;
    if (rk && bookmark[rk] !== undefined && bookmark[rk] !== null) {
      bookmark[rk] = new Date(Date.parse(bookmark[rk] as string)).toISOString();
    }
    if (full) {
      if (!resuming) bookmark.last_id = undefined;
      for (const key of Object.keys(bookmark)) if (bookmark[key] === undefined) delete bookmark[key];
      bookmark.version = version as number;
    }
    const run: StreamRun = { plan: { ...plan, bookmark: { ...bookmark } }, bookmark, last: null };
    active.set(plan.stream, run);
    progress?.streamStarted(plan.stream, runner.name);
    logger.info(
      {
        stream: plan.stream,
        method: plan.method,
        start: plan.start,
        signpost: plan.signpost,
        runner: runner.name,
      },
      `syncing ${plan.stream} (${plan.method}${rk ? ` by ${rk} from ${plan.start}` : ''}${resuming ? ', resuming' : ''})`,
    );
    await appendState();

    let headerWritten = false;
    const header = async (): Promise<void> => {
      if (headerWritten) return;
      headerWritten = true;
      writer.append(line(schemaMessage(plan.stream, plan.schema, selection.keyProperties, rk ? [rk] : null)));
      // The first full-table run announces its version before any record, so targets create the table.
      if (full && previous === undefined)
        writer.append(line(activateVersionMessage(plan.stream, version as number)));
    };

    let count = 0;
    let sinceState = 0;
    let finished = false;
    try {
      const context = {
        client,
        config,
        plan: run.plan,
        logger,
        signal: stop.signal,
        recordPrefix: () => recordPrefix(plan.stream, now().toISOString(), version),
        orderedLines: runner.ordered,
      };
      for await (const item of runner.run(context)) {
        await header();
        if (item.type === 'records') {
          const records = item.records;
          if (records.length === 0) continue;
          const prefix = recordPrefix(plan.stream, now().toISOString(), version);
          for (const record of records) {
            if (writer.append(prefix + JSON.stringify(record) + RECORD_SUFFIX)) await writer.flush();
            if (++sinceState >= threshold && runner.ordered) {
              advance(run, positionValue(plan, record));
              commit(run);
              await appendState();
              sinceState = 0;
            }
          }
          count += records.length;
          run.last = { value: positionValue(plan, records[records.length - 1] as SfRecord) };
          progress?.records(plan.stream, records.length, item.total);
        } else if (item.type === 'lines') {
          const { ends, positions, count: n } = item;
          if (ends && positions && runner.ordered) {
            // As for records: STATE right after the line of every `threshold`-th record, with its position.
            let from = 0;
            let i = 0;
            for (let at = i + Math.max(1, threshold - sinceState) - 1; at < n; at = i + threshold - 1) {
              const end = ends[at] as number;
              if (writer.appendBytes(item.lines.subarray(from, end))) await writer.flush();
              advance(run, positions[at]);
              commit(run);
              await appendState();
              sinceState = 0;
              from = end;
              i = at + 1;
            }
            if (i < n) {
              if (writer.appendBytes(item.lines.subarray(from))) await writer.flush();
              sinceState += n - i;
            }
            if (n > 0) run.last = { value: positions[n - 1] };
          } else {
            if (writer.appendBytes(item.lines, item.release)) await writer.flush();
            sinceState += n;
          }
          count += n;
          progress?.records(plan.stream, n, item.total);
        } else {
          Object.assign(run.bookmark, item.bookmark);
          // A null in a checkpoint clears that resume point (e.g. a Bulk job fully read).
          for (const [key, value] of Object.entries(item.bookmark))
            if (value === null) delete run.bookmark[key];
          if (sinceState >= threshold || item.commit) {
            commit(run);
            await appendState();
            if (item.commit) await writer.flush();
            sinceState = 0;
          }
        }
        if (stop.signal.aborted) break;
      }
      finished = !stop.signal.aborted;
    } catch (error) {
      const reason = headerWritten ? null : skipReason(error);
      if (!reason || stop.signal.aborted) throw error;
      logger.warn({ stream: plan.stream }, `skipping stream ${plan.stream}: ${reason}`);
      active.delete(plan.stream);
      await appendState();
      return;
    }
    if (!finished) return;

    await header();
    if (run.last && runner.ordered) advance(run, run.last.value);
    if (full) {
      writer.append(line(activateVersionMessage(plan.stream, version as number)));
      run.bookmark = finishedFullTable(version as number);
    } else if (rk && typeof run.bookmark[rk] === 'string') {
      run.bookmark[rk] = capAtSignpost(run.bookmark[rk] as string, plan.signpost);
    }
    commit(run);
    active.delete(plan.stream);
    await appendState();
    await writer.flush();
    progress?.streamFinished(plan.stream);
    logger.info({ stream: plan.stream, records: count }, `${plan.stream}: ${count} records`);
  };

  let failure: unknown = null;
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next && !stop.signal.aborted; next = queue.shift()) {
      try {
        await syncStream(next);
      } catch (error) {
        failure ??= error;
        stop.abort(error);
      }
    }
  };
  const workers = Math.max(1, Math.min(config.maxWorkers || 1, queue.length));
  try {
    await Promise.all(Array.from({ length: workers }, worker));
  } finally {
    signal.removeEventListener('abort', onAbort);
  }

  if (writer.broken) throw writer.broken;
  // Streams cut short keep the position of the last record written: every line before this STATE is complete.
  for (const run of active.values()) {
    if (run.last && runner.ordered) advance(run, run.last.value);
    commit(run);
  }
  if (active.size === 0) state.currently_syncing = null;
  try {
    await appendState();
    await writer.end();
  } catch (error) {
    throw writer.broken ?? error;
  }
  if (signal.aborted) {
    const reason = signal.reason;
    throw reason instanceof TapError
      ? reason
      : new TapError('interrupted', 'interrupted; the last STATE was written');
  }
  if (failure) throw failure;
}
