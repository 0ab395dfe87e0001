/**
 * Bulk CSV values → record values. The converters are the REST runner's own (`coerce.ts`, CSV flavour), so a
 * Bulk record equals the REST record of the same row: every empty value is null (Bulk CSV cannot tell null
 * from empty text, and Salesforce stores no empty text), `true`/`false` are booleans, numbers (Java-style
 * `1.0E7` included) are numbers, dates are `YYYY-MM-DD` and datetimes `YYYY-MM-DDTHH:MM:SS.sssZ`.
 * `csv-lines.ts` applies them to the values it cannot copy as they are. Pure.
 */
import type { JsonSchema } from '../singer/catalog.js';
import { type Normaliser, normaliserFor } from './coerce.js';

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

/** The converter of one CSV column's text, chosen from the column's schema property. */
export function csvConverter(property: JsonSchema): Normaliser {
  return untyped(property) ? normaliseAnyCsv : normaliserFor(property, 'csv');
}
