// Columns: how each field's value is derived from a row, and its REST/CSV renderings.

import { copyBytes, ENCODER, writeCsvDateTime, writeQuotedAscii, writeQuotedDay } from '../bytes.js';
import {
  csvDateTime,
  DAY_MS,
  formatDay,
  formatTime,
  lite,
  makeId,
  mix,
  restDateTime,
  writeQuotedId,
} from '../util.js';
import type { FieldSpec } from './fields.js';
import { isNillable } from './fields.js';
import {
  ADDRESSES,
  type Address,
  COMPANY_WORDS,
  EMAILS,
  FIRST_NAMES,
  LAST_NAMES,
  LONG_TEXT,
  PHONES,
  STRESS_TEXT,
  URLS,
} from './pools.js';

/** One row as seen at one version of the org. */
export interface RowView {
  i: number;
  /** hash of (seed, object, index, salt): changes when the row is updated */
  h: number;
  /** hash of (seed, object, index): stable for the row's life */
  h0: number;
  deleted: boolean;
  created: number;
  lastMod: number;
  stamp: number;
}

/** A comparable primitive used by WHERE and ORDER BY: datetimes/dates/times as epoch ms. */
export type Prim = string | number | boolean | null;

export interface Column {
  spec: FieldSpec;
  val(rv: RowView): Prim;
  /** REST JSON value (already JSON text) */
  json(rv: RowView): string;
  /** CSV field, quoted */
  csv(rv: RowView): string;
  /** the JSON value as an object (for rows()) */
  out(rv: RowView): unknown;
  /** optional fast path: writes csv(rv) as UTF-8 into out at pos, returns the new position */
  bytes?(rv: RowView, out: Uint8Array, pos: number): number;
  /** optional fast path: writes json(rv) as UTF-8 into out at pos, returns the new position */
  jsonBytes?(rv: RowView, out: Uint8Array, pos: number): number;
}

export interface ColumnContext {
  objectName: string;
  /** key prefix and base row count of another object, or null when the org has no such rows */
  parent(name: string): { keyPrefix: string; count: number } | null;
}

export function quoteCsv(s: string): string {
  return s.includes('"') ? `"${s.replaceAll('"', '""')}"` : `"${s}"`;
}

/** Java's Double.toString, which is how Salesforce renders doubles (100.0, 1.0E7). */
export function javaDouble(n: number): string {
  const a = Math.abs(n);
  if (a !== 0 && (a >= 1e7 || a < 1e-3)) {
    const [m = '0', e = '0'] = n.toExponential().split('e');
    return `${m.includes('.') ? m : `${m}.0`}E${Number(e)}`;
  }
  return Number.isInteger(n) ? `${n}.0` : String(n);
}

interface Entry {
  val: Prim;
  out: unknown;
  json: string;
  csv: string;
  csvBytes?: Uint8Array;
  jsonBytes?: Uint8Array;
}

function withBytes(e: Entry): Entry {
  e.csvBytes = ENCODER.encode(e.csv);
  e.jsonBytes = ENCODER.encode(e.json);
  return e;
}

const NULL_JSON = ENCODER.encode('null');

function entry(v: Prim, type: FieldSpec['type'], out: unknown = v): Entry {
  if (v === null) return { val: null, out: null, json: 'null', csv: '""' };
  if (typeof v === 'number') {
    const s = type === 'double' || type === 'currency' || type === 'percent' ? javaDouble(v) : String(v);
    return { val: v, out: v, json: s, csv: `"${s}"` };
  }
  if (typeof v === 'boolean') return { val: v, out: v, json: String(v), csv: `"${v}"` };
  return { val: v, out, json: JSON.stringify(out), csv: quoteCsv(v) };
}

const NULL_ENTRY = entry(null, 'string');

function poolFor(f: FieldSpec): Prim[] {
  const g = f.gen;
  if (g?.kind === 'text') return [...g.pool];
  if (g?.kind === 'stress') return g.long ? [...STRESS_TEXT, LONG_TEXT] : [...STRESS_TEXT];
  switch (f.type) {
    case 'boolean':
      return [true, false, false];
    case 'picklist':
    case 'combobox':
      return [...(f.picklist ?? ['A', 'B'])];
    case 'multipicklist': {
      const p = f.picklist ?? ['A', 'B'];
      return [p[0] ?? 'A', `${p[0]};${p[1]}`, p.join(';')];
    }
    case 'int':
      return [0, 1, 42, -7, 1000, 2147483647];
    case 'long':
      return [0, 9007199254740991, -1234567890123, 86400000];
    case 'double':
      return [0, 1.5, -273.15, Math.PI, 1e7, 123456789.123, 0.0001];
    case 'currency':
      return [0, 100, 2500.5, 10000000, 99999999.99, 1234.56];
    case 'percent':
      return [0, 10, 12.5, 100, 33.33];
    case 'url':
      return URLS;
    case 'email':
      return EMAILS;
    case 'phone':
      return PHONES;
    case 'encryptedstring':
      return ['****1234', '********'];
    case 'json':
      return ['{"a":1,"b":[true,null],"c":"x,\\"y\\""}', '[]', '{}'];
    case 'textarea':
      return STRESS_TEXT;
    default:
      return COMPANY_WORDS.map((w, k) => `${w} ${k}`);
  }
}

