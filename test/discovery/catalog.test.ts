import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import {
  buildCatalog,
  buildCatalogEntry,
  catalogParts,
  renderCatalog,
  renderEntry,
} from '../../src/discovery/catalog.js';
import type { SObjectDescribe } from '../../src/salesforce/describe.js';
import type { CatalogStream } from '../../src/singer/catalog.js';
import { ROOT } from '../helpers/tap.js';

const account: SObjectDescribe = {
  name: 'Account',
  fields: [
    { name: 'Id', type: 'id' },
    { name: 'Name', type: 'string' },
    { name: 'IsDeleted', type: 'boolean' },
    { name: 'BillingStreet', type: 'textarea', compoundFieldName: 'BillingAddress' },
    { name: 'BillingAddress', type: 'address' },
    { name: 'Spot__c', type: 'location' },
    { name: 'Spot__Latitude__s', type: 'double', compoundFieldName: 'Spot__c' },
    { name: 'Score__c', type: 'double', calculated: true },
    { name: 'Logo__c', type: 'base64' },
    { name: 'CreatedDate', type: 'datetime' },
    { name: 'SystemModstamp', type: 'datetime' },
  ],
};
const noStamp: SObjectDescribe = {
  name: 'NoStamp__c',
  fields: [
    { name: 'Name', type: 'string' },
    { name: 'Id', type: 'id' },
  ],
};

const field = (entry: CatalogStream, name: string) =>
  entry.metadata.find((m) => m.breadcrumb[1] === name)?.metadata ?? {};
const root = (entry: CatalogStream) => entry.metadata.find((m) => m.breadcrumb.length === 0)?.metadata ?? {};

describe('buildCatalogEntry', () => {
  const rest = buildCatalogEntry(account, { apiType: 'REST', selectFieldsByDefault: true });
  const bulk = buildCatalogEntry(account, { apiType: 'BULK', selectFieldsByDefault: true });

  it('given an object with SystemModstamp, then it is INCREMENTAL on SystemModstamp by default', () => {
    expect(root(rest)).toEqual({
      'replication-key': 'SystemModstamp',
      'replication-method': 'INCREMENTAL',
      'salesforce-api-type': 'REST',
      'table-key-properties': ['Id'],
      'valid-replication-keys': ['SystemModstamp'],
    });
    expect(rest.key_properties).toEqual(['Id']);
    expect(rest.replication_key).toBe('SystemModstamp');
    expect(rest.replication_method).toBe('INCREMENTAL');
  });

  it('given an object without stamps, then it is forced to FULL_TABLE', () => {
    const entry = buildCatalogEntry(noStamp, { apiType: 'REST', selectFieldsByDefault: false });
    expect(root(entry)).toEqual({
      'forced-replication-method': 'FULL_TABLE',
      'replication-method': 'FULL_TABLE',
      'salesforce-api-type': 'REST',
      'table-key-properties': ['Id'],
    });
    expect(entry.replication_key).toBeUndefined();
    expect(field(entry, 'Name')['selected-by-default']).toBe(false);
  });

  it('marks the key, the replication key and IsDeleted automatic, the rest available', () => {
    expect(field(rest, 'Id').inclusion).toBe('automatic');
    expect(field(rest, 'SystemModstamp').inclusion).toBe('automatic');
    expect(field(rest, 'IsDeleted').inclusion).toBe('automatic');
    expect(field(rest, 'CreatedDate').inclusion).toBe('available');
    expect(field(rest, 'Name')).toEqual({
      inclusion: 'available',
      'salesforce-type': 'string',
      'selected-by-default': true,
    });
  });

  it('marks formula fields and compound components', () => {
    expect(field(rest, 'Score__c')['salesforce-calculated']).toBe(true);
    expect(field(rest, 'BillingStreet')['salesforce-compound-field']).toBe('BillingAddress');
  });

  it('given base64, then it is unsupported under both APIs with a description', () => {
    for (const entry of [rest, bulk]) {
      expect(field(entry, 'Logo__c').inclusion).toBe('unsupported');
      expect(field(entry, 'Logo__c')['unsupported-description']).toMatch(/binary/);
      expect(field(entry, 'Logo__c')['selected-by-default']).toBeUndefined();
    }
  });

  it('under BULK, compound fields are unsupported and their components stay available', () => {
    expect(field(rest, 'BillingAddress').inclusion).toBe('available');
    expect(field(rest, 'Spot__c').inclusion).toBe('available');
    expect(field(bulk, 'BillingAddress').inclusion).toBe('unsupported');
    expect(field(bulk, 'Spot__c').inclusion).toBe('unsupported');
    expect(field(bulk, 'BillingStreet').inclusion).toBe('available');
    expect(field(bulk, 'Spot__Latitude__s').inclusion).toBe('available');
    expect(root(bulk)['salesforce-api-type']).toBe('BULK');
  });

  it('sorts properties and metadata by field name, the stream entry first', () => {
    const names = Object.keys(rest.schema.properties ?? {});
    expect(names).toEqual([...names].sort());
    expect(rest.metadata[0]?.breadcrumb).toEqual([]);
    expect(rest.metadata.slice(1).map((m) => m.breadcrumb[1])).toEqual(names);
    expect(rest.schema.additionalProperties).toBe(false);
    expect(rest.schema.properties?.Id).toEqual({ type: 'string' });
  });
});

