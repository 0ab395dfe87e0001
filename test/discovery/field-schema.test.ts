import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { ADDRESS_PROPERTIES, mapField, mapFieldType, TYPE_TABLE } from '../../src/discovery/field-schema.js';

const NULLABLE_STRING = { type: ['null', 'string'] };

describe('mapFieldType', () => {
  it.each([
    ['id', { type: 'string' }],
    ['string', NULLABLE_STRING],
    ['textarea', NULLABLE_STRING],
    ['picklist', NULLABLE_STRING],
    ['multipicklist', NULLABLE_STRING],
    ['combobox', NULLABLE_STRING],
    ['email', NULLABLE_STRING],
    ['phone', NULLABLE_STRING],
    ['url', NULLABLE_STRING],
    ['reference', NULLABLE_STRING],
    ['encryptedstring', NULLABLE_STRING],
    ['datacategorygroupreference', NULLABLE_STRING],
    ['masterrecord', NULLABLE_STRING],
    ['time', NULLABLE_STRING],
    ['boolean', { type: ['null', 'boolean'] }],
    ['int', { type: ['null', 'integer'] }],
    ['long', { type: ['null', 'integer'] }],
    ['double', { type: ['null', 'number'] }],
    ['currency', { type: ['null', 'number'] }],
    ['percent', { type: ['null', 'number'] }],
    ['date', { type: ['null', 'string'], format: 'date' }],
    ['datetime', { type: ['null', 'string'], format: 'date-time' }],
    ['anyType', {}],
    ['complexvalue', {}],
  ])('given a %s field, then it is supported with %j', (type, schema) => {
    const mapping = mapFieldType(type);
    expect(mapping.unsupported).toBeNull();
    expect(mapping.schema).toEqual(schema);
  });

  it('given an address field, then it is a nullable object with exactly the compound properties', () => {
    const { schema, unsupported } = mapFieldType('address');
    expect(unsupported).toBeNull();
    expect(schema.type).toEqual(['null', 'object']);
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties ?? {}).sort()).toEqual(
      [
        'city',
        'country',
        'countryCode',
        'geocodeAccuracy',
        'latitude',
        'longitude',
        'postalCode',
        'state',
        'stateCode',
        'street',
      ].sort(),
    );
    expect(ADDRESS_PROPERTIES.latitude).toEqual({ type: ['null', 'number'] });
    expect(ADDRESS_PROPERTIES.street).toEqual(NULLABLE_STRING);
  });

  it('given a location field, then it is a nullable object of latitude and longitude', () => {
    expect(mapFieldType('location')).toEqual({
      unsupported: null,
      schema: {
        type: ['null', 'object'],
        additionalProperties: false,
        properties: { latitude: { type: ['null', 'number'] }, longitude: { type: ['null', 'number'] } },
      },
    });
  });

  it.each([
    ['base64', /binary/],
    ['json', /json/],
    ['byte', /binary/],
    ['floatarray', /reserved/],
    ['hologram', /unknown Salesforce field type 'hologram'/],
  ])('given a %s field, then it is unsupported with a reason', (type, reason) => {
    const mapping = mapFieldType(type);
    expect(mapping.unsupported).toMatch(reason);
  });

  it('covers every type of the table with a schema', () => {
    for (const [type, mapping] of Object.entries(TYPE_TABLE)) {
      expect(mapping.schema, type).toBeTypeOf('object');
    }
  });
});

describe('mapField under BULK', () => {
  it.each(['address', 'location'])('given a compound %s field, then it is unsupported', (type) => {
    expect(mapField('Account', { name: 'X', type }, 'BULK').unsupported).toMatch(/compound/);
    expect(mapField('Account', { name: 'X', type }, 'REST').unsupported).toBeNull();
  });

  it('given a component of a compound field, then it stays available', () => {
    const field = { name: 'BillingStreet', type: 'textarea', compoundFieldName: 'BillingAddress' };
    expect(mapField('Account', field, 'BULK').unsupported).toBeNull();
  });

  it('given a field the Bulk API refuses, then it is unsupported only under BULK', () => {
    const field = { name: 'RecordTypesSupported', type: 'complexvalue' };
    expect(mapField('EntityDefinition', field, 'BULK').unsupported).toMatch(/Bulk/);
    expect(mapField('EntityDefinition', field, 'REST').unsupported).toBeNull();
  });
});

describe('values the sync engine emits validate against the schemas (ajv-formats, full mode)', () => {
  const ajv = new Ajv({ strict: true, allErrors: true });
  addFormats.default(ajv, { mode: 'full' });
  const check = (type: string, value: unknown) => ajv.validate(mapFieldType(type).schema, value);

  it.each([
    ['datetime', '2024-01-31T12:34:56.000Z'],
    ['datetime', null],
    ['date', '2024-01-31'],
    ['time', '12:34:56.000Z'],
    ['int', 42],
    ['long', 9007199254740991],
    ['double', 1.5],
    ['currency', 10],
    ['boolean', false],
    ['id', '001000000000001AAA'],
    ['anyType', 3],
    ['anyType', 'text'],
    ['address', null],
    [
      'address',
      {
        street: '1 Market',
        city: 'SF',
        state: 'CA',
        stateCode: null,
        postalCode: '94105',
        country: 'US',
        countryCode: 'US',
        latitude: 37.79,
        longitude: -122.39,
        geocodeAccuracy: null,
      },
    ],
    ['location', { latitude: 37.79, longitude: -122.39 }],
  ])('given a %s value %j, then it is valid', (type, value) => {
    expect(check(type, value), JSON.stringify(ajv.errors)).toBe(true);
  });

  it.each([
    ['datetime', '2024-01-31 12:34:56'],
    ['date', '2024-01-31T00:00:00.000Z'],
    ['int', 1.5],
    ['id', null],
    ['location', { latitude: 1, longitude: 2, altitude: 3 }],
  ])('given a %s value %j, then it is invalid', (type, value) => {
    expect(check(type, value)).toBe(false);
  });
});
