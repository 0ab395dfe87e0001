/*
 * The byte-to-byte Bulk decoder against the reference path it replaces: the string CSV parser, the CSV
 * converters building a record object, and JSON.stringify. On random CSV (every quoting form, escapes, control
 * characters, NULs, invalid UTF-8, short and long rows, every line ending) cut into random chunks, both must
 * write the same lines, byte for byte.
 */
import { describe, expect, it } from 'vitest';
import { prng } from '../../org/util.js';
import { CsvParser } from '../../src/salesforce/csv.js';
import type { JsonSchema } from '../../src/singer/catalog.js';
import { csvConverter } from '../../src/sync/csv-coerce.js';
import { CsvLineDecoder, compileLinePlan, type LineBatch, plainNumber } from '../../src/sync/csv-lines.js';
import { piecesText } from '../helpers/random.js';

const PREFIX = '{"type":"RECORD","stream":"S","time_extracted":"2026-01-01T00:00:00.000Z","record":';
const nullable = (type: string, extra: Record<string, unknown> = {}) => ({ type: ['null', type], ...extra });

const SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    Id: { type: 'string' },
    Name: nullable('string'),
    Description: nullable('string'),
    Amount: nullable('number'),
    Count: nullable('integer'),
    Active: nullable('boolean'),
    Modified: nullable('string', { format: 'date-time' }),
    Day: nullable('string', { format: 'date' }),
    Value: {},
    Either: { anyOf: [{ type: 'string', format: 'date-time' }, { type: ['null', 'string'] }] },
  },
};

/** What the string path writes for a CSV text: one line per data row. */
function referenceLines(
  bytes: Buffer,
  schema: JsonSchema,
): { lines: string[]; records: Record<string, unknown>[] } {
  const lines: string[] = [];
  const records: Record<string, unknown>[] = [];
  let build: ((row: string[]) => Record<string, unknown>) | null = null;
  const parser = new CsvParser();
  const onRow = (row: string[]) => {
    if (!build) {
      const properties = schema.properties ?? {};
      const columns = row.flatMap((name, index) => (properties[name] ? [{ name, index }] : []));
      const converters = columns.map(({ name }) => csvConverter(properties[name] as JsonSchema));
      build = (values) => {
        const record: Record<string, unknown> = {};
        columns.forEach(({ name, index }, k) => {
          const raw = values[index];
          record[name] = raw === undefined ? null : converters[k]?.(raw);
        });
        return record;
      };
      return;
    }
    const record = build(row);
    records.push(record);
    lines.push(`${PREFIX}${JSON.stringify(record)}}\n`);
  };
  parser.write(bytes, onRow);
  parser.end(onRow);
  return { lines, records };
}

function decode(
  chunks: Buffer[],
  options: {
    skip?: number;
    cap?: string | null;
    batchBytes?: number;
    key?: string | null;
    wasm?: boolean;
  } = {},
): { text: string; batches: LineBatch[]; rows: number } {
  const decoder = new CsvLineDecoder({
    plan: (header) => compileLinePlan(header, SCHEMA, options.key ?? null),
    prefix: () => PREFIX,
    skip: options.skip ?? 0,
    cap: options.cap ?? null,
    batchBytes: options.batchBytes ?? 300,
    wasm: options.wasm ?? true,
  });
  const batches: LineBatch[] = [];
  const drain = () => {
    for (let b = decoder.take(); b; b = decoder.take()) batches.push(b);
  };
  for (const chunk of chunks) {
    decoder.write(chunk);
    drain();
  }
  decoder.end();
  drain();
  return { text: Buffer.concat(batches.map((b) => b.lines)).toString('utf8'), batches, rows: decoder.rows };
}

const PIECES = [
  'a',
  'Acme',
  ' ',
  ',',
  '"',
  '""',
  '\n',
  '\r',
  '\r\n',
  '\\',
  '\t',
  '\u0001',
  '\0',
  'é',
  '日本',
  '😀',
  '\u2028',
  '0',
  '12',
  '.',
  '-',
  'E',
  'true',
  'Z',
];
const VALUES = [
  '',
  'true',
  'false',
  'TRUE',
  'yes',
  '0',
  '-0',
  '007',
  '12',
  '-12.50',
  '37.5295',
  '0.0',
  '-0.0',
  '100.000',
  '5.',
  '12.0E3',
  '1.0E7',
  '9.999999999E7',
  '0.000001',
  '0.0000001',
  '1234567890123456',
  '123456789012345',
  '0.1234567890123456',
  '1,234.5',
  'n/a',
  '1e999',
  '2024-01-31T12:34:56.000Z',
  '2024-01-31T12:34:56.000+0000',
  '2024-01-31T12:34:56Z',
  '2024-01-31',
  '2024-01-31T00:00:00.000Z',
  '2024-13-45T99:99:99.000Z',
  'Ünïcödé datetime xxxxZ',
  'Acme Corporation, Global Headquarters',
  'a value long enough to be scanned and copied four bytes at a time',
  '2024-01-3',
  '2024-01-31T',
  '2024-01-31 and more',
  '2024-01-31T12:34:é.000Z',
  '日本語',
];

