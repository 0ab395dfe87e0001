/**
 * Bulk CSV result bytes → RECORD line bytes, without building strings or objects for the values.
 *
 * Most Bulk values need no work at all to become JSON: a quoted CSV text field without `""`, `\` or control
 * characters is, quotes included, already the JSON string of its value, and so are Bulk's datetimes
 * (`2024-01-31T12:34:56.000Z`), short dates, `true`/`false` and plain decimal numbers. Those bytes are copied
 * from the CSV straight into the output; every other value is decoded and goes through the same converter as
 * in `csv-coerce.ts` (so a line equals `JSON.stringify` of that converter's record, key order included). This
 * is what lets the Bulk runner keep up with the download: the record-object path (parse into strings, build an
 * object, `JSON.stringify`, encode) costs several times as much CPU per row (README, "CSV parsing").
 *
 * The common rows are converted by the same rules in WebAssembly (`csv-lines-wasm.ts`), about three times
 * faster; it hands back, whole, every row it does not convert, and the loop here converts those.
 *
 * The grammar is the one `csv.ts` parses: RFC 4180, `\n` or `\r\n` row ends (a lone `\r` after a closing quote
 * ends a row too), quotes kept inside unquoted fields, stray text after a closing quote kept, NUL bytes
 * dropped, invalid UTF-8 replaced by U+FFFD. Rows may span `write` calls; only complete rows are converted.
 */
import { isUtf8 } from 'node:buffer';
import { TapError } from '../errors.js';
import type { PageDecoder } from '../salesforce/bulk2.js';
import { noRecordsHeader, parseCsv } from '../salesforce/csv.js';
import type { JsonSchema } from '../singer/catalog.js';
import type { Normaliser } from './coerce.js';
import { csvConverter } from './csv-coerce.js';
import { Stop, WasmLines, wasmLines } from './csv-lines-wasm.js';

/** Encoded RECORD lines of one stretch of a result page. */
export interface LineBatch {
  /** Complete lines, `\n` included, UTF-8. */
  lines: Buffer;
  count: number;
  /** Highest replication-key value among these rows that is not past the cap; null when none. */
  highest: string | null;
  /** Called once `lines` has been written and its memory may be used again (set by csv-lines-thread.ts). */
  release?: () => void;
}

/** Where a decoder gets the buffers it fills with lines. */
export interface LineBuffers {
  /** A buffer of at least `bytes` bytes. */
  take(bytes: number): Buffer;
  /** A buffer from `take` that was not handed out in a batch. */
  drop(buffer: Buffer): void;
}

const NEW_BUFFERS: LineBuffers = { take: (bytes) => Buffer.allocUnsafe(bytes), drop: () => {} };
const EMPTY = Buffer.alloc(0);
/** Room past `batchBytes` in a batch's buffer, so that the row that crosses the mark rarely needs a bigger one. */
export const BATCH_HEADROOM = 64 * 1024;

enum Kind {
  Text,
  Datetime,
  Date,
  Number,
  Boolean,
  /** Always decoded and converted (anyType, objects). */
  Other,
  /** A column the schema does not know. */
  Skip,
}

/** How the rows of one header become JSON. Compiled once per distinct header. */
export interface LinePlan {
  readonly kinds: Kind[];
  /** Per column: `{"Name":` for the first emitted column, `,"Name":` for the others. */
  readonly keys: (Buffer | null)[];
  /** The key with the value's opening quote, `,"Name":"`, and the key of an empty value, `,"Name":null`. */
  readonly opens: (Buffer | null)[];
  readonly nulls: (Buffer | null)[];
  readonly converters: (Normaliser | null)[];
  /** Header index of the replication key, or -1. */
  readonly keyColumn: number;
  /** Emitted columns (for the nulls of a short row). */
  readonly emitted: number[];
  readonly closing: Buffer;
}

function kindOf(schema: JsonSchema): Kind {
  if (schema.format === 'date-time') return Kind.Datetime;
  if (schema.format === 'date') return Kind.Date;
  if (schema.anyOf !== undefined) return Kind.Other;
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes('object') || schema.type === undefined) return Kind.Other;
  if (types.includes('integer') || types.includes('number')) return Kind.Number;
  if (types.includes('boolean')) return Kind.Boolean;
  return Kind.Text;
}

/**
 * The plan for a page whose header is `header`: columns the schema does not know are skipped; fields of the
 * schema missing from a short row are null.
 */
