/**
 * Raw Salesforce values → values that validate against the stream's schema. One coercer is compiled per
 * stream from its schema, so the per-record work is a loop over prepared converters. The normalisers are
 * shared by the REST runner (JSON values) and the Bulk runner (CSV strings), so both yield identical records.
 */
import type { JsonSchema } from '../singer/catalog.js';
import type { SfRecord } from './runner.js';

export type Source = 'json' | 'csv';
export type Normaliser = (value: unknown) => unknown;

const OFFSET = /([+-])(\d{2}):?(\d{2})$/;

/** Any datetime Salesforce writes → `YYYY-MM-DDTHH:MM:SS.sssZ`; '' and null → null. */
export function normaliseDatetime(value: unknown): unknown {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value !== 'string') return value;
  // Fast paths: REST's `2024-01-31T12:34:56.000+0000` and Bulk's `2024-01-31T12:34:56.000Z`.
  if (value.length === 28 && value.endsWith('+0000') && value[19] === '.') return `${value.slice(0, 23)}Z`;
  if (value.length === 24 && value[23] === 'Z' && value[19] === '.') return value;
  const ms = Date.parse(value.replace(OFFSET, '$1$2:$3'));
  return Number.isNaN(ms) ? value : new Date(ms).toISOString();
}

/** `YYYY-MM-DD`; a datetime given for a date keeps its date part. */
export function normaliseDate(value: unknown): unknown {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value !== 'string') return value;
  return value.length > 10 && value[4] === '-' && value[7] === '-' ? value.slice(0, 10) : value;
}

/** JSON numbers stay; strings (`1.0E7`, `1,234.5`, `0.0`) become numbers; '' → null. */
export function normaliseNumber(value: unknown): unknown {
  if (typeof value === 'number' || value === null) return value;
  if (value === undefined || value === '') return null;
  if (typeof value !== 'string') return value;
  const n = Number(value.includes(',') ? value.replace(/,/g, '') : value);
  return Number.isNaN(n) ? value : n;
}

export function normaliseBoolean(value: unknown): unknown {
  if (typeof value === 'boolean' || value === null) return value;
  if (value === undefined || value === '') return null;
  if (typeof value === 'string') {
    const lower = value.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return value;
}

const passJson: Normaliser = (value) => (value === undefined ? null : value);
/** Bulk CSV cannot tell an empty string from null; Salesforce stores no empty strings, so '' is null. */
const passCsv: Normaliser = (value) => (value === undefined || value === '' ? null : value);

function types(schema: JsonSchema): { types: Set<string>; format: string | undefined; node: JsonSchema } {
  const found = new Set<string>();
  let format = schema.format;
  let node = schema;
  const add = (s: JsonSchema): void => {
    if (typeof s.type === 'string') found.add(s.type);
    else if (Array.isArray(s.type)) for (const t of s.type) found.add(t);
    if (s.format && !format) format = s.format;
    if (s.properties && !node.properties) node = s;
  };
  add(schema);
  for (const branch of schema.anyOf ?? []) add(branch);
  return { types: found, format, node };
}

/** The converter for one property, chosen from its schema. */
export function normaliserFor(schema: JsonSchema, source: Source): Normaliser {
  const { types: t, format, node } = types(schema);
  if (format === 'date-time') return normaliseDatetime;
  if (format === 'date') return normaliseDate;
  if (t.has('object') && node.properties) {
    const inner = compileFields(node.properties, Object.keys(node.properties), source);
    return (value) =>
      value === null || value === undefined || value === '' ? null : inner(value as SfRecord);
  }
  if (t.has('integer') || t.has('number')) return normaliseNumber;
  if (t.has('boolean')) return normaliseBoolean;
  return source === 'csv' ? passCsv : passJson;
}

const passThrough = new Set<Normaliser>([passJson]);

/**
 * Builds `raw => ({ "A": c0(raw["A"]), "B": raw["B"] ?? null, ... })` once per schema: an object literal of a
 * fixed shape with constant keys is several times faster than a keyed loop over field names. Names are
 * embedded through JSON.stringify, so no field name can escape its string literal.
 */
function compileFields(
  properties: Record<string, JsonSchema>,
  fields: string[],
  source: Source,
): (raw: Record<string, unknown>) => SfRecord {
  const converters = fields.map((f) => normaliserFor(properties[f] ?? {}, source));
  const parts = fields.map((name, i) => {
    const key = JSON.stringify(name);
    return passThrough.has(converters[i] as Normaliser)
      ? `${key}: raw[${key}] ?? null`
      : `${key}: c[${i}](raw[${key}])`;
  });
  const build = new Function('c', `return function coerce(raw) { return { ${parts.join(', ')} }; };`) as (
    c: Normaliser[],
  ) => (raw: Record<string, unknown>) => SfRecord;
  return build(converters);
}

/**
 * Compiles the record builder for a stream: picks `fields` (so `attributes` and anything unselected is
 * dropped) and converts each value as its schema property says.
 */
export function compileCoercer(
  schema: JsonSchema,
  fields: string[],
  source: Source = 'json',
): (raw: Record<string, unknown>) => SfRecord {
  return compileFields(schema.properties ?? {}, fields, source);
}