describe('buildCatalog', () => {
  const options = { apiType: 'REST', selectFieldsByDefault: true } as const;

  it('sorts streams and gives the same bytes whatever the describe order', () => {
    const a = JSON.stringify(buildCatalog([account, noStamp], options));
    const reversed = { ...account, fields: [...account.fields].reverse() };
    const b = JSON.stringify(buildCatalog([noStamp, reversed], options));
    expect(a).toBe(b);
    expect(buildCatalog([noStamp, account], options).streams.map((s) => s.tap_stream_id)).toEqual([
      'Account',
      'NoStamp__c',
    ]);
  });

  it('is valid against schemas/catalog.schema.json', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const schema = JSON.parse(readFileSync(join(ROOT, 'schemas', 'catalog.schema.json'), 'utf8'));
    const validate = ajv.compile(schema);
    for (const apiType of ['REST', 'BULK'] as const) {
      const catalog = buildCatalog([account, noStamp], { apiType, selectFieldsByDefault: false });
      expect(validate(catalog), JSON.stringify(validate.errors)).toBe(true);
    }
  });

  it('the catalog schema rejects what is not a Singer catalog', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(
      JSON.parse(readFileSync(join(ROOT, 'schemas', 'catalog.schema.json'), 'utf8')),
    );
    expect(validate({})).toBe(false);
    expect(validate({ streams: [{ tap_stream_id: 'A' }] })).toBe(false);
    expect(validate({ streams: [{ tap_stream_id: 'A', schema: { type: 'nope' } }] })).toBe(false);
    expect(
      validate({
        streams: [
          {
            tap_stream_id: 'A',
            schema: {},
            metadata: [{ breadcrumb: [], metadata: { inclusion: 'maybe' } }],
          },
        ],
      }),
    ).toBe(false);
    // Other taps' shapes are accepted: the MeltanoLabs forced method object, "selected" as a string.
    expect(
      validate({
        streams: [
          {
            tap_stream_id: 'A',
            schema: {
              type: 'object',
              properties: {
                d: { anyOf: [{ type: 'string', format: 'date-time' }, { type: ['string', 'null'] }] },
              },
            },
            metadata: [
              {
                breadcrumb: [],
                metadata: {
                  selected: 'true',
                  'forced-replication-method': { 'replication-method': 'FULL_TABLE', reason: 'x' },
                },
              },
            ],
          },
        ],
      }),
    ).toBe(true);
  });
});

describe('renderCatalog', () => {
  it('given entries rendered one by one, then the text is JSON.stringify(catalog, null, 2), byte for byte', () => {
    const odd: SObjectDescribe = {
      name: 'Odd__c',
      fields: [
        { name: 'Id', type: 'id' },
        { name: 'Name', type: 'string', compoundFieldName: 'Quote "and" \\ line\nbreak 名前 😀' },
      ],
    };
    for (const describes of [[account], [account, noStamp, odd], []]) {
      const catalog = buildCatalog(describes, { apiType: 'REST', selectFieldsByDefault: false });
      const whole = JSON.stringify(catalog, null, 2);
      expect(renderCatalog(catalog.streams.map(renderEntry))).toBe(whole);
      const shared = describes.map((d) =>
        buildCatalogEntry(d, { apiType: 'REST', selectFieldsByDefault: false, copySchemas: false }),
      );
      shared.sort((a, b) => (a.tap_stream_id < b.tap_stream_id ? -1 : 1));
      const bytes = Buffer.concat(catalogParts(shared.map((entry) => Buffer.from(renderEntry(entry)))));
      expect(bytes.toString('utf8')).toBe(`${whole}\n`);
    }
  });
});

describe('catalog key order', () => {
  it('writes every metadata object with its keys sorted', () => {
    const full: SObjectDescribe = {
      name: 'Full__c',
      fields: [
        { name: 'Id', type: 'id' },
        { name: 'F__c', type: 'double', calculated: true, compoundFieldName: 'X__c' },
        { name: 'B__c', type: 'base64', calculated: true },
      ],
    };
    for (const apiType of ['REST', 'BULK'] as const) {
      const entries = [buildCatalogEntry(full, { apiType, selectFieldsByDefault: true })];
      entries.push(buildCatalogEntry(account, { apiType, selectFieldsByDefault: false }));
      for (const entry of entries) {
        for (const m of entry.metadata) {
          const keys = Object.keys(m.metadata);
          expect(keys).toEqual([...keys].sort());
        }
      }
    }
  });

  it('never shares schema objects between fields or entries', () => {
    const a = buildCatalogEntry(account, { apiType: 'REST', selectFieldsByDefault: true });
    const b = buildCatalogEntry(account, { apiType: 'REST', selectFieldsByDefault: true });
    expect(a.schema.properties?.BillingAddress).not.toBe(b.schema.properties?.BillingAddress);
    expect(a.schema.properties?.BillingAddress?.properties).not.toBe(
      b.schema.properties?.BillingAddress?.properties,
    );
    expect(a.schema.properties?.Name?.type).not.toBe(a.schema.properties?.BillingStreet?.type);
  });
});
