import { ConfigError } from '../errors.js';
import type { Catalog } from './catalog.js';
import type { TapState } from './state.js';

/** Checks a parsed `--catalog`/`--properties` file. Throws ConfigError naming `source` on a bad shape. */
export function validateCatalog(value: unknown, source: string): Catalog {
  if (!value || typeof value !== 'object' || !Array.isArray((value as { streams?: unknown }).streams)) {
    throw new ConfigError(`${source}: a catalog is an object with a "streams" array`);
  }
  return value as Catalog;
}

/** Checks a parsed `--state` file and reads the Python taps' older shapes. Throws ConfigError on a bad shape. */
export function validateState(value: unknown, source: string): TapState {
  if (value === null || value === undefined) return { bookmarks: {}, currently_syncing: null };
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(`${source}: state must be a JSON object`);
  }
  const o = value as Record<string, unknown>;
  const bookmarks = (o.bookmarks ?? {}) as TapState['bookmarks'];
  const current = o.currently_syncing ?? o.current_stream ?? null;
  return { bookmarks, currently_syncing: typeof current === 'string' ? current : null };
}