export function compileLinePlan(
  header: string[],
  schema: JsonSchema,
  replicationKey: string | null,
): LinePlan {
  const properties = schema.properties ?? {};
  const kinds: Kind[] = [];
  const keys: (Buffer | null)[] = [];
  const opens: (Buffer | null)[] = [];
  const nulls: (Buffer | null)[] = [];
  const converters: (Normaliser | null)[] = [];
  const emitted: number[] = [];
  header.forEach((name, index) => {
    const property = properties[name];
    // A repeated column name keeps its last value in a record object; the first is dropped here likewise.
    if (!property || header.indexOf(name, index + 1) >= 0) {
      kinds.push(Kind.Skip);
      keys.push(null);
      opens.push(null);
      nulls.push(null);
      converters.push(null);
      return;
    }
    kinds.push(kindOf(property));
    const key = `${emitted.length === 0 ? '{' : ','}${JSON.stringify(name)}:`;
    keys.push(Buffer.from(key));
    opens.push(Buffer.from(`${key}"`));
    nulls.push(Buffer.from(`${key}null`));
    converters.push(csvConverter(property));
    emitted.push(index);
  });
  const keyColumn = replicationKey === null ? -1 : header.lastIndexOf(replicationKey);
  return {
    kinds,
    keys,
    opens,
    nulls,
    converters,
    keyColumn: keyColumn >= 0 && kinds[keyColumn] !== Kind.Skip ? keyColumn : -1,
    emitted,
    closing: Buffer.from(emitted.length === 0 ? '{}}\n' : '}}\n'),
  };
}

/** What a stream's line plans are built from (sent as it is to the worker thread, see csv-lines-thread.ts). */
export interface LineStreamSetup {
  stream: string;
  schema: JsonSchema;
  /** Selected fields: a page whose header lacks one is refused. */
  fields: string[];
  replicationKey: string | null;
}

/**
 * The `plan` option of `CsvLineDecoder` for a stream: one plan per distinct header (every page repeats the
 * same header), null for Bulk 1.0's "Records not found", a `data` error for a header that lacks a selected
 * field.
 */
export function linePlanner(setup: LineStreamSetup): (header: string[]) => LinePlan | null {
  const cache = new Map<string, LinePlan>();
  return (header) => {
    if (noRecordsHeader(header)) return null;
    const key = header.join(',');
    let plan = cache.get(key);
    if (!plan) {
      const missing = setup.fields.filter((f) => !header.includes(f));
      if (missing.length > 0) {
        throw new TapError(
          'data',
          `${setup.stream}: Bulk results lack selected fields ${missing.join(', ')}`,
        );
      }
      plan = compileLinePlan(header, setup.schema, setup.replicationKey);
      cache.set(key, plan);
    }
    return plan;
  };
}

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;
const BACKSLASH = 92;
/** JSON.stringify's two-character escapes of control characters (b, t, n, f, r); 0: written as `\u00xx`. */
const SHORT_ESCAPES = new Uint8Array(32);
SHORT_ESCAPES.set([98, 116, 110, 0, 102, 114], 8);
const HEX = Buffer.from('0123456789abcdef');

/** Field flags. */
const ESCAPED = 1; // has `""`, `\` or a control character: the bytes are not JSON as they are
const UNQUOTED = 2;
const STRAY = 4; // text after the closing quote

export interface CsvLineDecoderOptions {
  /** The plan for the page's header, or null to drop the page's rows (Bulk 1.0's "Records not found"). */
  plan: (header: string[]) => LinePlan | null;
  /** The head of a RECORD line, up to `"record":`; asked again for every batch (it carries the time). */
  prefix: () => string;
  /** Data rows at the start of the page to drop: already handed out by an earlier reading. */
  skip?: number;
  /** Replication-key values past this are not counted in `highest` (the job's signpost). */
  cap?: string | null;
  /** A batch is handed out once it holds this many bytes. */
  batchBytes?: number;
  buffers?: LineBuffers;
  /** Whether the common rows go through WebAssembly (csv-lines-wasm.ts); false: all in JavaScript. */
  wasm?: boolean;
}

const DEFAULT_BATCH_BYTES = 1024 * 1024;
/** A carried row longer than this is joined with the whole next write at once. */
const JOIN_LIMIT = 64 * 1024;