function fromEntries(f: FieldSpec, salt: number, entries: Entry[], nullPct: number): Column {
  const n = entries.length;
  // null when the top 7 bits fall under the threshold (a percentage scaled to 128), else a pool entry
  const nullBelow = Math.round((nullPct * 128) / 100);
  const pickE = (rv: RowView): Entry => {
    const fh = lite(rv.h, salt);
    if (fh >>> 23 < nullBelow) return NULL_ENTRY;
    return entries[fh % n] ?? NULL_ENTRY;
  };
  for (const e of entries) withBytes(e);
  const nullBytes = ENCODER.encode('""');
  const csv = entries.map((e) => e.csvBytes ?? nullBytes);
  return {
    spec: f,
    val: (rv) => pickE(rv).val,
    json: (rv) => pickE(rv).json,
    csv: (rv) => pickE(rv).csv,
    out: (rv) => pickE(rv).out,
    // the CSV hot path picks the pre-encoded bytes straight from an array (no entry object per field)
    bytes: (rv, out, pos) => {
      const fh = lite(rv.h, salt);
      return copyBytes(fh >>> 23 < nullBelow ? nullBytes : (csv[fh % n] as Uint8Array), out, pos);
    },
    jsonBytes: (rv, out, pos) => copyBytes(pickE(rv).jsonBytes ?? NULL_JSON, out, pos),
  };
}

function computed(
  f: FieldSpec,
  val: (rv: RowView) => Prim,
  rest: (v: number) => string,
  csv: (v: number) => string,
) {
  // chosen once per column: datetimes and dates are written as bytes, other values through their string
  const write =
    csv === csvDateTime
      ? writeCsvDateTime
      : csv === formatDay
        ? writeQuotedDay
        : (v: number, out: Uint8Array, pos: number) => writeQuotedAscii(csv(v), out, pos);
  const col: Column = {
    bytes(rv, out, pos) {
      const v = val(rv);
      if (v === null) {
        out[pos] = 34;
        out[pos + 1] = 34;
        return pos + 2;
      }
      return write(v as number, out, pos);
    },
    jsonBytes(rv, out, pos) {
      const v = val(rv);
      if (v === null) return copyBytes(NULL_JSON, out, pos);
      return writeQuotedAscii(rest(v as number), out, pos);
    },
    spec: f,
    val,
    json(rv) {
      const v = val(rv);
      return v === null ? 'null' : `"${rest(v as number)}"`;
    },
    csv(rv) {
      const v = val(rv);
      return v === null ? '""' : `"${csv(v as number)}"`;
    },
    out(rv) {
      const v = val(rv);
      return v === null ? null : rest(v as number);
    },
  };
  return col;
}

function stringColumn(f: FieldSpec, val: (rv: RowView) => string | null, ascii = false): Column {
  return {
    jsonBytes: ascii
      ? (rv, out, pos) => {
          const v = val(rv);
          return v === null ? copyBytes(NULL_JSON, out, pos) : writeQuotedAscii(v, out, pos);
        }
      : undefined,
    bytes: ascii
      ? (rv, out, pos) => {
          const v = val(rv);
          if (v === null) {
            out[pos] = 34;
            out[pos + 1] = 34;
            return pos + 2;
          }
          return writeQuotedAscii(v, out, pos);
        }
      : undefined,
    spec: f,
    val,
    json: (rv) => JSON.stringify(val(rv)),
    csv: (rv) => {
      const v = val(rv);
      return v === null ? '""' : quoteCsv(v);
    },
    out: val,
  };
}

const _ADDRESS_KEYS: (keyof Address)[] = [
  'city',
  'country',
  'geocodeAccuracy',
  'latitude',
  'longitude',
  'postalCode',
  'state',
  'street',
];

function addressOut(a: Address | null): unknown {
  if (!a) return null;
  return {
    city: a.city,
    country: a.country,
    countryCode: null,
    geocodeAccuracy: a.geocodeAccuracy,
    latitude: a.latitude,
    longitude: a.longitude,
    postalCode: a.postalCode,
    state: a.state === '' ? null : a.state,
    stateCode: null,
    street: a.street,
  };
}

