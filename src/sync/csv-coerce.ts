/**
 * Bulk CSV values → record values, by the stream's JSON Schema (and the field's `salesforce-type` where the
 * schema alone is ambiguous). Compiled once per stream into one function per column, so a row costs one call
 * per value. Pure.
 *
 * Bulk CSV cannot tell null from empty text: every empty value becomes null, which is also what REST returns
 * for empty text. The other values end up as the REST runner emits them: booleans, numbers (Java-style
 * `1.0E7` included), dates `YYYY-MM-DD`, datetimes `YYYY-MM-DDTHH:MM:SS.sssZ`.
 */
import type { JsonSchema } from '../singer/catalog.js';
import type { SfRecord } from './runner.js';

export type ValueCoercer = (raw: string) => unknown;

const DATETIME_CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const DATE_CANONICAL = /^\d{4}-\d{2}-\d{2}$/;

/** `2024-01-31T12:34:56.000Z`; CSV datetimes usually arrive in this form already. */
export function coerceDateTime(raw: string): unknown {
  if (raw === '') return null;
  if (DATETIME_CANONICAL.test(raw)) return raw;
  // `+0000` offsets (REST style) and other ISO-8601 forms.
  const ms = Date.parse(raw.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(ms) ? raw : new Date(ms).toISOString();
}

export function coerceDate(raw: string): unknown {
  if (raw === '') return null;
  if (DATE_CANONICAL.test(raw)) return raw;
  const ms = Date.parse(raw);
  return Number.isNaN(ms) ? raw : new Date(ms).toISOString().slice(0, 10);
}

export function coerceNumber(raw: string): unknown {
  if (raw === '') return null;
  const n = Number(raw);
  // Anything Number() cannot read is passed on as is, for the target's validation to report.
  return Number.isNaN(n) ? raw : n;
}

export function coerceInteger(raw: string): unknown {
  if (raw === '') return null;
  const n = Number(raw);
  if (Number.isNaN(n)) return raw;
  // `0.0` for an integer field (seen from Bulk for int formulas) is 0.
  return Number.isInteger(n) ? n : Math.trunc(n);
}

export function coerceBoolean(raw: string): unknown {
  if (raw === '') return null;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  const lower = raw.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  return raw;
}

export function coerceString(raw: string): unknown {
  return raw === '' ? null : raw;
}

function types(schema: JsonSchema): Set<string> {
  const out = new Set<string>();
  const add = (s: JsonSchema) => {
    if (typeof s.type === 'string') out.add(s.type);
    else if (Array.isArray(s.type)) for (const t of s.type) out.add(t);
    if (s.format === 'date-time') out.add('date-time');
    if (s.format === 'date') out.add('date');
    for (const branch of s.anyOf ?? []) add(branch);
  };
  add(schema);
  return out;
}

/** The coercer for one field, from its `salesforce-type` when known, else from its schema. */
export function coercerFor(schema: JsonSchema | undefined, salesforceType?: string): ValueCoercer {
  switch (salesforceType?.toLowerCase()) {
    case 'datetime':
      return coerceDateTime;
    case 'date':
      return coerceDate;
    case 'boolean':
      return coerceBoolean;
    case 'int':
    case 'long':
      return coerceInteger;
    case 'double':
    case 'currency':
    case 'percent':
      return coerceNumber;
    case 'time':
      return coerceString;
  }
  if (!schema) return coerceString;
  const t = types(schema);
  if (t.has('date-time')) return coerceDateTime;
  if (t.has('date')) return coerceDate;
  if (t.has('boolean')) return coerceBoolean;
  if (t.has('integer')) return coerceInteger;
  if (t.has('number')) return coerceNumber;
  return coerceString;
}

export interface CsvCoercerOptions {
  /** The stream's schema (its `properties` name the fields). */
  schema: JsonSchema;
  /** `salesforce-type` per field, from the catalog metadata. */
  salesforceTypes?: Record<string, string>;
}

/** Builds records from CSV rows whose header is `header`; columns the schema does not know are dropped. */
export type RowCoercer = (row: string[]) => SfRecord;

/**
 * Compiles the per-column coercers for a result page's header. Headers repeat on every page, so the result is
 * cached by the caller per header text.
 */
export function compileCsvCoercer(header: string[], options: CsvCoercerOptions): RowCoercer {
  const properties = options.schema.properties ?? {};
  const names: string[] = [];
  const indexes: number[] = [];
  const fns: ValueCoercer[] = [];
  header.forEach((name, index) => {
    const schema = properties[name];
    if (!schema) return;
    names.push(name);
    indexes.push(index);
    fns.push(coercerFor(schema, options.salesforceTypes?.[name]));
  });
  const n = names.length;
  return (row) => {
    const record: SfRecord = {};
    for (let k = 0; k < n; k++) {
      const raw = row[indexes[k] as number];
      record[names[k] as string] = raw === undefined ? null : (fns[k] as ValueCoercer)(raw);
    }
    return record;
  };
}
