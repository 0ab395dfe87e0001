/**
 * Bulk CSV rows → records. The per-value converters are the REST runner's own (`coerce.ts`, CSV flavour), so
 * a Bulk record equals the REST record of the same row: every empty value is null (Bulk CSV cannot tell null
 * from empty text, and Salesforce stores no empty text), `true`/`false` are booleans, numbers (Java-style
 * `1.0E7` included) are numbers, dates are `YYYY-MM-DD` and datetimes `YYYY-MM-DDTHH:MM:SS.sssZ`.
 *
 * Compiled once per result-page header (the header repeats on every page; the caller caches by its text) into
 * one converter per column, so a row costs one call per value and no intermediate object. Pure.
 */
import type { JsonSchema } from '../singer/catalog.js';
import { type Normaliser, normaliserFor } from './coerce.js';
import type { SfRecord } from './runner.js';

const NUMERIC = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

/**
 * anyType fields (History `OldValue`/`NewValue`, schema `{}`) come typed in REST JSON but as text in CSV: read
 * `true`/`false` and plain numbers back as REST sends them. Text that merely looks like a number cannot be
 * told apart in CSV; it becomes a number.
 */
export function normaliseAnyCsv(value: unknown): unknown {
  if (value === '' || value === undefined) return null;
  if (typeof value !== 'string') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (NUMERIC.test(value)) {
    const n = Number(value);
    if (Number.isFinite(n) && (Number.isSafeInteger(n) || !Number.isInteger(n))) return n;
  }
  return value;
}

function untyped(schema: JsonSchema): boolean {
  return schema.type === undefined && schema.anyOf === undefined && schema.format === undefined;
}

/** Builds the record for one CSV row. */
export type RowCoercer = (row: string[]) => SfRecord;

/**
 * The row coercer for a page whose header is `header`: columns the schema does not know are dropped, fields of
 * the schema missing from a short row are null.
 */
export function compileCsvCoercer(header: string[], schema: JsonSchema): RowCoercer {
  const properties = schema.properties ?? {};
  const names: string[] = [];
  const indexes: number[] = [];
  const converters: Normaliser[] = [];
  header.forEach((name, index) => {
    const property = properties[name];
    if (!property) return;
    names.push(name);
    indexes.push(index);
    converters.push(untyped(property) ? normaliseAnyCsv : normaliserFor(property, 'csv'));
  });
  const count = names.length;
  return (row) => {
    const record: SfRecord = {};
    for (let k = 0; k < count; k++) {
      const raw = row[indexes[k] as number];
      record[names[k] as string] = raw === undefined ? null : (converters[k] as Normaliser)(raw);
    }
    return record;
  };
}
