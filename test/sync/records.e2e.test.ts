/**
 * Through the real CLI against the simulated org: a first sync matches the org's rows exactly, every record
 * validates against its SCHEMA, the wide object arrives whole, STATE only follows the records it covers, and
 * an incremental run after the org's time moves returns exactly what changed.
 */
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Org, startOrg } from '../../org/index.js';
import {
  discoverCatalog,
  lastState,
  type Message,
  recordsOf,
  type SyncFiles,
  sync,
  syncFiles,
} from './helpers.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

type Row = Record<string, unknown>;
type Schema = { properties: Record<string, { format?: string; type?: unknown }> };

const STREAMS = ['Account', 'Everything__c', 'Wide__c', 'CreatedOnly__c', 'NoStamp__c', 'Contact'];

/** What a record must hold for a REST row: RFC 3339 UTC datetimes, everything else as Salesforce sent it. */
function expected(row: Row, schema: Schema): Row {
  const out: Row = {};
  for (const [name, prop] of Object.entries(schema.properties)) {
    const raw = row[name];
    out[name] =
      prop.format === 'date-time' && typeof raw === 'string'
        ? new Date(raw.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')).toISOString()
        : (raw ?? null);
  }
  return out;
}

function schemaOf(messages: Message[], stream: string): Schema {
  const schema = messages.find((m) => m.type === 'SCHEMA' && m.stream === stream);
  if (!schema) throw new Error(`no SCHEMA for ${stream}`);
  return schema.schema as Schema;
}

function byId(rows: Iterable<Row>): Map<string, Row> {
  const map = new Map<string, Row>();
  for (const row of rows) map.set(row.Id as string, row);
  return map;
}

describe('REST sync against the simulated org', () => {
  let org: Org;
  let files: SyncFiles;
  let first: Message[];
  let firstCode: number | null;

  beforeAll(async () => {
    org = await startOrg({ seed: 7, records: { Account: 1500, Contact: 400 }, pageSize: 500 });
    const catalog = await discoverCatalog(org, STREAMS);
    files = syncFiles(org, catalog, { threshold: 250 });
    const run = await sync(files);
    firstCode = run.code;
    first = run.messages;
    if (run.code !== 0) console.error(run.stderr);
  });
  afterAll(() => org.close());

  it('exits 0 and writes SCHEMA before any RECORD of a stream', () => {
    expect(firstCode).toBe(0);
    const seen = new Set<string>();
    for (const m of first) {
      if (m.type === 'SCHEMA') seen.add(m.stream as string);
      if (m.type === 'RECORD') expect(seen.has(m.stream as string)).toBe(true);
    }
    expect([...seen].sort()).toEqual([...STREAMS].sort());
  });

  it.each(STREAMS)('first sync of %s matches the org row for row, field for field', (stream) => {
    const schema = schemaOf(first, stream);
    const records = recordsOf(first, stream);
    const rows = [...org.rows(stream, { includeDeleted: true })];
    expect(records.length).toBe(rows.length);
    const got = byId(records);
    expect(got.size).toBe(rows.length);
    for (const row of rows) expect(got.get(row.Id as string)).toEqual(expected(row, schema));
  });

  it('soft-deleted rows arrive with IsDeleted: true', () => {
    const deleted = [...org.rows('Account', { includeDeleted: true })].filter((r) => r.IsDeleted === true);
    const got = byId(recordsOf(first, 'Account'));
    for (const row of deleted) expect(got.get(row.Id as string)?.IsDeleted).toBe(true);
  });

  it('every RECORD validates against its SCHEMA (strict date-time)', () => {
    const ajv = addFormats(new Ajv({ allErrors: true, strict: false }));
    const validators = new Map<string, ReturnType<Ajv['compile']>>();
    let checked = 0;
    for (const m of first) {
      if (m.type === 'SCHEMA') validators.set(m.stream as string, ajv.compile(m.schema as object));
      if (m.type !== 'RECORD') continue;
      const validate = validators.get(m.stream as string);
      if (!validate?.(m.record)) throw new Error(`${m.stream}: ${ajv.errorsText(validate?.errors)}`);
      expect(typeof m.time_extracted).toBe('string');
      checked++;
    }
    expect(checked).toBeGreaterThan(2000);
  });

  it('the wide object arrives whole through field chunks', () => {
    const schema = schemaOf(first, 'Wide__c');
    expect(Object.keys(schema.properties).length).toBeGreaterThan(700);
    const chunks = org.stats().queries.filter((q) => / FROM Wide__c/.test(q));
    expect(chunks.length).toBeGreaterThan(1);
    for (const record of recordsOf(first, 'Wide__c')) {
      expect(Object.keys(record).sort()).toEqual(Object.keys(schema.properties).sort());
    }
  });

  it('full-table streams carry one version, announced before and after their records', () => {
    const messages = first.filter((m) => m.stream === 'NoStamp__c');
    const versions = new Set(messages.filter((m) => m.type === 'RECORD').map((m) => m.version));
    expect(versions.size).toBe(1);
    const version = [...versions][0];
    const activations = messages.filter((m) => m.type === 'ACTIVATE_VERSION');
    expect(activations.map((m) => m.version)).toEqual([version, version]);
    expect(messages.findIndex((m) => m.type === 'ACTIVATE_VERSION')).toBeLessThan(
      messages.findIndex((m) => m.type === 'RECORD'),
    );
    expect(messages[messages.length - 1]?.type).toBe('ACTIVATE_VERSION');
    const schema = first.find((m) => m.type === 'SCHEMA' && m.stream === 'Account');
    expect(schema?.key_properties).toEqual(['Id']);
    expect(schema?.bookmark_properties).toEqual(['SystemModstamp']);
  });

  it('every STATE follows all records it covers', () => {
    const seen = new Map<string, Set<string>>();
    const all = new Map(STREAMS.map((s) => [s, [...org.rows(s, { includeDeleted: true })]]));
    for (const m of first) {
      if (m.type === 'RECORD') {
        const set = seen.get(m.stream as string) ?? new Set<string>();
        set.add((m.record as Row).Id as string);
        seen.set(m.stream as string, set);
      }
      if (m.type !== 'STATE') continue;
      const bookmarks = (m.value as { bookmarks: Record<string, Row> }).bookmarks;
      for (const [stream, bookmark] of Object.entries(bookmarks)) {
        const rows = all.get(stream) ?? [];
        const key = stream === 'CreatedOnly__c' ? 'CreatedDate' : 'SystemModstamp';
        const covered = rows.filter((row) =>
          typeof bookmark.last_id === 'string'
            ? (row.Id as string) <= (bookmark.last_id as string)
            : typeof bookmark[key] === 'string' &&
              Date.parse(String(row[key]).replace(/\+0000$/, 'Z')) < Date.parse(bookmark[key] as string),
        );
        for (const row of covered) expect(seen.get(stream)?.has(row.Id as string)).toBe(true);
      }
    }
    const final = lastState(first) as { bookmarks: Record<string, Row>; currently_syncing: unknown };
    expect(final.currently_syncing).toBeNull();
    expect(final.bookmarks.NoStamp__c).toEqual({ version: expect.any(Number) });
  });

  it('an incremental run after the org moves on returns exactly the changed, inserted and soft-deleted rows', async () => {
    const state = lastState(first) as { bookmarks: Record<string, Row> };
    const change = org.advanceTime({
      seconds: 3600,
      update: { Account: 40, Contact: 10 },
      insert: { Account: 25 },
      softDelete: { Account: 5 },
    });
    const run = await sync(files, state);
    expect(run.code).toBe(0);
    const records = recordsOf(run.messages, 'Account');
    const want = new Set([
      ...(change.updated.Account ?? []),
      ...(change.inserted.Account ?? []),
      ...(change.deleted.Account ?? []),
    ]);
    const got = byId(records);
    for (const id of want) expect(got.has(id)).toBe(true);
    // Anything else is a boundary row: its key equals the previous bookmark (>= re-reads ties, never skips).
    const previous = state.bookmarks.Account?.SystemModstamp as string;
    for (const record of records) {
      if (!want.has(record.Id as string)) expect(record.SystemModstamp).toBe(previous);
    }
    const rows = byId(org.rows('Account', { includeDeleted: true }));
    const schema = schemaOf(run.messages, 'Account');
    for (const id of want) expect(got.get(id)).toEqual(expected(rows.get(id) as Row, schema));
    for (const id of change.deleted.Account ?? []) expect(got.get(id)?.IsDeleted).toBe(true);
    const contacts = new Set(recordsOf(run.messages, 'Contact').map((r) => r.Id));
    for (const id of change.updated.Contact ?? []) expect(contacts.has(id)).toBe(true);
    // The full-table stream starts a new version and does not announce it before its records.
    const noStamp = run.messages.filter((m) => m.stream === 'NoStamp__c' && m.type === 'ACTIVATE_VERSION');
    expect(noStamp.length).toBe(1);
  });
});
