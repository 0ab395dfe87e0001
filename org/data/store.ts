// Rows: generated lazily from (seed, object, index), with a small versioned change log on top.

import { hashString, makeId, mix, prng } from '../util.js';
import type { ObjectDef } from './catalogue.js';
import { buildCatalogue } from './catalogue.js';
import { buildColumn, type Column, type RowView } from './columns.js';
import { describeField } from './fields.js';

interface Change {
  version: number;
  salt: number;
  created: number;
  lastMod: number;
  stamp: number;
  deleted: boolean;
}

const YEAR_MS = 365 * 86400000;

export class ObjectStore {
  readonly def: ObjectDef;
  readonly baseCount: number;
  readonly columns = new Map<string, Column>();
  readonly columnList: Column[] = [];
  private readonly seedHash: number;
  private readonly start: number;
  private readonly span: number;
  private readonly groups: number;
  /** row index -> changes in version order */
  readonly changes = new Map<number, Change[]>();
  /** [version, total inserted so far] in version order */
  private readonly inserts: [number, number][] = [];
  private describeCache: unknown;
  private readonly describeTexts = new Map<string, Buffer>();

  constructor(def: ObjectDef, count: number, seed: number, baseDate: number) {
    this.def = def;
    this.baseCount = def.queryable ? count : 0;
    this.seedHash = mix(seed, hashString(def.name));
    this.start = baseDate - 3 * YEAR_MS;
    this.span = 3 * YEAR_MS - 3600000;
    this.groups = Math.max(1, Math.ceil(this.baseCount / 3));
  }

  initColumns(lookup: (name: string) => { keyPrefix: string; count: number } | null): void {
    this.def.fields.forEach((f, k) => {
      const c = buildColumn(f, k, { objectName: this.def.name, parent: lookup });
      this.columns.set(f.name.toLowerCase(), c);
      this.columnList.push(c);
    });
  }

  column(name: string): Column | undefined {
    return this.columns.get(name.toLowerCase());
  }

  /** Base (unchanged) SystemModstamp of row i: non-decreasing in i, three rows share each value. */
  baseStamp(i: number): number {
    const g = Math.floor(i / 3);
    return this.start + Math.floor((g * this.span) / this.groups / 1000) * 1000;
  }

