import type { TapConfig } from '../config.js';
import type { Logger } from '../log.js';
import type { SalesforceClient } from '../salesforce/client.js';
import type { JsonSchema, ReplicationMethod } from '../singer/catalog.js';
import type { StreamBookmark } from '../singer/state.js';

/** A record as it goes into a RECORD message: attributes stripped, values coerced to the stream's schema. */
export type SfRecord = Record<string, unknown>;

/** What one stream's sync will do, decided before any query runs (see plan.ts). */
export interface StreamPlan {
  /** Singer stream id (= the object's API name). */
  stream: string;
  object: string;
  /** Salesforce field names to select, in schema order (compound fields excluded under Bulk). */
  fields: string[];
  /** The schema sent in SCHEMA, pruned to the emitted fields. */
  schema: JsonSchema;
  method: ReplicationMethod;
  replicationKey: string | null;
  /** Inclusive lower bound on the replication key (bookmark minus lookback, else start_date). */
  start: string | null;
  /** Exclusive upper bound: when this stream's sync began. Rows changed after it are left to the next run. */
  signpost: string;
  /** The stream's bookmark from the incoming state (runner resume points included). */
  bookmark: StreamBookmark;
}

/** Items a runner yields, in order. Records before a checkpoint are written before that checkpoint's STATE. */
export type RunnerItem =
  | {
      type: 'records';
      records: SfRecord[] /** Total rows Salesforce announced, when it did. */;
      total?: number;
    }
  /**
   * RECORD lines already encoded (UTF-8, each ending in `\n`, each begun with `recordPrefix()`), for runners
   * that turn rows straight into lines. From an unordered runner the engine takes no position from them; an
   * ordered runner adds `ends` and `positions` (given `orderedLines` in its context), so STATE can fall
   * between any two records, as with `records`.
   */
  | {
      type: 'lines';
      lines: Buffer;
      count: number;
      total?: number;
      /** `ends[i]`: the byte offset in `lines` just past record i's line. */
      ends?: Uint32Array;
      /** Record i's position: its replication-key value (normalised) or, without a key, its Id; else null. */
      positions?: Array<string | null>;
      /** Called once `lines` has been written, so its memory can be used again (items without `ends`). */
      release?: () => void;
    }
  /** A resume point: merged into the stream's bookmark; the engine emits STATE when its threshold allows. */
  | {
      type: 'checkpoint';
      bookmark: StreamBookmark;
      /**
       * Write STATE now, whatever the threshold, and hand it to stdout before the runner goes on: for a
       * runner about to remove what earlier STATEs point at (a finished Bulk job it deletes).
       */
      commit?: boolean;
    };

export interface RunnerContext {
  client: SalesforceClient;
  config: TapConfig;
  plan: StreamPlan;
  logger: Logger;
  signal: AbortSignal;
  /** The head of this stream's RECORD lines, up to `"record":`, stamped with the current time. */
  recordPrefix: () => string;
  /**
   * The engine takes `lines` items with `ends` and `positions` from this (ordered) runner. Unset when a runner
   * uses another's items itself (the Bulk runner's REST fallback reads `records`).
   */
  orderedLines?: boolean;
}

export interface QueryRunner {
  readonly name: 'REST' | 'BULK';
  /**
   * True when records arrive in replication-key order, so the bookmark may advance with every record.
   * Unordered runners (Bulk) only move the bookmark at their final checkpoint.
   */
  readonly ordered: boolean;
  run(context: RunnerContext): AsyncIterable<RunnerItem>;
}