export function buildColumn(f: FieldSpec, index: number, ctx: ColumnContext): Column {
  const salt = mix(index + 1, f.name.length, 77);
  const g = f.gen;
  const nullPct = f.nullPct ?? (isNillable(f) ? 10 : 0);
  if (f.type === 'id') {
    const own = ctx.parent(ctx.objectName);
    const prefix = own?.keyPrefix ?? '000';
    return {
      ...stringColumn(f, (rv) => makeId(prefix, rv.i), true),
      bytes: (rv, out, pos) => writeQuotedId(prefix, rv.i, out, pos),
    };
  }
  if (g?.kind === 'deleted') {
    const t = withBytes(entry(true, 'boolean'));
    const fl = withBytes(entry(false, 'boolean'));
    return {
      spec: f,
      val: (rv) => rv.deleted,
      json: (rv) => (rv.deleted ? t.json : fl.json),
      csv: (rv) => (rv.deleted ? t.csv : fl.csv),
      out: (rv) => rv.deleted,
      bytes: (rv, out, pos) => copyBytes((rv.deleted ? t.csvBytes : fl.csvBytes) as Uint8Array, out, pos),
      jsonBytes: (rv, out, pos) =>
        copyBytes((rv.deleted ? t.jsonBytes : fl.jsonBytes) as Uint8Array, out, pos),
    };
  }
  if (g?.kind === 'stamp') {
    const which = g.which;
    return computed(f, (rv) => rv[which], restDateTime, csvDateTime);
  }
  if (g?.kind === 'name') {
    const prefix = g.prefix;
    return stringColumn(f, (rv) => {
      const k = mix(rv.h, salt) % 9;
      return k === 0
        ? `${prefix} ${rv.i}, "quoted" ✓`
        : k === 1
          ? `${prefix} ${rv.i}\nsecond line`
          : `${prefix} ${rv.i}`;
    });
  }
  if (g?.kind === 'person') {
    return stringColumn(f, (rv) => {
      const a = mix(rv.h, salt);
      return `${FIRST_NAMES[a % FIRST_NAMES.length]} ${LAST_NAMES[(a >>> 8) % LAST_NAMES.length]}`;
    });
  }
  if (g?.kind === 'address' || f.type === 'address') {
    const compound = g?.kind === 'address' ? g.compound : f.name;
    const cs = mix(compound.length, compound.charCodeAt(0), 99);
    const n = ADDRESSES.length;
    const addr = (rv: RowView) => ADDRESSES[lite(rv.h, cs) % n] ?? null;
    if (f.type === 'address') {
      const outs = ADDRESSES.map(addressOut);
      const jsons = outs.map((o) => JSON.stringify(o));
      const jsonBytes = jsons.map((j) => ENCODER.encode(j));
      return {
        spec: f,
        val: () => null,
        json: (rv) => jsons[lite(rv.h, cs) % n] ?? 'null',
        csv: () => '""',
        out: (rv) => outs[lite(rv.h, cs) % n] ?? null,
        jsonBytes: (rv, out, pos) => copyBytes(jsonBytes[lite(rv.h, cs) % n] as Uint8Array, out, pos),
      };
    }
    const part = g?.kind === 'address' ? g.part : 'street';
    const entries = ADDRESSES.map((a) =>
      withBytes(entry(a ? (a[part] === '' ? null : a[part]) : null, f.type)),
    );
    const csv = entries.map((e) => e.csvBytes as Uint8Array);
    return {
      spec: f,
      val: (rv) => entries[lite(rv.h, cs) % n]?.val ?? null,
      json: (rv) => entries[lite(rv.h, cs) % n]?.json ?? 'null',
      csv: (rv) => entries[lite(rv.h, cs) % n]?.csv ?? '""',
      out: (rv) => (addr(rv) ? (entries[lite(rv.h, cs) % n]?.out ?? null) : null),
      bytes: (rv, out, pos) => copyBytes(csv[lite(rv.h, cs) % n] as Uint8Array, out, pos),
    };
  }
  if (g?.kind === 'location' || f.type === 'location') {
    const compound = g?.kind === 'location' ? g.compound : f.name;
    const cs = mix(compound.length, 5, 98);
    const points: ({ latitude: number; longitude: number } | null)[] = [
      { latitude: 37.793846, longitude: -122.394837 },
      { latitude: -33.856784, longitude: 151.215297 },
      null,
      { latitude: 0, longitude: 0 },
    ];
    const n = points.length;
    if (f.type === 'location') {
      const jsons = points.map((p) => JSON.stringify(p));
      return {
        spec: f,
        val: () => null,
        json: (rv) => jsons[lite(rv.h, cs) % n] ?? 'null',
        csv: () => '""',
        out: (rv) => points[lite(rv.h, cs) % n] ?? null,
      };
    }
    const part = g?.kind === 'location' ? g.part : 'latitude';
    const entries = points.map((p) => withBytes(entry(p ? p[part] : null, 'double')));
    const csv = entries.map((e) => e.csvBytes as Uint8Array);
    return {
      spec: f,
      val: (rv) => entries[lite(rv.h, cs) % n]?.val ?? null,
      json: (rv) => entries[lite(rv.h, cs) % n]?.json ?? 'null',
      csv: (rv) => entries[lite(rv.h, cs) % n]?.csv ?? '""',
      out: (rv) => entries[lite(rv.h, cs) % n]?.out ?? null,
      bytes: (rv, out, pos) => copyBytes(csv[lite(rv.h, cs) % n] as Uint8Array, out, pos),
    };
  }
  switch (f.type) {
    case 'reference': {
      const stable = f.name === 'CreatedById' || f.name.endsWith('__r');
      const parents = (f.referenceTo ?? [])
        .map((p) => ctx.parent(p))
        .filter((p): p is { keyPrefix: string; count: number } => p !== null && p.count > 0);
      // the row hash that picks the parent, or -1 for a null lookup
      const hashOf = (rv: RowView): number => {
        const a = lite(stable ? rv.h0 : rv.h, salt);
        if (parents.length === 0) return -1;
        return nullPct > 0 && (a >>> 7) % 100 < nullPct ? -1 : a;
      };
      const parentOf = (a: number) =>
        parents[(a >>> 3) % parents.length] as { keyPrefix: string; count: number };
      // lookups point at the first few thousand parents, as real data clusters on few parents
      const rowOf = (a: number, p: { count: number }) => a % Math.min(p.count, 3000);
      const pick = (rv: RowView): string | null => {
        const a = hashOf(rv);
        if (a < 0) return null;
        const p = parentOf(a);
        return makeId(p.keyPrefix, rowOf(a, p));
      };
      return {
        ...stringColumn(f, pick, true),
        bytes: (rv, out, pos) => {
          const a = hashOf(rv);
          if (a < 0) {
            out[pos] = 34;
            out[pos + 1] = 34;
            return pos + 2;
          }
          const p = parentOf(a);
          return writeQuotedId(p.keyPrefix, rowOf(a, p), out, pos);
        },
      };
    }
    case 'date': {
      const val = (rv: RowView): Prim => {
        const a = mix(rv.h, salt);
        if (nullPct > 0 && (a >>> 7) % 100 < nullPct) return null;
        return (Math.floor(rv.stamp / DAY_MS) - (a % 1500) + 200) * DAY_MS;
      };
      return computed(f, val, formatDay, formatDay);
    }
    case 'datetime': {
      const val = (rv: RowView): Prim => {
        const a = mix(rv.h, salt);
        if (nullPct > 0 && (a >>> 7) % 100 < nullPct) return null;
        return rv.stamp - (a % 7776000) * 1000;
      };
      return computed(f, val, restDateTime, csvDateTime);
    }
    case 'time': {
      const val = (rv: RowView): Prim => {
        const a = mix(rv.h, salt);
        if (nullPct > 0 && (a >>> 7) % 100 < nullPct) return null;
        return (a % 86400) * 1000;
      };
      return computed(f, val, formatTime, formatTime);
    }
    case 'base64': {
      const base = `/sobjects/${ctx.objectName}/`;
      const prefix = ctx.parent(ctx.objectName)?.keyPrefix ?? '000';
      const val = (rv: RowView): string | null => {
        const a = mix(rv.h, salt);
        return nullPct > 0 && (a >>> 7) % 100 < nullPct ? null : `${base}${makeId(prefix, rv.i)}/${f.name}`;
      };
      return stringColumn(f, val);
    }
    case 'anyType': {
      const entries: Entry[] = [
        entry('text value, "quoted"', 'string'),
        entry(42, 'int'),
        entry(true, 'boolean'),
        entry('2024-01-31', 'string'),
      ];
      return fromEntries(f, salt, entries, nullPct);
    }
    default: {
      // Formula text; a formula of another type (currency, number, date…) returns values of that type.
      if (f.calculated && (f.type === 'string' || f.type === 'textarea')) {
        return stringColumn(f, (rv) => `Formula ${rv.i} / ${(mix(rv.h, salt) % 3) + 1}`);
      }
      const pool = poolFor(f);
      const entries = pool.map((v) => entry(v === '' ? null : v, f.type));
      return fromEntries(f, salt, entries, f.type === 'boolean' ? 0 : nullPct);
    }
  }
}
