import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Ajv as AjvInstance, ErrorObject, ValidateFunction } from 'ajv';
import { ConfigError } from '../errors.js';
import type { Catalog } from './catalog.js';
import type { StreamBookmark, TapState } from './state.js';

/** The package's `schemas/` file, found from here whether running from `src/` (tests) or `dist/src/`. */
function loadSchema(name: string): Record<string, unknown> {
  let dir = import.meta.dirname;
  for (let depth = 0; depth < 5; depth++) {
    const candidate = join(dir, 'schemas', name);
    if (existsSync(candidate)) return JSON.parse(readFileSync(candidate, 'utf8')) as Record<string, unknown>;
    dir = dirname(dir);
  }
  throw new ConfigError(`schemas/${name} is missing from the installation`);
}

let ajv: AjvInstance | null = null;

/** ajv, loaded on the first validation (synchronously: it is CommonJS); commands that validate nothing skip it. */
function compile(schemaFile: string): ValidateFunction {
  if (!ajv) {
    const { Ajv } = createRequire(import.meta.url)('ajv') as typeof import('ajv');
    ajv = new Ajv({ allErrors: true, strict: false });
  }
  return ajv.compile(loadSchema(schemaFile));
}

let catalogValidator: ValidateFunction | null = null;
let stateValidator: ValidateFunction | null = null;

function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .slice(0, 5)
    .map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`)
    .join('; ');
}

/** Checks a parsed `--catalog`/`--properties` file. Throws ConfigError naming `source` on a bad shape. */
export function validateCatalog(value: unknown, source: string): Catalog {
  catalogValidator ??= compile('catalog.schema.json');
  if (!catalogValidator(value)) {
    throw new ConfigError(
      `${source} is not a valid Singer catalog: ${describeErrors(catalogValidator.errors)}`,
    );
  }
  const catalog = value as Catalog;
  const seen = new Set<string>();
  for (const stream of catalog.streams) {
    if (seen.has(stream.tap_stream_id)) {
      throw new ConfigError(`${source}: stream '${stream.tap_stream_id}' appears twice`);
    }
    seen.add(stream.tap_stream_id);
  }
  return catalog;
}

/**
 * Checks a parsed `--state` file and brings older shapes to this tap's: a whole STATE message is unwrapped,
 * the Python taps' `current_stream` becomes `currently_syncing`, and their top-level `versions[stream]` moves
 * into `bookmarks[stream].version`. Throws ConfigError on a bad shape.
 */
export function validateState(value: unknown, source: string): TapState {
  if (value === null || value === undefined) return { bookmarks: {}, currently_syncing: null };
  let raw: unknown = value;
  if (isObject(raw) && raw.type === 'STATE' && 'value' in raw) raw = raw.value;
  if (raw === null) return { bookmarks: {}, currently_syncing: null };
  stateValidator ??= compile('state.schema.json');
  if (!isObject(raw) || !stateValidator(raw)) {
    const detail = isObject(raw) ? describeErrors(stateValidator.errors) : 'expected a JSON object';
    throw new ConfigError(`${source} is not a valid state: ${detail}`);
  }
  const bookmarks: Record<string, StreamBookmark> = {};
  for (const [stream, bookmark] of Object.entries((raw.bookmarks ?? {}) as Record<string, StreamBookmark>)) {
    bookmarks[stream] = { ...bookmark };
  }
  for (const [stream, version] of Object.entries((raw.versions ?? {}) as Record<string, number | null>)) {
    if (typeof version !== 'number') continue;
    const bookmark = bookmarks[stream] ?? {};
    if (typeof bookmark.version !== 'number') bookmark.version = version;
    bookmarks[stream] = bookmark;
  }
  const current = raw.currently_syncing ?? raw.current_stream ?? null;
  return { bookmarks, currently_syncing: typeof current === 'string' ? current : null };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
