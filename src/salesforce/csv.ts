import { StringDecoder } from 'node:string_decoder';
import { TapError } from '../errors.js';

/*
 * RFC 4180 CSV parser for Bulk API results, written for throughput: it works on decoded text and finds field
 * ends with `indexOf` instead of visiting every character, which is what makes it several times faster than
 * general-purpose parsers on Salesforce's output (see README, "CSV parsing").
 *
 * - Fields are separated by `,`; rows end with `\n` or `\r\n` (a lone `\r` after a closing quote ends a row too).
 * - A quoted field may hold commas, `""` (one quote), CR and LF; quotes inside unquoted fields are kept as text.
 * - Text after a closing quote and before the next delimiter is kept (lenient, as Salesforce never sends it).
 * - NUL characters are removed, as the Python taps do: they are never meaningful in a Salesforce value and
 *   some targets reject them.
 * - A chunk may end anywhere, even inside a multi-byte UTF-8 character: the incomplete row is kept and parsed
 *   again with the next chunk, so memory is bounded by the longest row, not by the input.
 */

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

export type RowHandler = (fields: string[]) => void;

export class CsvParser {
  private readonly decoder = new StringDecoder('utf8');
  /** Unparsed text from the start of the first incomplete row. */
  private rest = '';
  private started = false;
  /** Rows emitted so far (the header included). */
  rows = 0;

  /** Parses a chunk of UTF-8 bytes or text, calling `onRow` for every row it completes. */
  write(chunk: Uint8Array | string, onRow: RowHandler): void {
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk as Buffer);
    this.parse(text, false, onRow);
  }

  /** Parses what is left; a final row needs no line ending. Throws on a quoted field that never closes. */
  end(onRow: RowHandler): void {
    this.parse(this.decoder.end(), true, onRow);
  }

  private parse(chunk: string, final: boolean, onRow: RowHandler): void {
    let text = chunk;
    if (text.indexOf('\0') >= 0) text = text.replaceAll('\0', '');
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const s = this.rest.length > 0 ? this.rest + text : text;
    this.rest = '';
    const len = s.length;
    let i = 0;
    // Cached positions of the next comma / LF at or after `i` (len = none in this buffer).
    let nextComma = -1;
    let nextLf = -1;

    rows: while (i < len) {
      const rowStart = i;
      const row: string[] = [];
      for (;;) {
        if (i >= len) {
          // Just after a comma at the end of the buffer.
          if (!final) {
            this.rest = s.slice(rowStart);
            return;
          }
          row.push('');
          this.emit(row, onRow);
          return;
        }
        if (s.charCodeAt(i) === QUOTE) {
          let value = '';
          let segment = i + 1;
          let closed = -1;
          for (;;) {
            const q = s.indexOf('"', segment);
            if (q < 0 || (q + 1 >= len && !final)) break;
            if (q + 1 < len && s.charCodeAt(q + 1) === QUOTE) {
              value += s.slice(segment, q + 1);
              segment = q + 2;
              continue;
            }
            value += s.slice(segment, q);
            closed = q;
            break;
          }
          if (closed < 0) {
            if (final) throw new TapError('data', `CSV: a quoted field never closes (row ${this.rows + 1})`);
            this.rest = s.slice(rowStart);
            return;
          }
          i = closed + 1;
          let c = i < len ? s.charCodeAt(i) : -1;
          if (c !== COMMA && c !== LF && c !== CR && c !== -1) {
            // Stray text after the closing quote: keep it, up to the field's end.
            const end = fieldEnd(s, i, len);
            if (end === len && !final) {
              this.rest = s.slice(rowStart);
              return;
            }
            value += s.slice(i, end);
            i = end;
            c = i < len ? s.charCodeAt(i) : -1;
          }
          row.push(value);
          if (c === COMMA) {
            i++;
            continue;
          }
          if (c === LF) {
            i++;
            this.emit(row, onRow);
            continue rows;
          }
          if (c === CR) {
            if (i + 1 >= len && !final) {
              this.rest = s.slice(rowStart);
              return;
            }
            i += i + 1 < len && s.charCodeAt(i + 1) === LF ? 2 : 1;
            this.emit(row, onRow);
            continue rows;
          }
          // End of input.
          if (!final) {
            this.rest = s.slice(rowStart);
            return;
          }
          this.emit(row, onRow);
          return;
        }
        // Unquoted field.
        if (nextComma < i) {
          nextComma = s.indexOf(',', i);
          if (nextComma < 0) nextComma = len;
        }
        if (nextLf < i) {
          nextLf = s.indexOf('\n', i);
          if (nextLf < 0) nextLf = len;
        }
        if (nextComma < nextLf) {
          row.push(s.slice(i, nextComma));
          i = nextComma + 1;
          continue;
        }
        if (nextLf < len) {
          const end = nextLf > i && s.charCodeAt(nextLf - 1) === CR ? nextLf - 1 : nextLf;
          row.push(s.slice(i, end));
          i = nextLf + 1;
          this.emit(row, onRow);
          continue rows;
        }
        if (!final) {
          this.rest = s.slice(rowStart);
          return;
        }
        const end = len > i && s.charCodeAt(len - 1) === CR ? len - 1 : len;
        row.push(s.slice(i, end));
        this.emit(row, onRow);
        return;
      }
    }
  }

  private emit(row: string[], onRow: RowHandler): void {
    this.rows++;
    onRow(row);
  }
}

/** End of an unquoted stretch: the next comma, CR or LF at or after `from`, else `len`. */
function fieldEnd(s: string, from: number, len: number): number {
  for (let k = from; k < len; k++) {
    const c = s.charCodeAt(k);
    if (c === COMMA || c === LF || c === CR) return k;
  }
  return len;
}

/** Bulk 1.0: an empty batch's result file is this sentence instead of a header row. */
export function noRecordsHeader(header: string[]): boolean {
  return header.length === 1 && /^Records not found/i.test(header[0] ?? '');
}

/** Parses a whole CSV text into rows (tests, small bodies). */
export function parseCsv(text: string | Uint8Array): string[][] {
  const rows: string[][] = [];
  const parser = new CsvParser();
  const push = (row: string[]) => {
    rows.push(row);
  };
  parser.write(text, push);
  parser.end(push);
  return rows;
}
