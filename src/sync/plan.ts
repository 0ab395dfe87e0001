/** What one stream's sync will do, decided before any query runs. Pure (the clock is passed in). */
import type { TapConfig } from '../config.js';
import { ConfigError } from '../errors.js';
import type { StreamBookmark } from '../singer/state.js';
import type { StreamPlan } from './runner.js';
import type { StreamSelection } from './selection.js';

/** `now` floored to the second: SOQL literals carry seconds, so the signpost matches the query exactly. */
export function signpostAt(now: Date): string {
  return `${now.toISOString().slice(0, 19)}.000Z`;
}

/** A bookmark value in the tap's form, or a ConfigError naming the stream (corrupt state). */
export function readBookmarkTime(stream: string, key: string, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new ConfigError(`state: bookmarks.${stream}.${key} is not a date-time: ${JSON.stringify(value)}`);
  }
  return new Date(ms).toISOString();
}

export function planStream(
  selection: StreamSelection,
  bookmark: StreamBookmark | undefined,
  config: Pick<TapConfig, 'startDate' | 'lookbackWindowSeconds'>,
  now: Date,
): StreamPlan {
  const signpost = signpostAt(now);
  const rk = selection.replicationKey;
  let start: string | null = null;
  if (selection.method === 'INCREMENTAL' && rk) {
    const saved = readBookmarkTime(selection.stream, rk, bookmark?.[rk]);
    start = saved
      ? new Date(Date.parse(saved) - config.lookbackWindowSeconds * 1000).toISOString()
      : new Date(Date.parse(config.startDate)).toISOString();
  }
  return {
    stream: selection.stream,
    object: selection.object,
    fields: selection.fields,
    schema: selection.schema,
    method: selection.method,
    replicationKey: selection.method === 'INCREMENTAL' ? rk : null,
    start,
    signpost,
    bookmark: { ...(bookmark ?? {}) },
  };
}
