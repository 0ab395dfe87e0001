/** Bookmark arithmetic for the engine. Pure. */
import type { StreamBookmark } from '../singer/state.js';

/** The later of two ISO values of the same kind (normalised datetimes or dates compare as strings). */
export function later(a: string | null | undefined, b: string | null | undefined): string | null {
  if (!a) return b ?? null;
  if (!b) return a;
  return b > a ? b : a;
}

/** A replication-key bookmark never passes the signpost: rows changing during the run are next run's. */
export function capAtSignpost(value: string, signpost: string): string {
  return value > signpost ? signpost : value;
}

/**
 * A full-table bookmark with a version and a resume point beside it (`last_id`, a Bulk runner's job) belongs
 * to a run that did not finish: the next run continues it with the same version. A finished run leaves only
 * `version`. Date-time values (a replication-key bookmark left from incremental days) are not resume points.
 */
export function fullTableInProgress(bookmark: StreamBookmark | undefined): boolean {
  if (!bookmark || typeof bookmark.version !== 'number') return false;
  return Object.entries(bookmark).some(
    ([key, value]) =>
      key !== 'version' &&
      value !== null &&
      value !== undefined &&
      !(typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value)),
  );
}

/** The bookmark a finished full-table run leaves: its version only (resume points cleared). */
export function finishedFullTable(version: number): StreamBookmark {
  return { version };
}

/**
 * Bookmarks for the streams in the catalog's order with the one that was syncing first: a run given the
 * state of an interrupted run resumes at the stream it was syncing.
 */
export function resumeOrder<T extends { stream: string }>(
  streams: T[],
  currentlySyncing: string | null,
): T[] {
  const first = streams.find((s) => s.stream === currentlySyncing);
  return first ? [first, ...streams.filter((s) => s !== first)] : [...streams];
}