function randomValue(random: () => number): string {
  if (random() < 0.6) return VALUES[Math.floor(random() * VALUES.length)] as string;
  // Long values too, so that quotes, escapes and the end fall at every offset of the word-wise scan.
  return piecesText(random, PIECES, random() < 0.2 ? 24 : 6);
}

/** One field as Salesforce or a sloppier writer might put it. */
function field(value: string, random: () => number): string {
  const plain = !/[",\r\n]/.test(value);
  const roll = random();
  if (plain && roll < 0.15) return value;
  const quoted = `"${value.replaceAll('"', '""')}"`;
  if (roll > 0.97) return `${quoted}x${random() < 0.5 ? '"' : ''}`;
  return quoted;
}

function randomCsv(random: () => number): Buffer {
  const names = Object.keys(SCHEMA.properties ?? {});
  const header = [...names, 'Unknown', 'Other'].filter(() => random() < 0.8).sort(() => random() - 0.5);
  if (header.length === 0) header.push('Id');
  const ending = () => {
    const r = random();
    return r < 0.7 ? '\n' : r < 0.95 ? '\r\n' : '\r';
  };
  const parts: (string | Buffer)[] = [
    `${random() < 0.1 ? '\ufeff' : ''}${header.map((h) => `"${h}"`).join(',')}\n`,
  ];
  const rows = Math.floor(random() * 12);
  for (let r = 0; r < rows; r++) {
    const roll = random();
    const width =
      roll < 0.1 ? Math.floor(random() * header.length) : roll > 0.95 ? header.length + 1 : header.length;
    const fields = Array.from({ length: Math.max(1, width) }, () => field(randomValue(random), random));
    const line = fields.join(',');
    // A lone CR ends a row only after a closing quote.
    const end = ending();
    parts.push(line + (end === '\r' && !line.endsWith('"') ? '\n' : end));
    if (random() < 0.03) parts.push(Buffer.from([0xff, 0xc3]));
  }
  if (random() < 0.2 && typeof parts[parts.length - 1] === 'string') {
    parts[parts.length - 1] = (parts[parts.length - 1] as string).replace(/\r?\n$|\r$/, '');
  }
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
}

function randomChunks(bytes: Buffer, random: () => number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    const size = 1 + Math.floor(random() * (random() < 0.5 ? 8 : 200));
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

/** The decoder converts in WebAssembly, handing rows back to its JavaScript loop, or in JavaScript alone. */
const ENGINES = [
  ['WebAssembly', true],
  ['JavaScript', false],
] as const;

describe('CSV → RECORD lines', () => {
  it.each(ENGINES)(
    'given random CSV in random chunks, then the lines (%s) equal the record path, byte for byte',
    (_, wasm) => {
      const random = prng(20261128);
      let rows = 0;
      for (let run = 0; run < 3000; run++) {
        const csv = randomCsv(random);
        let reference: ReturnType<typeof referenceLines>;
        try {
          reference = referenceLines(csv, SCHEMA);
        } catch {
          // A quoted field that never closes: both paths must refuse it.
          expect(() => decode(randomChunks(csv, random), { wasm })).toThrow(/never closes/);
          continue;
        }
        const got = decode(randomChunks(csv, random), { wasm });
        if (got.text !== reference.lines.join('')) {
          expect({ csv: csv.toString('utf8'), lines: got.text.split('\n') }).toEqual({
            csv: csv.toString('utf8'),
            lines: reference.lines.join('').split('\n'),
          });
        }
        expect(got.rows).toBe(reference.lines.length);
        expect(got.batches.reduce((n, b) => n + b.count, 0)).toBe(reference.lines.length);
        for (const batch of got.batches) {
          expect(batch.lines.toString('utf8').split('\n').length - 1).toBe(batch.count);
        }
        rows += reference.lines.length;
      }
      expect(rows).toBeGreaterThan(10_000);
    },
  );

  it('given random CSV written whole, then both engines hand out the same batches, split at the same rows', () => {
    const random = prng(29);
    let batches = 0;
    for (let run = 0; run < 2000; run++) {
      const csv = randomCsv(random);
      const options = {
        key: 'Modified',
        cap: '2024-06-01T00:00:00.000Z',
        batchBytes: 1 + Math.floor(random() * 600),
      };
      let js: ReturnType<typeof decode>;
      try {
        js = decode([csv], { ...options, wasm: false });
      } catch {
        continue;
      }
      const wasm = decode([csv], { ...options, wasm: true });
      const shape = (got: ReturnType<typeof decode>) =>
        got.batches.map((b) => ({ lines: b.lines.toString('utf8'), count: b.count, highest: b.highest }));
      expect(shape(wasm)).toEqual(shape(js));
      batches += js.batches.length;
    }
    expect(batches).toBeGreaterThan(3000);
  });

  it('given rows of many lines cut across writes, short and longer than the join limit, then the lines equal the record path', () => {
    const multiline = (lines: number) =>
      Array.from({ length: lines }, (_, k) => `line ${k} of a long "quoted" description`).join('\n');
    const csv = Buffer.from(
      [
        '"Id","Description","Name"',
        '"1","short","a"',
        `"2","${multiline(40).replaceAll('"', '""')}","b"`,
        `"3","${multiline(1600).replaceAll('"', '""')}","c"`,
        '"4","","d"',
        '',
      ].join('\n'),
    );
    const reference = referenceLines(csv, SCHEMA).lines.join('');
    for (const size of [3, 100, 4096, 65536]) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < csv.length; at += size) chunks.push(csv.subarray(at, at + size));
      expect(decode(chunks, { batchBytes: 1 << 20 }).text).toBe(reference);
    }
  });

  it.each(ENGINES)(
    'given rows already handed out, when the page is read again, then they are skipped (%s)',
    (_, wasm) => {
      const random = prng(7);
      for (let run = 0; run < 300; run++) {
        const csv = randomCsv(random);
        let reference: string[];
        try {
          reference = referenceLines(csv, SCHEMA).lines;
        } catch {
          continue;
        }
        const skip = Math.floor(random() * (reference.length + 2));
        const got = decode(randomChunks(csv, random), { skip, wasm });
        expect(got.text).toBe(reference.slice(skip).join(''));
        expect(got.rows).toBe(reference.length);
      }
    },
  );

  it('given a replication key, then each batch reports its highest value not past the cap', () => {
    const random = prng(99);
    const cap = '2024-06-01T00:00:00.000Z';
    const stamp = () =>
      new Date(Date.UTC(2024, 0, 1) + Math.floor(random() * 300) * 86_400_000).toISOString();
    const rows = Array.from({ length: 200 }, (_, i) => `"${i}","${random() < 0.1 ? '' : stamp()}"\n`);
    const csv = Buffer.from(`"Id","Modified"\n${rows.join('')}`);
    const { batches } = decode(randomChunks(csv, random), { key: 'Modified', cap, batchBytes: 500 });
    expect(batches.length).toBeGreaterThan(5);
    for (const batch of batches) {
      const values = batch.lines
        .toString('utf8')
        .split('\n')
        .slice(0, -1)
        .map((line) => (JSON.parse(line) as { record: { Modified: string | null } }).record.Modified)
        .filter((v): v is string => v !== null && v <= cap)
        .sort();
      expect(batch.highest).toBe(values.at(-1) ?? null);
    }
  });

  it.each(
    (
      [
        ['Modified', '2024-06-01T00:00:00.000Z'],
        ['Modified', null],
        ['Day', '2024-01-31'],
        ['Name', 'Ünï'],
        ['Name', 'M'],
      ] as const
    ).flatMap(([key, cap]) => ENGINES.map(([engine, wasm]) => [key, cap, engine, wasm] as const)),
  )(
    'given random CSV keyed on %s (cap %s), then each batch reports the highest of its records (%s)',
    (key, cap, _, wasm) => {
      const random = prng(key.length * 31 + (cap?.length ?? 0));
      let keyed = 0;
      for (let run = 0; run < 1500; run++) {
        const csv = randomCsv(random);
        let reference: ReturnType<typeof referenceLines>;
        try {
          reference = referenceLines(csv, SCHEMA);
        } catch {
          continue;
        }
        const { batches } = decode(randomChunks(csv, random), { key, cap, batchBytes: 200, wasm });
        let at = 0;
        for (const batch of batches) {
          const values = reference.records
            .slice(at, at + batch.count)
            .map((r) => r[key])
            .filter((v): v is string => typeof v === 'string' && (cap === null || v <= cap));
          at += batch.count;
          const highest = values.reduce<string | null>((h, v) => (h === null || v > h ? v : h), null);
          expect(batch.highest).toBe(highest);
          if (highest !== null) keyed++;
        }
      }
      expect(keyed).toBeGreaterThan(300);
    },
  );

  it('given Bulk 1.0 "Records not found", when the plan drops the page, then no line is written', () => {
    const decoder = new CsvLineDecoder({ plan: () => null, prefix: () => PREFIX });
    decoder.write(Buffer.from('Records not found for this query'));
    decoder.end();
    expect(decoder.take()).toBeNull();
  });

  it('copies a number only when JavaScript prints it back the same', () => {
    const cases = [
      '0',
      '-0',
      '7',
      '-7',
      '007',
      '10',
      '1.5',
      '1.50',
      '0.5',
      '-0.5',
      '0.000001',
      '0.0000001',
      '123456789012345',
      '1234567890123456',
      '12345678.1234567',
      '12345678.12345678',
      '1.',
      '.5',
      '1e5',
      '1,000',
      '-',
      '',
    ];
    for (const text of cases) {
      const bytes = Buffer.from(text);
      const copied = plainNumber(bytes, 0, bytes.length);
      if (copied) expect(String(Number(text))).toBe(text);
    }
    expect(cases.filter((t) => plainNumber(Buffer.from(t), 0, t.length))).toEqual([
      '0',
      '7',
      '-7',
      '10',
      '1.5',
      '0.5',
      '-0.5',
      '0.000001',
      '123456789012345',
      '12345678.1234567',
    ]);
  });
});