/** One reading of one result page. Not reusable: a page read again gets a new decoder. */
export class CsvLineDecoder implements PageDecoder<LineBatch> {
  rows = 0;
  private readonly options: CsvLineDecoderOptions;
  private readonly skip: number;
  private readonly cap: string | null;
  private readonly batchBytes: number;
  private plan: LinePlan | null = null;
  private headerSeen = false;
  private dropRows = false;
  private carry: Buffer | null = null;
  private ended = false;
  private readonly buffers: LineBuffers;
  private readonly wasm: WasmLines | null;
  /** The batch being filled; EMPTY until its first row. */
  private out: Buffer = EMPTY;
  private used = 0;
  private count = 0;
  private highest: string | null = null;
  private prefix: Buffer;
  private readonly ready: LineBatch[] = [];

  constructor(options: CsvLineDecoderOptions) {
    this.options = options;
    this.skip = options.skip ?? 0;
    this.cap = options.cap ?? null;
    this.batchBytes = options.batchBytes ?? DEFAULT_BATCH_BYTES;
    this.prefix = Buffer.from(options.prefix());
    this.buffers = options.buffers ?? NEW_BUFFERS;
    this.wasm = options.wasm === false ? null : wasmLines();
  }

  write(bytes: Buffer): void {
    // A row cut by the previous write is finished line by line, so that only what it needs is copied, not
    // the whole write (unless the row is already long: then its many lines would be copied over and over).
    let from = 0;
    for (let carry = this.carry; carry; carry = this.carry) {
      if (carry.length > JOIN_LIMIT) {
        this.consume(Buffer.concat([carry, bytes.subarray(from)]), false);
        return;
      }
      const lf = bytes.indexOf(LF, from);
      const to = lf < 0 ? bytes.length : lf + 1;
      this.consume(Buffer.concat([carry, bytes.subarray(from, to)]), false);
      from = to;
      if (from >= bytes.length) return;
    }
    this.consume(from === 0 ? bytes : bytes.subarray(from), false);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.carry) this.consume(this.carry, true);
    this.seal();
    this.giveBackOut();
  }

  take(): LineBatch | null {
    return this.ready.shift() ?? null;
  }

  /** This reading is abandoned: gives back the buffers of the batches not taken and of the one being filled. */
  dispose(): void {
    for (let batch = this.take(); batch; batch = this.take()) this.buffers.drop(batch.lines);
    this.giveBackOut();
  }

  private giveBackOut(): void {
    if (this.out !== EMPTY) this.buffers.drop(this.out);
    this.out = EMPTY;
    this.used = 0;
  }

  private consume(input: Buffer, final: boolean): void {
    this.carry = null;
    const buf = input;
    let from = 0;
    if (!this.headerSeen) {
      const lf = buf.indexOf(LF);
      if (lf < 0 && !final) {
        this.carry = Buffer.from(buf);
        return;
      }
      const headerEnd = lf < 0 ? buf.length : lf + 1;
      this.headerSeen = true;
      const header = parseCsv(buf.subarray(0, headerEnd))[0] ?? [];
      this.plan = this.options.plan(header);
      this.dropRows = this.plan === null;
      from = headerEnd;
    }
    if (from >= buf.length) return;
    // Only whole lines go through the checks: a line end is never inside a multi-byte character.
    const lastLf = final ? buf.length : buf.lastIndexOf(LF) + 1;
    if (lastLf <= from) {
      this.carry = Buffer.from(buf.subarray(from));
      return;
    }
    let work = buf.subarray(from, lastLf);
    if (work.indexOf(0) >= 0) work = withoutNul(work);
    if (!isUtf8(work)) work = Buffer.from(work.toString('utf8'));
    const tail = buf.subarray(lastLf);
    const done = this.convert(work, final);
    if (done < work.length || tail.length > 0) this.carry = Buffer.concat([work.subarray(done), tail]);
  }

  /**
   * Converts the complete rows of `buf`; returns where the first incomplete row starts. WebAssembly converts
   * the rows it can; each row it hands back, and the rows of a reading's `skip`, go through `convertRows`.
   */
  private convert(buf: Buffer, final: boolean): number {
    const plan = this.plan;
    const wasm =
      plan !== null && !this.dropRows && this.wasm && WasmLines.suits(plan, this.cap) ? this.wasm : null;
    if (plan === null || wasm === null) return this.convertRows(buf, 0, final, Number.POSITIVE_INFINITY);
    wasm.load(plan, this.prefix, buf, this.batchBytes + BATCH_HEADROOM);
    let i = 0;
    while (i < buf.length) {
      if (this.rows >= this.skip) {
        const run = wasm.run(i, this.batchBytes - this.used, this.prefix, this.cap);
        if (run.rows > 0) {
          this.room(run.lines.length);
          this.out.set(run.lines, this.used);
          this.used += run.lines.length;
          this.rows += run.rows;
          this.count += run.rows;
          if (run.highest !== null && (this.highest === null || run.highest > this.highest)) {
            this.highest = run.highest;
          }
        }
        i = run.at;
        if (run.stop === Stop.Full) {
          if (this.used >= this.batchBytes) this.seal();
          continue;
        }
        if (run.stop === Stop.Done) break;
      }
      const next = this.convertRows(buf, i, final, this.rows < this.skip ? this.skip - this.rows : 1);
      if (next === i) break;
      i = next;
    }
    return i;
  }

  /** Converts up to `maxRows` complete rows of `buf` from `from` on; returns where it stopped. */
  private convertRows(buf: Buffer, from: number, final: boolean, maxRows: number): number {
    const plan = this.plan;
    const to = buf.length;
    let i = from;
    let converted = 0;
    while (i < to && converted < maxRows) {
      const rowStart = i;
      const rowUsed = this.used;
      if (!this.dropRows) this.put(this.prefix);
      let column = 0;
      for (;;) {
        let a: number;
        let b: number;
        let end: number;
        let flags = 0;
        let strayEnd = 0;
        if (i < to && buf[i] === QUOTE) {
          let k = i + 1;
          for (;;) {
            if (k >= to) {
              if (!final) return this.incomplete(rowStart, rowUsed);
              throw new TapError('data', `CSV: a quoted field never closes (row ${this.rows + 2})`);
            }
            const c = buf[k] as number;
            if (c === QUOTE) {
              if (k + 1 < to && buf[k + 1] === QUOTE) {
                flags |= ESCAPED;
                k += 2;
                continue;
              }
              if (k + 1 >= to && !final) return this.incomplete(rowStart, rowUsed);
              break;
            }
            if (c < 32 || c === BACKSLASH) flags |= ESCAPED;
            k++;
          }
          a = i + 1;
          b = k;
          end = k + 1;
          if (end < to) {
            const c = buf[end];
            if (c !== COMMA && c !== LF && c !== CR) {
              flags |= STRAY | ESCAPED;
              let e = end;
              while (e < to && buf[e] !== COMMA && buf[e] !== LF && buf[e] !== CR) e++;
              if (e >= to && !final) return this.incomplete(rowStart, rowUsed);
              strayEnd = e;
            }
          }
        } else {
          let k = i;
          while (k < to) {
            const c = buf[k] as number;
            if (c === COMMA || c === LF) break;
            if (c < 32 || c === BACKSLASH || c === QUOTE) flags |= ESCAPED;
            k++;
          }
          if (k >= to && !final) return this.incomplete(rowStart, rowUsed);
          flags |= UNQUOTED;
          a = i;
          b = k;
          end = k;
          // A CR just before the row's LF (or the end of the input) belongs to the line ending.
          if ((end >= to || buf[end] === LF) && b > a && buf[b - 1] === CR) b--;
        }
        if (plan !== null && !this.dropRows && column < plan.kinds.length) {
          const kind = plan.kinds[column] as Kind;
          if (
            flags === 0 &&
            a !== b &&
            column !== plan.keyColumn &&
            (kind === Kind.Text || (kind === Kind.Datetime && bulkDatetime(buf, a, b)))
          ) {
            // The common cases, inline: `,"Key":"bytes"`.
            this.put(plan.opens[column] as Buffer);
            this.room(b - a + 1);
            this.copy(buf, a, b);
            this.out[this.used++] = QUOTE;
          } else if (a === b && (flags & STRAY) === 0) {
            if (kind !== Kind.Skip) this.put(plan.nulls[column] as Buffer);
          } else {
            this.field(plan, column, buf, a, b, flags, end, strayEnd);
          }
        }
        column++;
        if (flags & STRAY) end = strayEnd;
        if (end >= to) {
          i = end;
          break;
        }
        const c = buf[end];
        if (c === COMMA) {
          i = end + 1;
          continue;
        }
        if (c === CR) {
          if (end + 1 >= to && !final) return this.incomplete(rowStart, rowUsed);
          i = end + 1 < to && buf[end + 1] === LF ? end + 2 : end + 1;
          break;
        }
        i = end + 1;
        break;
      }
      this.rows++;
      converted++;
      if (this.dropRows || plan === null) continue;
      for (const index of plan.emitted) {
        if (index >= column) this.put(plan.nulls[index] as Buffer);
      }
      this.put(plan.closing);
      if (this.rows <= this.skip) {
        this.used = rowUsed;
        this.pendingKey = null;
        continue;
      }
      this.count++;
      if (this.pendingKey !== null) {
        const value = this.pendingKey;
        this.pendingKey = null;
        if ((this.cap === null || value <= this.cap) && (this.highest === null || value > this.highest))
          this.highest = value;
      }
      if (this.used >= this.batchBytes) this.seal();
    }
    return i;
  }

  /** The replication-key value of the row being converted. */
  private pendingKey: string | null = null;

  private incomplete(rowStart: number, rowUsed: number): number {
    this.used = rowUsed;
    this.pendingKey = null;
    return rowStart;
  }

  /** Writes `"key":value` for one field that is not empty. */
  private field(
    plan: LinePlan,
    column: number,
    buf: Buffer,
    a: number,
    b: number,
    flags: number,
    end: number,
    strayEnd: number,
  ): void {
    const kind = plan.kinds[column] as Kind;
    if (kind === Kind.Skip) return;
    this.put(plan.keys[column] as Buffer);
    const isKey = column === plan.keyColumn;
    if ((flags & ESCAPED) === 0 && verbatim(kind, buf, a, b)) {
      const quoted = kind !== Kind.Number && kind !== Kind.Boolean;
      this.room(b - a + 2);
      if (quoted) this.out[this.used++] = QUOTE;
      this.copy(buf, a, b);
      if (quoted) this.out[this.used++] = QUOTE;
      if (isKey) this.pendingKey = buf.toString('utf8', a, b);
      return;
    }
    if (kind === Kind.Text && (flags & STRAY) === 0 && !isKey) {
      this.escapedText(buf, a, b, (flags & UNQUOTED) === 0);
      return;
    }
    let raw = buf.toString('utf8', a, b);
    if ((flags & (ESCAPED | UNQUOTED)) === ESCAPED) raw = raw.replaceAll('""', '"');
    if (flags & STRAY) raw += buf.toString('utf8', end, strayEnd);
    const value = (plan.converters[column] as Normaliser)(raw);
    if (isKey && typeof value === 'string') this.pendingKey = value;
    const json = JSON.stringify(value) ?? 'null';
    this.room(json.length * 3);
    this.used += this.out.write(json, this.used);
  }

  /**
   * A text value with `""`, `\` or control characters, escaped as JSON.stringify would escape it (the input is
   * valid UTF-8 by now, so nothing else needs escaping): a quoted field's `""` is one quote.
   */
  private escapedText(buf: Buffer, a: number, b: number, quoted: boolean): void {
    this.room((b - a) * 6 + 2);
    const out = this.out;
    let used = this.used;
    out[used++] = QUOTE;
    for (let k = a; k < b; k++) {
      const c = buf[k] as number;
      if (c === QUOTE || c === BACKSLASH) {
        if (c === QUOTE && quoted) k++;
        out[used++] = BACKSLASH;
        out[used++] = c;
      } else if (c < 32) {
        const short = SHORT_ESCAPES[c] as number;
        out[used++] = BACKSLASH;
        if (short !== 0) out[used++] = short;
        else {
          out[used++] = 117; // u
          out[used++] = 48;
          out[used++] = 48;
          out[used++] = HEX[c >> 4] as number;
          out[used++] = HEX[c & 15] as number;
        }
      } else out[used++] = c;
    }
    out[used++] = QUOTE;
    this.used = used;
  }

  /** Appends a key, `null`, a line's head or end; byte by byte, which costs less than a native copy this short. */
  private put(bytes: Buffer): void {
    this.room(bytes.length);
    this.copy(bytes, 0, bytes.length);
  }

  /** Appends `buf[a, b)`; `room` has been made for it. */
  private copy(buf: Buffer, a: number, b: number): void {
    const out = this.out;
    let used = this.used;
    for (let k = a; k < b; k++) out[used++] = buf[k] as number;
    this.used = used;
  }

  /** Makes room for `bytes` more bytes in the batch being filled. */
  private room(bytes: number): void {
    if (this.used + bytes <= this.out.length) return;
    const next = this.buffers.take(
      this.out === EMPTY
        ? Math.max(this.batchBytes + BATCH_HEADROOM, bytes)
        : Math.max(this.out.length * 2, this.used + bytes),
    );
    this.out.copy(next, 0, 0, this.used);
    if (this.out !== EMPTY) this.buffers.drop(this.out);
    this.out = next;
  }

  /** Hands out the rows converted so far as a batch and starts the next one. */
  private seal(): void {
    if (this.count > 0) {
      this.ready.push({ lines: this.out.subarray(0, this.used), count: this.count, highest: this.highest });
      this.out = EMPTY;
      this.prefix = Buffer.from(this.options.prefix());
    }
    this.used = 0;
    this.count = 0;
    this.highest = null;
  }
}

