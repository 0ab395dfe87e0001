import { parse as csvParseSync } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { prng } from '../../org/util.js';
import { CsvParser, parseCsv } from '../../src/salesforce/csv.js';

const ALPHABET = [
  'a',
  'b',
  'Z',
  ' ',
  ',',
  '"',
  '\n',
  '\r\n',
  '\r',
  'é',
  '€',
  '😀',
  '0',
  '.',
  ';',
  "'",
  '\t',
  '""',
];

function randomValue(rand: () => number): string {
  const kind = rand();
  if (kind < 0.15) return '';
  const length = Math.floor(rand() * (kind < 0.9 ? 8 : 60));
  let s = '';
  for (let k = 0; k < length; k++) s += ALPHABET[Math.floor(rand() * ALPHABET.length)];
  return s;
}

function needsQuotes(value: string): boolean {
  return /[",\r\n]/.test(value) || value === '';
}

function encode(table: string[][], rand: () => number, eol: string, quoteAll: boolean): string {
  return (
    table
      .map((row) =>
        row
          .map((v) => (quoteAll || needsQuotes(v) || rand() < 0.3 ? `"${v.replaceAll('"', '""')}"` : v))
          .join(','),
      )
      .join(eol) + (rand() < 0.7 ? eol : '')
  );
}

function randomTable(rand: () => number): string[][] {
  const columns = 1 + Math.floor(rand() * 6);
  const rows = 1 + Math.floor(rand() * 12);
  return Array.from({ length: rows }, () => Array.from({ length: columns }, () => randomValue(rand)));
}

/** Feeds `bytes` to a fresh parser cut at the given positions. */
function parseInChunks(bytes: Buffer, cuts: number[]): string[][] {
  const rows: string[][] = [];
  const parser = new CsvParser();
  const push = (row: string[]) => {
    rows.push(row);
  };
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    parser.write(bytes.subarray(from, cut), push);
    from = cut;
  }
  parser.end(push);
  return rows;
}

describe('CsvParser', () => {
  it('reads quoted commas, doubled quotes and newlines inside values', () => {
    const text = '"Id","Name","Notes"\n"001","Acme, Inc.","He said ""hi""\nthen left"\n"002","",""\n';
    expect(parseCsv(text)).toEqual([
      ['Id', 'Name', 'Notes'],
      ['001', 'Acme, Inc.', 'He said "hi"\nthen left'],
      ['002', '', ''],
    ]);
  });

  it('accepts CRLF, unquoted fields, a missing final newline and removes NUL bytes', () => {
    expect(parseCsv('a,b\r\n1,\r\nx\0y,"q\r\nr"')).toEqual([
      ['a', 'b'],
      ['1', ''],
      ['xy', 'q\r\nr'],
    ]);
  });

  it('keeps an empty line of a one-column file as one empty value', () => {
    expect(parseCsv('Name\n\nB\n')).toEqual([['Name'], [''], ['B']]);
  });

  it('strips a byte-order mark and is lenient with text after a closing quote', () => {
    expect(parseCsv('\ufeff"a"x,b\n')).toEqual([['ax', 'b']]);
  });

  it('throws a data error on a quoted field that never closes', () => {
    expect(() => parseCsv('a,"b\n')).toThrow(/never closes/);
  });

  it('equals csv-parse and the source table on random tables, whole and cut at every byte', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const rand = prng(seed);
      const table = randomTable(rand);
      // A one-column table with an empty last value written unquoted is ambiguous with a trailing newline.
      const eol = rand() < 0.5 ? '\n' : '\r\n';
      const text = encode(table, rand, eol, rand() < 0.5);
      const bytes = Buffer.from(text, 'utf8');
      const reference = csvParseSync(bytes, {
        relax_column_count: true,
        skip_empty_lines: false,
      }) as string[][];
      const whole = parseCsv(bytes);
      expect(whole, `seed ${seed}`).toEqual(reference);
      expect(whole, `seed ${seed}`).toEqual(table);
      for (let cut = 0; cut <= bytes.length; cut++) {
        expect(parseInChunks(bytes, [cut]), `seed ${seed} cut ${cut}`).toEqual(table);
      }
      const cuts: number[] = [];
      for (let at = 0; at < bytes.length; at += 1 + Math.floor(rand() * 5)) cuts.push(at);
      expect(parseInChunks(bytes, cuts), `seed ${seed} many cuts`).toEqual(table);
    }
  });

  it('parses a row spread over one-byte chunks', () => {
    const bytes = Buffer.from('"Ünï","😀, ""x""\r\n"\r\nlast,\n', 'utf8');
    const cuts = Array.from({ length: bytes.length }, (_, k) => k);
    expect(parseInChunks(bytes, cuts)).toEqual([
      ['Ünï', '😀, "x"\r\n'],
      ['last', ''],
    ]);
  });
});
