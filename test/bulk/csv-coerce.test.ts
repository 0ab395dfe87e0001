import { describe, expect, it } from 'vitest';
import { csvConverter } from '../../src/sync/csv-coerce.js';
import { CsvLineDecoder, compileLinePlan } from '../../src/sync/csv-lines.js';

const nullable = (type: string, extra: Record<string, unknown> = {}) => ({ type: ['null', type], ...extra });

describe('CSV coercion', () => {
  it.each([
    ['string', nullable('string'), 'Acme', 'Acme'],
    ['empty string', nullable('string'), '', null],
    ['boolean true', nullable('boolean'), 'true', true],
    ['boolean false', nullable('boolean'), 'false', false],
    ['boolean empty', nullable('boolean'), '', null],
    ['integer', nullable('integer'), '-7', -7],
    ['integer written as double', nullable('integer'), '0.0', 0],
    ['number', nullable('number'), '1234.5', 1234.5],
    ['number, Java exponent', nullable('number'), '1.0E7', 10_000_000],
    ['number, double with .0', nullable('number'), '100.0', 100],
    ['number empty', nullable('number'), '', null],
    ['number unreadable', nullable('number'), 'n/a', 'n/a'],
    ['date', nullable('string', { format: 'date' }), '2024-01-31', '2024-01-31'],
    [
      'datetime, Bulk form',
      nullable('string', { format: 'date-time' }),
      '2024-01-31T12:34:56.000Z',
      '2024-01-31T12:34:56.000Z',
    ],
    [
      'datetime, REST form',
      nullable('string', { format: 'date-time' }),
      '2024-01-31T12:34:56.000+0000',
      '2024-01-31T12:34:56.000Z',
    ],
    [
      'datetime, no millis',
      nullable('string', { format: 'date-time' }),
      '2024-01-31T12:34:56Z',
      '2024-01-31T12:34:56.000Z',
    ],
    [
      'datetime in anyOf',
      { anyOf: [{ type: 'string', format: 'date-time' }, { type: ['null', 'string'] }] },
      '2024-01-31T12:34:56.000Z',
      '2024-01-31T12:34:56.000Z',
    ],
    ['anyType text', {}, 'x', 'x'],
    ['anyType number', {}, '42', 42],
    ['anyType decimal', {}, '-1.5', -1.5],
    ['anyType boolean', {}, 'true', true],
    ['anyType date stays text', {}, '2024-01-31', '2024-01-31'],
    ['anyType empty', {}, '', null],
  ])('%s', (_name, schema, raw, expected) => {
    expect(csvConverter(schema)(raw)).toEqual(expected);
  });

  it('builds records by header, dropping columns the schema does not know', () => {
    const schema = {
      properties: {
        Id: { type: 'string' },
        IsDeleted: nullable('boolean'),
        AnnualRevenue: nullable('number'),
      },
    };
    const decoder = new CsvLineDecoder({
      plan: (header) => compileLinePlan(header, schema, null),
      prefix: () => '{"record":',
    });
    decoder.write(Buffer.from('"Id","Extra","IsDeleted","AnnualRevenue"\n"001","x","false",""\n"002"\n'));
    decoder.end();
    const lines = decoder.take()?.lines.toString('utf8').trim().split('\n') ?? [];
    expect(lines.map((line) => JSON.parse(line).record)).toEqual([
      { Id: '001', IsDeleted: false, AnnualRevenue: null },
      { Id: '002', IsDeleted: null, AnnualRevenue: null },
    ]);
  });
});