/**
 * True when the bytes of a value without escapes are its JSON as they stand (quotes aside): the converter
 * would return the text unchanged (text, Bulk datetimes, short dates) or a number or boolean that prints
 * as the same text.
 */
function verbatim(kind: Kind, buf: Buffer, a: number, b: number): boolean {
  switch (kind) {
    case Kind.Text:
      return true;
    case Kind.Datetime:
      return bulkDatetime(buf, a, b);
    case Kind.Date:
      return b - a <= 10;
    case Kind.Boolean:
      return b - a === 4
        ? buf[a] === 116 && buf[a + 1] === 114 && buf[a + 2] === 117 && buf[a + 3] === 101
        : b - a === 5 &&
            buf[a] === 102 &&
            buf[a + 1] === 97 &&
            buf[a + 2] === 108 &&
            buf[a + 3] === 115 &&
            buf[a + 4] === 101;
    case Kind.Number:
      return plainNumber(buf, a, b);
    default:
      return false;
  }
}

/** Bulk's own datetime form, `2024-01-31T12:34:56.000Z`, which the converter returns unchanged. */
function bulkDatetime(buf: Buffer, a: number, b: number): boolean {
  return b - a === 24 && buf[a + 23] === 90 /* Z */ && buf[a + 19] === 46 /* . */ && ascii(buf, a, b);
}

