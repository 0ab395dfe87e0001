// Compiles parsed SOQL against the object store and scans rows lazily, page by page.

import type { Column, Prim, RowView } from './data/columns.js';
import type { FieldType } from './data/fields.js';
import type { ObjectStore, OrgData } from './data/store.js';
import { type Cond, caret, type FieldRef, type Literal, parseSoql, type Query, SoqlError } from './soql.js';
import { idIndex, indexAtOrAfter } from './util.js';

/** A selected or filtered field: a column of the queried object or of a parent through a relationship. */
export interface Accessor {
  /** canonical name as Salesforce spells it (Owner.Name for relationship fields) */
  name: string;
  col: Column;
  rel: { name: string; type: string; store: ObjectStore; refCol: Column } | null;
  val(rv: RowView): Prim;
  /** parent row for relationship fields, or null */
  parent(rv: RowView): RowView | null;
}

export interface Bounds {
  /** base index range */
  lo: number;
  hi: number;
  /** per timestamp field: lowest and highest bound seen in top-level AND terms */
  stampLo: Map<string, number>;
  stampHi: Map<string, number>;
  idLo: boolean;
  idHi: boolean;
}

export interface Compiled {
  q: Query;
  data: OrgData;
  store: ObjectStore;
  version: number;
  select: Accessor[];
  pred: ((rv: RowView) => boolean) | null;
  includeDeleted: boolean;
  plan: 'index' | 'stamp' | 'sorted';
  desc: boolean;
  bounds: Bounds;
}

const NOT_FILTERABLE = new Set<FieldType>(['textarea', 'base64', 'address', 'location', 'anyType', 'json']);

