/*
 * A REST page's RECORD lines against their definition: the page decoded as UTF-8, JSON.parse, the stream's
 * coercer, JSON.stringify, encoded as UTF-8. Most pages are converted one byte per character (latin1), so
 * random pages mix every UTF-8 width, `\u` escapes, invalid UTF-8, a byte-order mark and non-ASCII
 * positions; the lines, their ends and the positions must be exactly the definition's.
 */
import { describe, expect, it } from 'vitest';
import { prng } from '../../org/util.js';
import type { JsonSchema } from '../../src/singer/catalog.js';
import { RECORD_SUFFIX } from '../../src/singer/messages.js';
import { compileCoercer } from '../../src/sync/coerce.js';
import { compilePageLines } from '../../src/sync/page-lines.js';
import { piecesText } from '../helpers/random.js';

const PREFIX = '{"type":"RECORD","stream":"S","time_extracted":"2026-01-01T00:00:00.000Z","record":';
const nullable = (type: string, extra: Record<string, unknown> = {}) => ({ type: ['null', type], ...extra });

const SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    Id: { type: 'string' },
    Name: nullable('string'),
    Amount: nullable('number'),
    Active: nullable('boolean'),
    Modified: nullable('string', { format: 'date-time' }),
    Day: nullable('string', { format: 'date' }),
    Address: { type: ['null', 'object'], properties: { city: nullable('string') } },
  },
};
const FIELDS = Object.keys(SCHEMA.properties ?? {});

const PIECES = ['a', 'Z', ' ', ',', 'é', 'Zürich', '日本語', '😀', '"', '\\', '\n', '\t', '\u0001', 'ÿ', 'Ā'];

function text(random: () => number): string {
  return piecesText(random, PIECES, 6);
}

/** JSON with non-ASCII either raw or as `\u` escapes, as servers may write it. */
function json(value: unknown, escaped: boolean): string {
  const raw = JSON.stringify(value);
  return escaped
    ? raw.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    : raw;
}

function record(random: () => number, i: number): Record<string, unknown> {
  const pick = <T>(...values: T[]): T => values[Math.floor(random() * values.length)] as T;
  return {
    attributes: { type: 'S', url: `/services/data/v64.0/sobjects/S/001${i}` },
    Id: `001${i}`,
    Name: pick(null, text(random)),
    Amount: pick(null, 1.5, 0, -3, 12345678901),
    Active: pick(true, false, null),
    Modified: pick(null, '2024-01-31T12:34:56.000+0000', '2024-02-01T00:00:00.000+0100', text(random)),
    Day: pick(null, '2024-01-31', text(random)),
    Address: pick(null, { city: text(random), street: 'x' }),
  };
}

function page(random: () => number): Buffer {
  const count = Math.floor(random() * 8);
  const records = Array.from({ length: count }, (_, i) => record(random, i));
  const escaped = random() < 0.2;
  const body = `{"totalSize":${count},"done":true,"records":[${records.map((r) => json(r, escaped)).join(',')}]}`;
  let bytes = Buffer.from(body, 'utf8');
  if (random() < 0.1) bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
  if (random() < 0.1 && count > 0) {
    // An invalid byte inside a text value: replaced by U+FFFD on the UTF-8 reading.
    const at = bytes.indexOf('"Name":"');
    if (at >= 0 && /[a-zA-Z]/.test(String.fromCharCode(bytes[at + 8] ?? 0))) bytes[at + 8] = 0xff;
  }
  return bytes;
}

/** The definition the converter must match. */
function expected(bytes: Buffer, position: string | null) {
  const coerce = compileCoercer(SCHEMA, FIELDS, 'json');
  const text = new TextDecoder().decode(bytes);
  const rows = (JSON.parse(text) as { records: Record<string, unknown>[] }).records;
  const lines: Buffer[] = [];
  const ends: number[] = [];
  const positions: Array<string | null> = [];
  let used = 0;
  for (const row of rows) {
    const coerced = coerce(row);
    const line = Buffer.from(PREFIX + JSON.stringify(coerced) + RECORD_SUFFIX, 'utf8');
    lines.push(line);
    used += line.length;
    ends.push(used);
    const value = position === null ? null : coerced[position];
    positions.push(typeof value === 'string' ? value : null);
  }
  return { lines: Buffer.concat(lines), ends, positions };
}

describe('compilePageLines', () => {
  it.each(['Name', 'Modified', null])(
    'given random pages, then lines and positions (%s) equal the definition',
    (position) => {
      const convert = compilePageLines({ schema: SCHEMA, fields: FIELDS, position });
      const random = prng(position === null ? 3 : position.length);
      for (let n = 0; n < 1500; n++) {
        const bytes = page(random);
        const got = convert(bytes, PREFIX);
        const want = expected(bytes, position);
        expect(Buffer.from(got.bytes.buffer, got.bytes.byteOffset, got.used).equals(want.lines)).toBe(true);
        expect([...got.ends.subarray(0, got.count)]).toEqual(want.ends);
        expect(got.positions.slice(0, got.count)).toEqual(want.positions);
      }
    },
  );

  it('given a stream name that is not ASCII, then its lines are still UTF-8', () => {
    const convert = compilePageLines({ schema: SCHEMA, fields: FIELDS, position: null });
    const bytes = Buffer.from('{"totalSize":1,"done":true,"records":[{"Id":"1","Name":"é"}]}');
    const prefix = '{"type":"RECORD","stream":"Ünïcode","record":';
    const got = convert(bytes, prefix);
    expect(Buffer.from(got.bytes.buffer, 0, got.used).toString('utf8')).toBe(
      `${prefix}{"Id":"1","Name":"é","Amount":null,"Active":null,"Modified":null,"Day":null,"Address":null}${RECORD_SUFFIX}`,
    );
  });
});
