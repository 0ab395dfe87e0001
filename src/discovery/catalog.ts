/** Describe results → Singer catalog entries with their metadata. Pure and deterministic. */
import type { ApiType } from '../config.js';
import type { SObjectDescribe } from '../salesforce/describe.js';
import type { Catalog, CatalogStream, JsonSchema, MetadataEntry } from '../singer/catalog.js';
import { mapField } from './field-schema.js';
import { chooseReplicationKey, keyPropertyFor } from './keys.js';

export interface EntryOptions {
  apiType: ApiType;
  selectFieldsByDefault: boolean;
  /**
   * False: field schemas are the type table's own objects, not copies. Only for an entry that is serialised
   * and dropped at once (`--discover`), never for one anybody may change.
   */
  copySchemas?: boolean;
}

/** Code-unit order: the same on every machine and locale. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A deep copy of a small schema from the type table, so that entries never share objects. */
function copySchema(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (Array.isArray(value)) out[key] = [...value];
    else if (value !== null && typeof value === 'object') out[key] = copySchema(value as JsonSchema);
    else out[key] = value;
  }
  return out;
}

/**
 * One catalog entry. Stream metadata: `table-key-properties`, `valid-replication-keys`, `replication-method`,
 * `replication-key` (INCREMENTAL by default when a key exists), `forced-replication-method` (FULL_TABLE
 * otherwise) and `salesforce-api-type` (the API the entry was discovered for: under BULK compound fields are
 * unsupported). Field metadata: `inclusion`, `selected-by-default`, `unsupported-description`,
 * `salesforce-type`, `salesforce-calculated` (formula fields, which do not move SystemModstamp) and
 * `salesforce-compound-field` (for `BillingStreet`: `BillingAddress`).
 */
export function buildCatalogEntry(describe: SObjectDescribe, options: EntryOptions): CatalogStream {
  const object = describe.name;
  const keyProperty = keyPropertyFor(object);
  const { replicationKey } = chooseReplicationKey(object, describe.fields);
  const automatic = new Set([keyProperty, 'IsDeleted']);
  if (replicationKey) automatic.add(replicationKey);

  const fields = [...describe.fields].sort((a, b) => compareNames(a.name, b.name));
  const properties: Record<string, JsonSchema> = {};
  const fieldMetadata: MetadataEntry[] = [];
  for (const field of fields) {
    if (field.name in properties) continue;
    const mapping = mapField(object, field, options.apiType);
    properties[field.name] = options.copySchemas === false ? mapping.schema : copySchema(mapping.schema);
    // Keys are written in alphabetical order, so that the output is sorted without sorting.
    const metadata: Record<string, unknown> = {
      inclusion: mapping.unsupported ? 'unsupported' : automatic.has(field.name) ? 'automatic' : 'available',
    };
    if (field.calculated) metadata['salesforce-calculated'] = true;
    if (field.compoundFieldName) metadata['salesforce-compound-field'] = field.compoundFieldName;
    metadata['salesforce-type'] = field.type;
    if (mapping.unsupported) metadata['unsupported-description'] = mapping.unsupported;
    else metadata['selected-by-default'] = options.selectFieldsByDefault;
    fieldMetadata.push({ breadcrumb: ['properties', field.name], metadata });
  }

  const root: Record<string, unknown> = replicationKey
    ? {
        'replication-key': replicationKey,
        'replication-method': 'INCREMENTAL',
        'salesforce-api-type': options.apiType,
        'table-key-properties': [keyProperty],
        'valid-replication-keys': [replicationKey],
      }
    : {
        'forced-replication-method': 'FULL_TABLE',
        'replication-method': 'FULL_TABLE',
        'salesforce-api-type': options.apiType,
        'table-key-properties': [keyProperty],
      };

  return {
    tap_stream_id: object,
    stream: object,
    key_properties: [keyProperty],
    replication_method: replicationKey ? 'INCREMENTAL' : 'FULL_TABLE',
    ...(replicationKey ? { replication_key: replicationKey } : {}),
    schema: { type: 'object', additionalProperties: false, properties },
    metadata: [{ breadcrumb: [], metadata: root }, ...fieldMetadata],
  };
}

/** The catalog, streams in tap_stream_id order: the same org gives the same bytes. */
export function buildCatalog(describes: readonly SObjectDescribe[], options: EntryOptions): Catalog {
  const streams = describes.map((d) => buildCatalogEntry(d, options));
  streams.sort((a, b) => compareNames(a.tap_stream_id, b.tap_stream_id));
  return { streams };
}

const CATALOG_HEAD = '{\n  "streams": [\n';
const CATALOG_TAIL = '\n  ]\n}';

/** One entry as it appears inside `JSON.stringify(catalog, null, 2)`: indented for its place in `streams`. */
export function renderEntry(entry: CatalogStream): string {
  const text = JSON.stringify({ streams: [entry] }, null, 2);
  return text.slice(CATALOG_HEAD.length, text.length - CATALOG_TAIL.length);
}

/** `JSON.stringify({ streams }, null, 2)` from the entries' `renderEntry` texts, in order. */
export function renderCatalog(entryTexts: readonly string[]): string {
  if (entryTexts.length === 0) return JSON.stringify({ streams: [] }, null, 2);
  return `${CATALOG_HEAD}${entryTexts.join(',\n')}${CATALOG_TAIL}`;
}

/**
 * `renderCatalog` and a newline, in UTF-8, as the pieces to write one after another: the entries' `renderEntry`
 * texts, already encoded, and what goes between them. Not joined: a 1 000-object catalog is ~6 MB, and a new
 * buffer that size costs ~20 ms of first-touch page faults on a small VM, where writing the pieces costs none.
 */
export function catalogParts(entries: readonly Buffer[]): Buffer[] {
  if (entries.length === 0) return [Buffer.from(`${renderCatalog([])}\n`)];
  const separator = Buffer.from(',\n');
  const parts: Buffer[] = [Buffer.from(CATALOG_HEAD)];
  for (const [i, entry] of entries.entries()) {
    if (i > 0) parts.push(separator);
    parts.push(entry);
  }
  parts.push(Buffer.from(`${CATALOG_TAIL}\n`));
  return parts;
}