function noColumn(q: Query, f: FieldRef, entity: string): never {
  throw new SoqlError(
    'INVALID_FIELD',
    caret(
      q.text,
      f.pos,
      `No such column '${f.path[f.path.length - 1]}' on entity '${entity}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
    ),
  );
}

export function resolve(q: Query, store: ObjectStore, data: OrgData, version: number, f: FieldRef): Accessor {
  if (f.path.length === 1) {
    const col = store.column(f.path[0] as string) ?? noColumn(q, f, store.def.name);
    return { name: col.spec.name, col, rel: null, val: col.val, parent: () => null };
  }
  if (f.path.length > 2) {
    throw new SoqlError(
      'INVALID_FIELD',
      caret(q.text, f.pos, `Didn't understand relationship '${f.path[0]}' in field path.`),
    );
  }
  const [relName = '', fieldName = ''] = f.path;
  const refCol = store.columnList.find(
    (c) => c.spec.relationshipName && c.spec.relationshipName.toLowerCase() === relName.toLowerCase(),
  );
  const parentName = refCol?.spec.referenceTo?.find((p) => data.get(p)?.def.queryable);
  const parentStore = parentName ? data.get(parentName) : undefined;
  if (!refCol || !parentStore) {
    throw new SoqlError(
      'INVALID_FIELD',
      caret(
        q.text,
        f.pos,
        `Didn't understand relationship '${relName}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
      ),
    );
  }
  const col =
    parentStore.column(fieldName) ??
    noColumn(q, { ...f, pos: f.pos + relName.length + 1 }, parentStore.def.name);
  const prefix = parentStore.def.keyPrefix;
  const parent = (rv: RowView): RowView | null => {
    const id = refCol.val(rv);
    if (typeof id !== 'string') return null;
    const idx = idIndex(id, prefix);
    if (idx < 0 || idx >= parentStore.total(version)) return null;
    return parentStore.view(idx, version);
  };
  return {
    name: `${refCol.spec.relationshipName}.${col.spec.name}`,
    col,
    rel: {
      name: refCol.spec.relationshipName ?? relName,
      type: parentStore.def.name,
      store: parentStore,
      refCol,
    },
    val: (rv) => {
      const p = parent(rv);
      return p ? col.val(p) : null;
    },
    parent,
  };
}

function typeName(t: FieldType): string {
  switch (t) {
    case 'datetime':
      return 'dateTime';
    case 'date':
      return 'date';
    case 'int':
      return 'integer';
    case 'long':
      return 'long';
    case 'double':
    case 'currency':
    case 'percent':
      return 'double';
    case 'boolean':
      return 'boolean';
    case 'time':
      return 'time';
    default:
      return 'string';
  }
}

/** The comparable value of a literal for a field of this type, or an INVALID_FIELD error. */
function coerce(q: Query, acc: Accessor, lit: Literal, pos: number): Prim {
  if (lit.kind === 'null') return null;
  const t = acc.col.spec.type;
  const bad = (): never => {
    const quoted = typeName(t) === 'string';
    throw new SoqlError(
      'INVALID_FIELD',
      caret(
        q.text,
        pos,
        `value of filter criterion for field '${acc.col.spec.name}' must be of type ${typeName(t)} and should ${quoted ? '' : 'not '}be enclosed in quotes`,
      ),
    );
  };
  switch (typeName(t)) {
    case 'dateTime':
      return lit.kind === 'datetime' ? lit.ms : bad();
    case 'date':
      return lit.kind === 'date' ? lit.ms : bad();
    case 'integer':
    case 'long':
    case 'double':
      return lit.kind === 'number' ? lit.value : bad();
    case 'boolean':
      return lit.kind === 'boolean' ? lit.value : bad();
    case 'time':
      return bad();
    default:
      return lit.kind === 'string' ? lit.value : bad();
  }
}

function caseSensitive(acc: Accessor): boolean {
  const t = acc.col.spec.type;
  return t === 'id' || t === 'reference';
}

function norm(acc: Accessor, v: Prim): Prim {
  if (typeof v !== 'string') return v;
  if (caseSensitive(acc)) return v.length === 15 ? v : v.slice(0, 15);
  return v.toLowerCase();
}

function likeRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\' && (pattern[i + 1] === '%' || pattern[i + 1] === '_')) {
      re += pattern[i + 1];
      i++;
    } else if (c === '%') re += '.*';
    else if (c === '_') re += '.';
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'is');
}

function compileCond(
  q: Query,
  store: ObjectStore,
  data: OrgData,
  version: number,
  c: Cond,
): (rv: RowView) => boolean {
  switch (c.kind) {
    case 'and': {
      const parts = c.parts.map((p) => compileCond(q, store, data, version, p));
      return (rv) => {
        for (const p of parts) if (!p(rv)) return false;
        return true;
      };
    }
    case 'or': {
      const parts = c.parts.map((p) => compileCond(q, store, data, version, p));
      return (rv) => {
        for (const p of parts) if (p(rv)) return true;
        return false;
      };
    }
    case 'not': {
      const inner = compileCond(q, store, data, version, c.cond);
      return (rv) => !inner(rv);
    }
    default:
      break;
  }
  const acc = resolve(q, store, data, version, c.field);
  if (NOT_FILTERABLE.has(acc.col.spec.type)) {
    throw new SoqlError(
      'INVALID_FIELD',
      caret(q.text, c.field.pos, `field '${acc.col.spec.name}' can not be filtered in a query call`),
    );
  }
  const val = acc.val;
  if (c.kind === 'like') {
    const re = likeRegex(c.pattern);
    return (rv) => {
      const v = val(rv);
      return typeof v === 'string' && re.test(v);
    };
  }
  if (c.kind === 'in') {
    const set = new Set(c.values.map((l) => norm(acc, coerce(q, acc, l, c.pos))));
    const not = c.not;
    return (rv) => {
      const v = val(rv);
      if (v === null) return not && !set.has(null);
      return set.has(norm(acc, v)) !== not;
    };
  }
  const lit = norm(acc, coerce(q, acc, c.value, c.pos));
  const cs = caseSensitive(acc);
  const op = c.op;
  if (lit === null) {
    if (op === '=') return (rv) => val(rv) === null;
    if (op === '!=') return (rv) => val(rv) !== null;
    return () => false;
  }
  const get =
    typeof lit === 'string'
      ? cs
        ? (rv: RowView) => {
            const v = val(rv);
            return typeof v === 'string' && (op === '=' || op === '!=') ? v.slice(0, lit.length) : v;
          }
        : (rv: RowView) => {
            const v = val(rv);
            return typeof v === 'string' ? v.toLowerCase() : v;
          }
      : val;
  switch (op) {
    case '=':
      return (rv) => get(rv) === lit;
    case '!=':
      return (rv) => get(rv) !== lit;
    case '<':
      return (rv) => {
        const v = get(rv);
        return v !== null && v < lit;
      };
    case '<=':
      return (rv) => {
        const v = get(rv);
        return v !== null && v <= lit;
      };
    case '>':
      return (rv) => {
        const v = get(rv);
        return v !== null && v > lit;
      };
    default:
      return (rv) => {
        const v = get(rv);
        return v !== null && v >= lit;
      };
  }
}

const STAMP_FIELDS = ['systemmodstamp', 'lastmodifieddate', 'createddate'];

function bounds(q: Query, store: ObjectStore): Bounds {
  const b: Bounds = {
    lo: 0,
    hi: store.baseCount,
    stampLo: new Map(),
    stampHi: new Map(),
    idLo: false,
    idHi: false,
  };
  if (!q.where) return b;
  const terms = q.where.kind === 'and' ? q.where.parts : [q.where];
  const prefix = store.def.keyPrefix;
  const orderStamp = store.def.orderStamp?.toLowerCase();
  for (const t of terms) {
    if (t.kind !== 'cmp' || t.field.path.length !== 1) continue;
    const name = (t.field.path[0] as string).toLowerCase();
    const v = t.value;
    if (name === 'id' && v.kind === 'string') {
      const at = indexAtOrAfter(v.value, prefix);
      const exact = idIndex(v.value, prefix) >= 0 && at === idIndex(v.value, prefix);
      if (t.op === '>=' || t.op === '>') {
        b.lo = Math.max(b.lo, t.op === '>' && exact ? at + 1 : at);
        b.idLo = true;
      } else if (t.op === '<' || t.op === '<=') {
        b.hi = Math.min(b.hi, t.op === '<=' && exact ? at + 1 : at);
        b.idHi = true;
      } else if (t.op === '=' && exact) {
        b.lo = Math.max(b.lo, at);
        b.hi = Math.min(b.hi, at + 1);
        b.idLo = b.idHi = true;
      }
    } else if (STAMP_FIELDS.includes(name) && v.kind === 'datetime') {
      if (t.op === '>=' || t.op === '>' || t.op === '=') {
        b.stampLo.set(name, Math.max(b.stampLo.get(name) ?? -Infinity, v.ms));
        if (name === orderStamp)
          b.lo = Math.max(b.lo, store.firstBaseAtOrAfter(t.op === '>' ? v.ms + 1 : v.ms));
      }
      if (t.op === '<' || t.op === '<=' || t.op === '=') {
        b.stampHi.set(name, Math.min(b.stampHi.get(name) ?? Infinity, v.ms));
        if (name === orderStamp)
          b.hi = Math.min(b.hi, store.firstBaseAtOrAfter(t.op === '<' ? v.ms : v.ms + 1));
      }
    }
  }
  return b;
}

export function unknownObject(text: string, pos: number, name: string): SoqlError {
  return new SoqlError(
    'INVALID_TYPE',
    caret(
      text,
      pos,
      `sObject type '${name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
    ),
  );
}

export function compile(text: string, data: OrgData, includeDeleted: boolean): Compiled {
  const q = parseSoql(text);
  const store = data.get(q.from);
  if (!store?.def.queryable) throw unknownObject(text, q.fromPos, q.from);
  const version = data.version;
  const select = q.fields.map((f) => resolve(q, store, data, version, f));
  const pred = q.where ? compileCond(q, store, data, version, q.where) : null;
  for (const o of q.orderBy) resolve(q, store, data, version, o.field);
  let plan: Compiled['plan'] = 'sorted';
  let desc = false;
  const ob = q.orderBy.map((o) => ({ name: (o.field.path.join('.') as string).toLowerCase(), desc: o.desc }));
  const first = ob[0];
  if (!first) plan = 'index';
  else if (first.name === 'id' && ob.length === 1) {
    plan = 'index';
    desc = first.desc;
  } else if (
    first.name === store.def.orderStamp?.toLowerCase() &&
    (ob.length === 1 || (ob.length === 2 && ob[1]?.name === 'id' && ob[1].desc === first.desc))
  ) {
    plan = 'stamp';
    desc = first.desc;
  }
  return { q, data, store, version, select, pred, includeDeleted, plan, desc, bounds: bounds(q, store) };
}

/** Where a scan stands: next base index and next position in the extras list. */
export interface ScanState {
  base: number;
  extra: number;
  emitted: number;
}

export class Scan {
  readonly c: Compiled;
  private readonly modified: Set<number>;
  private readonly extras: number[];
  private sorted: number[] | null = null;
  private readonly stampAcc: Accessor | null;

  constructor(c: Compiled) {
    this.c = c;
    const mod = c.store.modified(c.version);
    this.modified = new Set(mod);
    this.stampAcc =
      c.plan === 'stamp' ? resolve(c.q, c.store, c.data, c.version, c.q.orderBy[0]!.field) : null;
    const key = this.stampAcc;
    if (key) {
      const k = new Map(mod.map((i) => [i, key.val(c.store.view(i, c.version)) as number]));
      mod.sort((a, b) => (k.get(a) ?? 0) - (k.get(b) ?? 0) || a - b);
    } else mod.sort((a, b) => a - b);
    if (c.desc) mod.reverse();
    this.extras = mod;
  }

  start(): ScanState {
    const { lo, hi } = this.c.bounds;
    const st = { base: this.c.desc ? Math.min(hi, this.c.store.baseCount) - 1 : lo, extra: 0, emitted: 0 };
    return st;
  }

  private matches(rv: RowView): boolean {
    if (rv.deleted && !this.c.includeDeleted) return false;
    return this.c.pred ? this.c.pred(rv) : true;
  }

  /** Up to `max` matching row views from `st`, advancing it. */
  next(st: ScanState, max: number): RowView[] {
    const c = this.c;
    const out: RowView[] = [];
    const limit = c.q.limit ?? Infinity;
    const store = c.store;
    const v = c.version;
    if (c.plan === 'sorted') {
      const sorted = this.materialise();
      while (out.length < max && st.emitted < limit && st.base < sorted.length) {
        out.push(store.view(sorted[st.base++] as number, v));
        st.emitted++;
      }
      return out;
    }
    const { lo, hi } = c.bounds;
    const baseHi = Math.min(hi, store.baseCount);
    const extras = this.extras;
    const mod = this.modified;
    const hasMod = mod.size > 0;
    const desc = c.desc;
    const stampKey = this.stampAcc;
    while (out.length < max && st.emitted < limit) {
      // next candidate from the base stream (skipping rows that have changes)
      while (hasMod && (desc ? st.base >= lo : st.base < baseHi) && mod.has(st.base))
        st.base += desc ? -1 : 1;
      const haveBase = desc ? st.base >= lo : st.base < baseHi;
      const haveExtra = st.extra < extras.length;
      if (!haveBase && !haveExtra) break;
      let useBase = haveBase;
      if (haveBase && haveExtra) {
        const e = extras[st.extra] as number;
        if (stampKey) {
          const bk = store.baseStamp(st.base);
          const ek = stampKey.val(store.view(e, v)) as number;
          useBase = desc ? bk > ek || (bk === ek && st.base > e) : bk < ek || (bk === ek && st.base < e);
        } else useBase = desc ? st.base > e : st.base < e;
      }
      let rv: RowView;
      if (useBase) {
        rv = store.view(st.base, v);
        st.base += desc ? -1 : 1;
      } else rv = store.view(extras[st.extra++] as number, v);
      if (this.matches(rv)) {
        out.push(rv);
        st.emitted++;
      }
    }
    return out;
  }

  /** Advances `st` past up to `max` matching rows without keeping them; returns how many. */
  skip(st: ScanState, max: number): number {
    let n = 0;
    for (;;) {
      const rows = this.next(st, Math.min(1000, max - n));
      n += rows.length;
      if (rows.length === 0 || n >= max) return n;
    }
  }

  /** Number of matching rows (honouring LIMIT), scanning without ordering. */
  count(): number {
    const c = this.c;
    const limit = c.q.limit ?? Infinity;
    let n = 0;
    const { lo, hi } = c.bounds;
    const baseHi = Math.min(hi, c.store.baseCount);
    if (!c.pred && c.includeDeleted) {
      // every row in range matches: count without generating rows
      let inRange = Math.max(0, baseHi - lo);
      for (const i of this.modified) if (i >= lo && i < baseHi) inRange--;
      return Math.min(inRange + this.extras.length, limit);
    }
    for (let i = lo; i < baseHi && n < limit; i++) {
      if (this.modified.has(i)) continue;
      if (this.matches(c.store.view(i, c.version))) n++;
    }
    for (const i of this.extras) if (n < limit && this.matches(c.store.view(i, c.version))) n++;
    return Math.min(n, limit);
  }

  isDone(st: ScanState): boolean {
    const c = this.c;
    if (st.emitted >= (c.q.limit ?? Infinity)) return true;
    const probe = { ...st };
    return this.next(probe, 1).length === 0;
  }

  private materialise(): number[] {
    if (this.sorted) return this.sorted;
    const c = this.c;
    const rows: number[] = [];
    const scanAll: Compiled = { ...c, plan: 'index', desc: false, q: { ...c.q, limit: null } };
    const inner = new Scan(scanAll);
    const st = inner.start();
    for (;;) {
      const page = inner.next(st, 10000);
      if (page.length === 0) break;
      for (const rv of page) rows.push(rv.i);
    }
    const accs = c.q.orderBy.map((o) => ({ acc: resolve(c.q, c.store, c.data, c.version, o.field), o }));
    const keys = rows.map((i) => {
      const rv = c.store.view(i, c.version);
      return accs.map(({ acc }) => {
        const v = acc.val(rv);
        return typeof v === 'string' && !caseSensitive(acc) ? v.toLowerCase() : v;
      });
    });
    const idx = rows.map((_, k) => k);
    idx.sort((a, b) => {
      const ka = keys[a] as Prim[];
      const kb = keys[b] as Prim[];
      for (let j = 0; j < accs.length; j++) {
        const o = accs[j]?.o;
        const x = ka[j] ?? null;
        const y = kb[j] ?? null;
        if (x === y) continue;
        if (x === null) return o?.nullsLast ? 1 : -1;
        if (y === null) return o?.nullsLast ? -1 : 1;
        const r = x < y ? -1 : 1;
        return o?.desc ? -r : r;
      }
      return (rows[a] as number) - (rows[b] as number);
    });
    this.sorted = idx.map((k) => rows[k] as number);
    return this.sorted;
  }
}