  /** Smallest base index whose base stamp is >= ms. */
  firstBaseAtOrAfter(ms: number): number {
    let lo = 0;
    let hi = this.baseCount;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.baseStamp(mid) < ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  inserted(version: number): number {
    let n = 0;
    for (const [v, c] of this.inserts) if (v <= version) n = c;
    return n;
  }

  total(version: number): number {
    return this.baseCount + this.inserted(version);
  }

  change(i: number, version: number): Change | undefined {
    const list = this.changes.get(i);
    if (!list) return undefined;
    let found: Change | undefined;
    for (const c of list) if (c.version <= version) found = c;
    return found;
  }

  /** Rows with a change-log entry at this version (modified base rows and inserted rows). */
  modified(version: number): number[] {
    const out: number[] = [];
    for (const [i, list] of this.changes) if ((list[0]?.version ?? Infinity) <= version) out.push(i);
    return out;
  }

  view(i: number, version: number): RowView {
    const h0 = mix(this.seedHash, i);
    const c = this.changes.size > 0 ? this.change(i, version) : undefined;
    if (c) {
      return {
        i,
        h0,
        h: c.salt === 0 ? h0 : mix(this.seedHash, i, c.salt),
        deleted: c.deleted,
        created: c.created,
        lastMod: c.lastMod,
        stamp: c.stamp,
      };
    }
    const stamp = this.baseStamp(i);
    const a = mix(h0, 11);
    const createdOnly = this.def.orderStamp === 'CreatedDate';
    const created = createdOnly ? stamp : stamp - (a % 17280000) * 1000;
    const lm = (a >>> 3) % 4 === 0 ? stamp : stamp - ((a >>> 5) % 600) * 1000;
    return {
      i,
      h0,
      h: h0,
      deleted: this.def.hasIsDeleted && (a >>> 9) % 100 < 3,
      created,
      lastMod: Math.max(lm, created),
      stamp,
    };
  }

  idOf(i: number): string {
    return makeId(this.def.keyPrefix, i);
  }

  addChange(i: number, c: Change): void {
    const list = this.changes.get(i);
    if (list) list.push(c);
    else this.changes.set(i, [c]);
  }

  addInserts(version: number, n: number): number {
    const before = this.inserted(version);
    this.inserts.push([version, before + n]);
    return this.baseCount + before;
  }

  describe(apiVersion: string): Record<string, unknown> {
    return JSON.parse(this.describeJson(apiVersion).toString('utf8'));
  }

  /**
   * The describe as UTF-8 JSON, serialised once per API version. A 1 000-object discovery sends ~18 MB of
   * describes; encoding them on every request made the org, which shares the machine's cores with the tap,
   * spend ~0.25 s of CPU per discovery that Salesforce spends on its own servers.
   */
  describeJson(apiVersion: string): Buffer {
    let bytes = this.describeTexts.get(apiVersion);
    if (bytes === undefined) {
      bytes = Buffer.from(JSON.stringify(this.describeTemplate()).replaceAll('{V}', `v${apiVersion}`));
      this.describeTexts.set(apiVersion, bytes);
    }
    return bytes;
  }

  private describeTemplate(): unknown {
    if (!this.describeCache) {
      this.describeCache = {
        ...globalEntry(this.def, '{V}'),
        actionOverrides: [],
        childRelationships: [],
        compactLayoutable: this.def.queryable,
        defaultImplementation: null,
        extendedBy: null,
        extendsInterfaces: null,
        fields: this.def.fields.map(describeField),
        implementedBy: null,
        implementsInterfaces: null,
        isInterface: false,
        listviewable: null,
        lookupLayoutable: null,
        namedLayoutInfos: [],
        networkScopeFieldName: null,
        recordTypeInfos: [
          {
            active: true,
            available: true,
            defaultRecordTypeMapping: true,
            developerName: 'Master',
            master: true,
            name: 'Master',
            recordTypeId: '012000000000000AAA',
            urls: {
              layout: `/services/data/{V}/sobjects/${this.def.name}/describe/layouts/012000000000000AAA`,
            },
          },
        ],
        searchLayoutable: this.def.queryable,
        supportedScopes: [{ label: 'All', name: 'everything' }],
      };
    }
    return this.describeCache;
  }
}

export function globalEntry(def: ObjectDef, v: string): Record<string, unknown> {
  const base = `/services/data/${v}/sobjects/${def.name}`;
  const changeEvent = def.name.endsWith('ChangeEvent');
  const plain = def.queryable && !def.name.endsWith('History') && !def.name.endsWith('Share');
  return {
    activateable: false,
    associateEntityType: def.name.endsWith('History')
      ? 'History'
      : def.name.endsWith('Share')
        ? 'Share'
        : def.name.endsWith('Feed')
          ? 'Feed'
          : changeEvent
            ? 'ChangeEvent'
            : null,
    associateParentEntity: def.name.match(/^(.*?)(History|Share|Feed|ChangeEvent)$/)?.[1] ?? null,
    createable: plain,
    custom: def.custom,
    customSetting: false,
    deepCloneable: false,
    deletable: plain,
    deprecatedAndHidden: false,
    feedEnabled: def.name === 'Account' || def.name === 'Case',
    hasSubtypes: false,
    isInterface: false,
    isSubtype: false,
    keyPrefix: def.keyPrefix === '' || def.keyPrefix === '0XX' ? null : def.keyPrefix,
    label: def.label,
    labelPlural: def.labelPlural,
    layoutable: plain,
    mergeable: ['Account', 'Contact', 'Lead', 'Case'].includes(def.name),
    mruEnabled: plain,
    name: def.name,
    queryable: def.queryable,
    replicateable: def.queryable && !changeEvent,
    retrieveable: def.queryable,
    searchable: plain,
    triggerable: plain,
    undeletable: plain,
    updateable: plain,
    urls: {
      compactLayouts: `${base}/describe/compactLayouts`,
      rowTemplate: `${base}/{ID}`,
      approvalLayouts: `${base}/describe/approvalLayouts`,
      defaultValues: `${base}/defaultValues?recordTypeId&fields`,
      listviews: `${base}/listviews`,
      describe: `${base}/describe`,
      quickActions: `${base}/quickActions`,
      layouts: `${base}/describe/layouts`,
      sobject: base,
    },
  };
}

export interface ChangeSet {
  updated: Record<string, string[]>;
  inserted: Record<string, string[]>;
  deleted: Record<string, string[]>;
}

export const BASE_DATE = Date.UTC(2025, 5, 1, 0, 0, 0);

export class OrgData {
  readonly objects: ObjectStore[];
  private readonly byName = new Map<string, ObjectStore>();
  version = 0;
  private offsetMs = 0;
  private readonly clock: () => Date;
  private readonly seed: number;

  constructor(opts: {
    seed: number;
    records: Record<string, number>;
    extraObjects: number;
    now?: () => Date;
  }) {
    this.seed = opts.seed;
    const defs = buildCatalogue(opts.extraObjects);
    this.clock = opts.now ?? (() => new Date(BASE_DATE));
    const base = this.clock().getTime();
    this.objects = defs.map(
      (d) => new ObjectStore(d, opts.records[d.name] ?? d.defaultCount, opts.seed, base),
    );
    for (const o of this.objects) this.byName.set(o.def.name.toLowerCase(), o);
    const lookup = (name: string) => {
      const o = this.byName.get(name.toLowerCase());
      return o?.def.queryable ? { keyPrefix: o.def.keyPrefix, count: o.baseCount } : null;
    };
    for (const o of this.objects) o.initColumns(lookup);
  }

