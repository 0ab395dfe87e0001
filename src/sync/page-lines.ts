/**
 * One `queryAll` page's bytes → its RECORD lines as UTF-8 bytes, the byte offset where each line ends and
 * each record's position value (the replication key, normalised, or the Id). Pure: the page workers
 * (`rest-worker.ts`) run it off the main thread, and the main thread runs it itself for a result that fits in
 * one page. The lines are exactly the engine's record path: `recordPrefix() + JSON.stringify(coerce(row)) +
 * RECORD_SUFFIX`.
 */
import { isUtf8 } from 'node:buffer';
import type { JsonSchema } from '../singer/catalog.js';
import { RECORD_SUFFIX } from '../singer/messages.js';
import { compileCoercer } from './coerce.js';

/** What a stream's pages need, sent to a worker once per stream. */
export interface PageSetup {
  schema: JsonSchema;
  fields: string[];
  /** The field whose coerced value is each record's position (replication key, else `Id`), or null. */
  position: string | null;
}

/** The part of a page that says where paging goes next. */
export interface PageHead {
  totalSize: number;
  done: boolean;
  nextRecordsUrl: string | null;
}

export interface PageLines {
  /** The RECORD lines, UTF-8, each ending in `\n`; `bytes[0, used)` holds them. */
  bytes: Uint8Array;
  used: number;
  /** `ends[i]`: the byte offset just past record i's line. */
  ends: Uint32Array;
  /** Record i's position value (a string, else null). */
  positions: Array<string | null>;
  count: number;
}

/** A page body that is not the JSON of a query page: fetched again, like any malformed answer. */
export class MalformedPage extends Error {
  override name = 'MalformedPage';
}

const HEAD =
  /^\s*\{\s*"totalSize"\s*:\s*(\d+)\s*,\s*"done"\s*:\s*(true|false)\s*(?:,\s*"nextRecordsUrl"\s*:\s*"([^"\\]*)"\s*)?,\s*"records"\s*:/;

/**
 * The head of a page read from its first bytes without parsing the page, when Salesforce wrote it in its
 * usual order (`totalSize`, `done`, `nextRecordsUrl`, then `records`), so the next page can be requested
 * while this one is still being parsed; null when the bytes do not say it unambiguously. The parsed page has
 * the last word (`pageLines` reports its own head, and a disagreement fails the page).
 */
export function sniffHead(bytes: Uint8Array): PageHead | null {
  const end = Math.min(bytes.length, 2048);
  let text = '';
  for (let i = 0; i < end; i++) {
    const b = bytes[i] as number;
    // Only ASCII can be read byte by byte; the head of a query page is ASCII.
    if (b >= 0x80) break;
    text += String.fromCharCode(b);
  }
  const m = HEAD.exec(text);
  if (!m) return null;
  const done = m[2] === 'true';
  const next = m[3] ?? null;
  // A page that is not done names the next one, and a done page names none; anything else is for the parser.
  if (done !== (next === null)) return null;
  return { totalSize: Number(m[1]), done, nextRecordsUrl: next };
}

/** The page's head as the parsed page states it. */
function headOf(page: Record<string, unknown>): PageHead {
  const next = page.nextRecordsUrl;
  return {
    totalSize: typeof page.totalSize === 'number' ? page.totalSize : 0,
    done: page.done === true,
    nextRecordsUrl: typeof next === 'string' && next.length > 0 ? next : null,
  };
}

export function sameHead(a: PageHead, b: PageHead): boolean {
  return a.totalSize === b.totalSize && a.done === b.done && a.nextRecordsUrl === b.nextRecordsUrl;
}

/** Compiles a stream's page converter once; call it per page. */
export function compilePageLines(
  setup: PageSetup,
): (bytes: Uint8Array, prefix: string, onHead?: (head: PageHead) => void) => PageLines {
  const coerce = compileCoercer(setup.schema, setup.fields, 'json');
  const key = setup.position;
  return (bytes, prefix, onHead) => {
    const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // Like response.text(): a byte-order mark is not part of the text.
    const start = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
    const bytewise = byteForByte(body, prefix);
    const encoding = bytewise ? 'latin1' : 'utf8';
    const text = body.toString(encoding, start);
    let page: Record<string, unknown>;
    try {
      page = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new MalformedPage(`malformed JSON from Salesforce (${text.length} bytes)`);
    }
    if (page === null || typeof page !== 'object' || !Array.isArray(page.records)) {
      throw new MalformedPage(`malformed JSON from Salesforce (${text.length} bytes; no records array)`);
    }
    onHead?.(headOf(page));
    const rows = page.records as Array<Record<string, unknown> | undefined>;
    const count = rows.length;
    const ends = new Uint32Array(count);
    const positions = new Array<string | null>(count);
    // The lines take about as many bytes as the page (attributes dropped, the prefix added); grown as needed.
    let out = new Uint8Array(new ArrayBuffer(Math.max(64 * 1024, Math.ceil(bytes.byteLength * 1.25))));
    let buffer = Buffer.from(out.buffer);
    let used = 0;
    for (let i = 0; i < count; i++) {
      const record = coerce(rows[i] as Record<string, unknown>);
      rows[i] = undefined;
      const line = prefix + JSON.stringify(record) + RECORD_SUFFIX;
      if (used + line.length * 3 > buffer.length) {
        const need = used + Buffer.byteLength(line, encoding);
        if (need > buffer.length) {
          const grown = new Uint8Array(new ArrayBuffer(Math.max(need, buffer.length * 2)));
          grown.set(out.subarray(0, used));
          out = grown;
          buffer = Buffer.from(out.buffer);
        }
      }
      used += buffer.write(line, used, encoding);
      ends[i] = used;
      if (key !== null) {
        const value = record[key];
        positions[i] = typeof value !== 'string' ? null : bytewise ? utf8Of(value) : value;
      } else positions[i] = null;
    }
    return { bytes: out, used, ends, positions, count };
  };
}

const NON_ASCII = /[\u0080-\uffff]/;

/**
 * True when the page can go through JSON.parse and JSON.stringify as one-byte (latin1) text, one character
 * per byte, and come out as the same UTF-8: valid UTF-8 (a multi-byte character then is bytes 0x80-0xFF,
 * which JSON.stringify leaves alone and the latin1 write puts back) and no `\u` escape (which could decode to
 * a character above 0xFF). Decoding a page as UTF-8 cost more than parsing it: V8 builds two-byte strings
 * at ~135 MB/s for text with any non-ASCII character, and two-byte strings slow the parse, the stringify
 * and the write that follow. Coercion only rewrites ASCII values (dates, numbers, booleans); text values
 * pass through untouched.
 */
function byteForByte(body: Buffer, prefix: string): boolean {
  return body.indexOf('\\u') < 0 && !NON_ASCII.test(prefix) && isUtf8(body);
}

/** A value read byte for byte, as the text it stands for (positions go into STATE). */
function utf8Of(value: string): string {
  return NON_ASCII.test(value) ? Buffer.from(value, 'latin1').toString('utf8') : value;
}
