/** Singer selection rules applied to one catalog entry. Pure. */
import type { CatalogStream, JsonSchema, ReplicationMethod } from '../singer/catalog.js';

export interface StreamSelection {
  /** The Singer stream id (`tap_stream_id`). */
  stream: string;
  /** The Salesforce object queried. */
  object: string;
  selected: boolean;
  /** Fields to emit, in schema order; key properties, the replication key and IsDeleted are always in. */
  fields: string[];
  /** The catalog schema pruned to `fields`. */
  schema: JsonSchema;
  keyProperties: string[];
  method: ReplicationMethod;
  replicationKey: string | null;
  /** Why this stream cannot sync as the catalog asks; a stream with problems is skipped with a warning. */
  problems: string[];
  /** Things the user should know that do not stop the stream. */
  notes: string[];
}

/** `true`, or the string `"true"` some catalogs (and Singer's own SYNC_MODE example) carry. */
export function truthy(value: unknown): boolean | null {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return null;
}

function rootMetadata(entry: CatalogStream): Record<string, unknown> {
  return entry.metadata?.find((m) => m.breadcrumb.length === 0)?.metadata ?? {};
}

function fieldMetadata(entry: CatalogStream): Map<string, Record<string, unknown>> {
  const map = new Map<string, Record<string, unknown>>();
  for (const m of entry.metadata ?? []) {
    if (m.breadcrumb.length === 2 && m.breadcrumb[0] === 'properties') map.set(m.breadcrumb[1], m.metadata);
  }
  return map;
}

/** `forced-replication-method` as a string, or as the `{replication-method, reason}` object some forks write. */
export function forcedMethod(value: unknown): ReplicationMethod | null {
  const raw =
    typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)['replication-method']
      : value;
  return raw === 'FULL_TABLE' || raw === 'INCREMENTAL' ? raw : null;
}

function method(value: unknown): ReplicationMethod | null {
  return value === 'FULL_TABLE' || value === 'INCREMENTAL' ? value : null;
}

/**
 * Field rule (Singer): `automatic` always, `unsupported` never, an explicit `selected` wins, otherwise
 * `selected-by-default`; the legacy `selected` inside the property's schema counts as explicit.
 */
export function fieldSelected(
  metadata: Record<string, unknown> | undefined,
  schema: JsonSchema | undefined,
): boolean {
  const inclusion = metadata?.inclusion;
  if (inclusion === 'automatic') return true;
  if (inclusion === 'unsupported') return false;
  const explicit = truthy(metadata?.selected) ?? truthy(schema?.selected);
  if (explicit !== null) return explicit;
  return truthy(metadata?.['selected-by-default']) ?? false;
}

/** What an object or field API name can be in SOQL; a catalog name outside it would change the query. */
const SOQL_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

export function selectStream(entry: CatalogStream): StreamSelection {
  const root = rootMetadata(entry);
  const fieldsMeta = fieldMetadata(entry);
  const properties = entry.schema.properties ?? {};
  const problems: string[] = [];
  const notes: string[] = [];
  const stream = entry.tap_stream_id;
  const object = entry.table_name ?? entry.stream ?? stream;
  const selected = truthy(root.selected) ?? truthy(entry.schema.selected) ?? false;

  const keyCandidates = root['table-key-properties'] ?? entry.key_properties;
  const keyProperties = Array.isArray(keyCandidates)
    ? keyCandidates.filter((k): k is string => typeof k === 'string')
    : 'Id' in properties
      ? ['Id']
      : [];

  const forced = forcedMethod(root['forced-replication-method']);
  let replicationKey =
    typeof root['replication-key'] === 'string'
      ? root['replication-key']
      : typeof entry.replication_key === 'string' && entry.replication_key !== ''
        ? entry.replication_key
        : null;
  const validKeys = Array.isArray(root['valid-replication-keys'])
    ? (root['valid-replication-keys'] as unknown[]).filter((k): k is string => typeof k === 'string')
    : [];
  let chosen = method(root['replication-method']) ?? method(entry.replication_method);
  if (forced && chosen && forced !== chosen) {
    notes.push(`replication method ${chosen} is not possible for ${object}; using ${forced}`);
  }
  if (forced) chosen = forced;
  // With no method given, a key means incremental (the Python taps silently fell back to full table).
  chosen ??= replicationKey || validKeys.length > 0 ? 'INCREMENTAL' : 'FULL_TABLE';
  if (chosen === 'INCREMENTAL' && !replicationKey) {
    replicationKey = validKeys[0] ?? null;
    if (!replicationKey) {
      notes.push(`no replication key for ${object}; syncing it FULL_TABLE`);
      chosen = 'FULL_TABLE';
    }
  }
  if (chosen === 'FULL_TABLE') replicationKey = null;
  if (typeof object !== 'string' || !SOQL_NAME.test(object)) {
    problems.push(`object name ${JSON.stringify(object)} is not a SOQL identifier`);
  }
  for (const name of [replicationKey, ...keyProperties]) {
    if (name && !SOQL_NAME.test(name))
      problems.push(`field name ${JSON.stringify(name)} is not a SOQL identifier`);
  }
  if (replicationKey && !(replicationKey in properties)) {
    problems.push(`replication key '${replicationKey}' is not a field of ${object} in the catalog`);
  }
  for (const key of keyProperties) {
    if (!(key in properties))
      problems.push(`key property '${key}' is not a field of ${object} in the catalog`);
  }

  const always = new Set<string>([...keyProperties, ...(replicationKey ? [replicationKey] : [])]);
  // Soft deletes arrive as IsDeleted: true; without the field a target could not tell them apart.
  if ('IsDeleted' in properties && fieldsMeta.get('IsDeleted')?.inclusion !== 'unsupported')
    always.add('IsDeleted');
  const fields: string[] = [];
  const pruned: Record<string, JsonSchema> = {};
  for (const [name, schema] of Object.entries(properties)) {
    if (always.has(name) || fieldSelected(fieldsMeta.get(name), schema)) {
      if (!SOQL_NAME.test(name)) {
        notes.push(`field ${JSON.stringify(name)} of ${object} is not a SOQL identifier; leaving it out`);
        continue;
      }
      fields.push(name);
      const { selected: _legacy, inclusion: _inclusion, ...clean } = schema;
      pruned[name] = clean;
    }
  }
  const { selected: _selected, properties: _properties, ...schemaRest } = entry.schema;
  const schema: JsonSchema = { ...schemaRest, type: schemaRest.type ?? 'object', properties: pruned };
  if (Array.isArray(schema.required)) {
    schema.required = (schema.required as unknown[]).filter((r) => typeof r === 'string' && r in pruned);
  }
  return {
    stream,
    object,
    selected,
    fields,
    schema,
    keyProperties,
    method: chosen,
    replicationKey,
    problems,
    notes,
  };
}
