import { describe, expect, it } from 'vitest';
import type { JsonSchema } from '../../src/singer/catalog.js';
import {
  compileCoercer,
  normaliseBoolean,
  normaliseDate,
  normaliseDatetime,
  normaliseNumber,
} from '../../src/sync/coerce.js';

const nullable = (type: string, extra: JsonSchema = {}): JsonSchema => ({ type: ['null', type], ...extra });
const address: JsonSchema = nullable('object', {
  additionalProperties: false,
  properties: { city: nullable('string'), latitude: nullable('number'), longitude: nullable('number') },
});
const schema: JsonSchema = {
  type: 'object',
  properties: {
    Id: { type: 'string' },
    Name: nullable('string'),
    When__c: nullable('string', { format: 'date-time' }),
    Day__c: nullable('string', { format: 'date' }),
    Old__c: { anyOf: [{ type: 'string', format: 'date-time' }, { type: ['null', 'string'] }] },
    Count__c: nullable('integer'),
    Amount__c: nullable('number'),
    Flag__c: nullable('boolean'),
    Any__c: {},
    Address__c: address,
    'odd"name': nullable('string'),
  },
};
const fields = Object.keys(schema.properties ?? {});

describe('value normalisers', () => {
  it.each([
    ['2024-01-31T12:34:56.000+0000', '2024-01-31T12:34:56.000Z'],
    ['2024-01-31T12:34:56.000Z', '2024-01-31T12:34:56.000Z'],
    ['2024-01-31T14:34:56.000+0200', '2024-01-31T12:34:56.000Z'],
    ['2024-01-31T12:34:56.000+02:00', '2024-01-31T10:34:56.000Z'],
    ['2024-01-31T12:34:56Z', '2024-01-31T12:34:56.000Z'],
    ['2024-01-31T12:34:56.123456Z', '2024-01-31T12:34:56.123Z'],
    ['', null],
    [null, null],
    [undefined, null],
    ['not a date', 'not a date'],
  ])('datetime %j → %j', (input, output) => expect(normaliseDatetime(input)).toBe(output));

  it.each([
    ['2024-01-31', '2024-01-31'],
    ['2024-01-31T00:00:00.000Z', '2024-01-31'],
    ['', null],
    [null, null],
  ])('date %j → %j', (input, output) => expect(normaliseDate(input)).toBe(output));

  it.each([
    [1.5, 1.5],
    ['1.0E7', 10_000_000],
    ['1,234.5', 1234.5],
    ['0.0', 0],
    ['-3', -3],
    ['', null],
    [null, null],
    ['abc', 'abc'],
  ])('number %j → %j', (input, output) => expect(normaliseNumber(input)).toBe(output));

  it.each([
    [true, true],
    ['true', true],
    ['FALSE', false],
    ['', null],
    [null, null],
  ])('boolean %j → %j', (input, output) => expect(normaliseBoolean(input)).toBe(output));
});

describe('compiled coercer', () => {
  it('picks the schema fields in order, drops attributes, and converts by schema (REST values)', () => {
    const coerce = compileCoercer(schema, fields, 'json');
    const record = coerce({
      attributes: { type: 'X', url: '/x' },
      Id: 'a01',
      Name: 'Zoë "quoted"\nline',
      When__c: '2024-01-31T12:34:56.000+0000',
      Day__c: '2024-01-31',
      Old__c: '2024-01-31T12:34:56.000+0000',
      Count__c: 3,
      Amount__c: 1e7,
      Flag__c: false,
      Any__c: 42,
      Address__c: { city: 'Zürich', latitude: 47.3, longitude: 8.5, extra: 'dropped' },
      'odd"name': 'ok',
      Unselected__c: 'x',
    });
    expect(record).toEqual({
      Id: 'a01',
      Name: 'Zoë "quoted"\nline',
      When__c: '2024-01-31T12:34:56.000Z',
      Day__c: '2024-01-31',
      Old__c: '2024-01-31T12:34:56.000Z',
      Count__c: 3,
      Amount__c: 10_000_000,
      Flag__c: false,
      Any__c: 42,
      Address__c: { city: 'Zürich', latitude: 47.3, longitude: 8.5 },
      'odd"name': 'ok',
    });
    expect(Object.keys(record)).toEqual(fields);
  });

  it('gives null for missing values and null compounds', () => {
    const coerce = compileCoercer(schema, fields, 'json');
    const record = coerce({ Id: 'a02', Address__c: null });
    for (const f of fields.filter((f) => f !== 'Id')) expect(record[f]).toBeNull();
  });

  it('turns Bulk CSV strings into the same record REST gives', () => {
    const rest = compileCoercer(
      schema,
      fields,
      'json',
    )({
      Id: 'a03',
      Name: 'n',
      When__c: '2024-01-31T12:34:56.000+0000',
      Day__c: '2024-01-31',
      Old__c: null,
      Count__c: 0,
      Amount__c: 12.5,
      Flag__c: true,
      Any__c: null,
      Address__c: null,
      'odd"name': null,
    });
    const csv = compileCoercer(
      schema,
      fields,
      'csv',
    )({
      Id: 'a03',
      Name: 'n',
      When__c: '2024-01-31T12:34:56.000Z',
      Day__c: '2024-01-31',
      Old__c: '',
      Count__c: '0.0',
      Amount__c: '12.5',
      Flag__c: 'true',
      Any__c: '',
      Address__c: '',
      'odd"name': '',
    });
    expect(csv).toEqual(rest);
  });
});
