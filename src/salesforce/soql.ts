/** The one SOQL builder. Pure. */

export type KeyType = 'datetime' | 'date';

export interface SoqlOptions {
  object: string;
  fields: string[];
  /** Incremental: the key and the window `[start, end)`. */
  replicationKey?: string | null;
  keyType?: KeyType;
  start?: string | null;
  end?: string | null;
  /** Full table, resumable: only rows after this Id. */
  afterId?: string | null;
  /** Add `Id` as the last sort key (rows with equal keys come in a fixed order; full table sorts by Id alone). */
  orderById?: boolean;
  /** False leaves out ORDER BY (Bulk queries: sorting defeats Bulk's automatic chunking of large objects). */
  orderBy?: boolean;
}

/**
 * A datetime or date literal for SOQL: `YYYY-MM-DDTHH:MM:SSZ` (the documented form; the time is floored to
 * the second, which only ever widens an inclusive lower bound) or `YYYY-MM-DD`.
 */
export function soqlLiteral(iso: string, type: KeyType = 'datetime'): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`not a date: ${iso}`);
  const text = new Date(ms).toISOString();
  return type === 'date' ? text.slice(0, 10) : `${text.slice(0, 19)}Z`;
}

/** A quoted SOQL string literal. */
export function soqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function buildSoql(options: SoqlOptions): string {
  const {
    object,
    fields,
    replicationKey,
    keyType = 'datetime',
    start,
    end,
    afterId,
    orderById = false,
    orderBy = true,
  } = options;
  const where: string[] = [];
  const order: string[] = [];
  if (replicationKey) {
    if (start) where.push(`${replicationKey} >= ${soqlLiteral(start, keyType)}`);
    if (end) where.push(`${replicationKey} < ${soqlLiteral(end, keyType)}`);
    order.push(`${replicationKey} ASC`);
    if (orderById) order.push('Id ASC');
  } else if (orderById) {
    if (afterId) where.push(`Id > ${soqlString(afterId)}`);
    order.push('Id ASC');
  }
  let soql = `SELECT ${fields.join(',')} FROM ${object}`;
  if (where.length > 0) soql += ` WHERE ${where.join(' AND ')}`;
  if (orderBy && order.length > 0) soql += ` ORDER BY ${order.join(', ')}`;
  return soql;
}

/**
 * Splits `fields` into groups whose query fits (`fits` is given the group with `always` in front); every group
 * starts with the fields in `always` (Id and the replication key, needed to merge rows). Order is kept.
 */
export function chunkFields(
  fields: string[],
  always: string[],
  fits: (group: string[]) => boolean,
): string[][] {
  const rest = fields.filter((f) => !always.includes(f));
  const groups: string[][] = [];
  let current: string[] = [...always];
  for (const field of rest) {
    const candidate = [...current, field];
    if (current.length > always.length && !fits(candidate)) {
      groups.push(current);
      current = [...always, field];
    } else {
      current = candidate;
    }
  }
  if (current.length > always.length || groups.length === 0) groups.push(current);
  return groups;
}
