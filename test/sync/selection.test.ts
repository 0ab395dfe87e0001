import { describe, expect, it } from 'vitest';
import type { CatalogStream, MetadataEntry } from '../../src/singer/catalog.js';
import { fieldSelected, forcedMethod, selectStream } from '../../src/sync/selection.js';

function entry(
  root: Record<string, unknown>,
  fields: Record<string, Record<string, unknown>>,
): CatalogStream {
  const properties: Record<string, { type: string[] }> = {};
  const metadata: MetadataEntry[] = [{ breadcrumb: [], metadata: root }];
  for (const [name, md] of Object.entries(fields)) {
    properties[name] = { type: ['null', 'string'] };
    metadata.push({ breadcrumb: ['properties', name], metadata: md });
  }
  return { tap_stream_id: 'Account', stream: 'Account', schema: { type: 'object', properties }, metadata };
}

const base = {
  Id: { inclusion: 'automatic' },
  SystemModstamp: { inclusion: 'automatic' },
  IsDeleted: { inclusion: 'available', 'selected-by-default': false },
};

describe('field selection rule', () => {
  it.each([
    ['automatic always', { inclusion: 'automatic', selected: false }, true],
    ['unsupported never', { inclusion: 'unsupported', selected: true }, false],
    [
      'explicit selected wins',
      { inclusion: 'available', selected: true, 'selected-by-default': false },
      true,
    ],
    [
      'explicit deselect wins',
      { inclusion: 'available', selected: false, 'selected-by-default': true },
      false,
    ],
    ['string "true"', { inclusion: 'available', selected: 'true' }, true],
    ['string "false"', { inclusion: 'available', selected: 'false', 'selected-by-default': true }, false],
    ['selected-by-default', { inclusion: 'available', 'selected-by-default': true }, true],
    ['nothing said', { inclusion: 'available' }, false],
    ['no metadata', undefined, false],
  ])('%s', (_name, metadata, want) => expect(fieldSelected(metadata, {})).toBe(want));

  it('reads the legacy selected inside the property schema', () => {
    expect(fieldSelected(undefined, { selected: true })).toBe(true);
  });
});

describe('stream selection', () => {
  it.each([
    ['selected: true', { selected: true }, true],
    ['selected: "true"', { selected: 'true' }, true],
    ['selected: false', { selected: false }, false],
    ['not said', {}, false],
  ])('%s', (_name, root, want) => expect(selectStream(entry(root, base)).selected).toBe(want));

  it('accepts the legacy selected in the schema', () => {
    const e = entry({}, base);
    e.schema.selected = true;
    expect(selectStream(e).selected).toBe(true);
  });

  it('honours replication-method and replication-key, and always includes keys and IsDeleted', () => {
    const s = selectStream(
      entry(
        {
          selected: true,
          'replication-method': 'INCREMENTAL',
          'replication-key': 'SystemModstamp',
          'table-key-properties': ['Id'],
        },
        { ...base, Name: { inclusion: 'available', selected: true }, Fax: { inclusion: 'available' } },
      ),
    );
    expect(s.method).toBe('INCREMENTAL');
    expect(s.replicationKey).toBe('SystemModstamp');
    expect(s.fields).toEqual(['Id', 'SystemModstamp', 'IsDeleted', 'Name']);
    expect(Object.keys(s.schema.properties ?? {})).toEqual(s.fields);
    expect(s.keyProperties).toEqual(['Id']);
    expect(s.problems).toEqual([]);
  });

  it.each([
    ['a string', 'FULL_TABLE'],
    ['an object', { 'replication-method': 'FULL_TABLE', reason: 'no key' }],
  ])('forced-replication-method as %s wins', (_name, forced) => {
    expect(forcedMethod(forced)).toBe('FULL_TABLE');
    const s = selectStream(
      entry(
        {
          selected: true,
          'replication-method': 'INCREMENTAL',
          'replication-key': 'SystemModstamp',
          'forced-replication-method': forced,
        },
        base,
      ),
    );
    expect(s.method).toBe('FULL_TABLE');
    expect(s.replicationKey).toBeNull();
  });

  it('defaults to INCREMENTAL on the first valid key when the method is not given', () => {
    const s = selectStream(entry({ selected: true, 'valid-replication-keys': ['SystemModstamp'] }, base));
    expect(s.method).toBe('INCREMENTAL');
    expect(s.replicationKey).toBe('SystemModstamp');
  });

  it('falls back to FULL_TABLE with a note when INCREMENTAL has no key', () => {
    const s = selectStream(
      entry({ selected: true, 'replication-method': 'INCREMENTAL' }, { Id: { inclusion: 'automatic' } }),
    );
    expect(s.method).toBe('FULL_TABLE');
    expect(s.notes.length).toBe(1);
  });

  it('reports a replication key the stream lacks as a problem (the stream is skipped)', () => {
    const s = selectStream(
      entry({ selected: true, 'replication-method': 'INCREMENTAL', 'replication-key': 'Nope' }, base),
    );
    expect(s.problems).toEqual(["replication key 'Nope' is not a field of Account in the catalog"]);
  });

  it('queries table_name when the stream id differs', () => {
    const e = entry({ selected: true }, base);
    e.tap_stream_id = 'accounts';
    e.table_name = 'Account';
    expect(selectStream(e)).toMatchObject({ stream: 'accounts', object: 'Account' });
  });
});