function ascii(buf: Buffer, a: number, b: number): boolean {
  for (let k = a; k < b; k++) if ((buf[k] as number) > 127) return false;
  return true;
}

const DIGIT_0 = 48;
const DIGIT_9 = 57;

/**
 * `-?` digits `(.digits)?` that `String(Number(text))` prints back unchanged: no leading zero (but `0.x`), no
 * trailing zero in the fraction, at most 15 significant digits (so the double keeps them all) and not so
 * small that JavaScript would switch to exponent notation (below 1e-6), nor `-0`.
 */
export function plainNumber(buf: Uint8Array, a: number, b: number): boolean {
  let k = a;
  if (buf[k] === 45 /* - */) k++;
  const intStart = k;
  while (k < b && (buf[k] as number) >= DIGIT_0 && (buf[k] as number) <= DIGIT_9) k++;
  const intDigits = k - intStart;
  if (intDigits === 0) return false;
  const zeroInt = buf[intStart] === DIGIT_0;
  if (zeroInt && intDigits > 1) return false;
  if (k === b) return !(zeroInt && intStart > a) && intDigits <= 15;
  if (buf[k] !== 46 /* . */) return false;
  k++;
  const fracStart = k;
  while (k < b && (buf[k] as number) >= DIGIT_0 && (buf[k] as number) <= DIGIT_9) k++;
  if (k !== b || k === fracStart || buf[b - 1] === DIGIT_0) return false;
  if (!zeroInt) return intDigits + (b - fracStart) <= 15;
  let leadingZeros = 0;
  while (buf[fracStart + leadingZeros] === DIGIT_0) leadingZeros++;
  return leadingZeros < 6 && b - fracStart - leadingZeros <= 15;
}

function withoutNul(buf: Buffer): Buffer {
  const out = Buffer.allocUnsafe(buf.length);
  let used = 0;
  for (let k = 0; k < buf.length; k++) if (buf[k] !== 0) out[used++] = buf[k] as number;
  return out.subarray(0, used);
}