  get(name: string): ObjectStore | undefined {
    return this.byName.get(name.toLowerCase());
  }

  private readonly globalTexts = new Map<string, Buffer>();

  /** describeGlobal's answer as UTF-8 JSON, once per API version (~1.3 MB with 1 000 extra objects). */
  describeGlobalJson(apiVersion: string): Buffer {
    let bytes = this.globalTexts.get(apiVersion);
    if (bytes === undefined) {
      const sobjects = this.objects.map((o) => globalEntry(o.def, `v${apiVersion}`));
      bytes = Buffer.from(JSON.stringify({ encoding: 'UTF-8', maxBatchSize: 200, sobjects }));
      this.globalTexts.set(apiVersion, bytes);
    }
    return bytes;
  }

  now(): number {
    return this.clock().getTime() + this.offsetMs;
  }

  /** Live (not deleted) row indices to pick from, chosen deterministically. */
  private pickLive(o: ObjectStore, n: number, rand: () => number, taken: Set<number>): number[] {
    const total = o.total(this.version);
    const out: number[] = [];
    let guard = 0;
    while (out.length < n && guard++ < n * 50 + 100 && total > 0) {
      const i = Math.floor(rand() * total);
      if (taken.has(i)) continue;
      if (o.view(i, this.version).deleted) continue;
      taken.add(i);
      out.push(i);
    }
    return out;
  }

  advanceTime(opts: {
    seconds: number;
    update?: Record<string, number>;
    insert?: Record<string, number>;
    softDelete?: Record<string, number>;
  }): ChangeSet {
    const from = this.now();
    this.offsetMs += Math.max(0, opts.seconds) * 1000;
    const to = this.now();
    const version = this.version + 1;
    const rand = prng(mix(this.seed, version, 4242));
    const set: ChangeSet = { updated: {}, inserted: {}, deleted: {} };
    // stamps strictly inside (from, to], in whole seconds, spread in change order
    let seq = 0;
    const totalChanges =
      Object.values(opts.update ?? {}).reduce((a, b) => a + b, 0) +
      Object.values(opts.insert ?? {}).reduce((a, b) => a + b, 0) +
      Object.values(opts.softDelete ?? {}).reduce((a, b) => a + b, 0);
    const stampFor = () => {
      seq++;
      const step = Math.floor((to - from) / 1000 / (totalChanges + 1));
      const s = from + Math.max(1, step * seq) * 1000;
      return Math.min(Math.floor(s / 1000) * 1000, to);
    };
    const need = (name: string): ObjectStore => {
      const o = this.get(name);
      if (!o?.def.queryable) throw new Error(`advanceTime: unknown or non-queryable object ${name}`);
      return o;
    };
    const taken = new Map<string, Set<number>>();
    const takenFor = (o: ObjectStore) => {
      let t = taken.get(o.def.name);
      if (!t) {
        t = new Set();
        taken.set(o.def.name, t);
      }
      return t;
    };
    for (const [name, n] of Object.entries(opts.update ?? {})) {
      const o = need(name);
      const ids: string[] = [];
      for (const i of this.pickLive(o, n, rand, takenFor(o))) {
        const prev = o.view(i, this.version);
        const stamp = stampFor();
        o.addChange(i, {
          version,
          salt: version,
          created: prev.created,
          lastMod: stamp,
          stamp,
          deleted: false,
        });
        ids.push(o.idOf(i));
      }
      set.updated[o.def.name] = ids;
    }
    for (const [name, n] of Object.entries(opts.softDelete ?? {})) {
      const o = need(name);
      if (!o.def.hasIsDeleted) throw new Error(`advanceTime: ${name} has no IsDeleted`);
      const ids: string[] = [];
      for (const i of this.pickLive(o, n, rand, takenFor(o))) {
        const prev = o.view(i, this.version);
        const stamp = stampFor();
        const salt = o.change(i, this.version)?.salt ?? 0;
        o.addChange(i, { version, salt, created: prev.created, lastMod: stamp, stamp, deleted: true });
        ids.push(o.idOf(i));
      }
      set.deleted[o.def.name] = ids;
    }
    for (const [name, n] of Object.entries(opts.insert ?? {})) {
      const o = need(name);
      const first = o.addInserts(version, n);
      const ids: string[] = [];
      for (let k = 0; k < n; k++) {
        const stamp = stampFor();
        o.addChange(first + k, {
          version,
          salt: version,
          created: stamp,
          lastMod: stamp,
          stamp,
          deleted: false,
        });
        ids.push(o.idOf(first + k));
      }
      set.inserted[o.def.name] = ids;
    }
    this.version = version;
    return set;
  }
}
