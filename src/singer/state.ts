/**
 * The tap's STATE. `bookmarks[stream]` keeps the replication-key value under the key's own name, as the
 * Python Salesforce taps do, so state moves between taps; runner-specific resume points live beside it.
 */
export interface StreamBookmark {
  /** `<replication key>: <ISO value>`, e.g. `SystemModstamp: "2024-01-31T12:34:56.000Z"`, plus the keys below. */
  [replicationKeyOrExtra: string]: unknown;
  /** Full-table streams: the version of the run in progress (ACTIVATE_VERSION). */
  version?: number;
}

export interface TapState {
  bookmarks: Record<string, StreamBookmark>;
  currently_syncing: string | null;
}
