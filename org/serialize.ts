// Per-query row serialisers, built once per query so each row is plain string concatenation.

import type { RowView } from './data/columns.js';
import type { Accessor, Compiled } from './query.js';

interface RecordParts {
  head: string;
  idCol: Compiled['select'][number]['col'] | undefined;
  /** per selected top-level item: the string renderer, and a byte renderer when the value has one */
  parts: {
    str: (rv: RowView) => string;
    key: string;
    bytes?: (rv: RowView, out: Uint8Array, pos: number) => number;
  }[];
}

/** Builds `(rv) => '{"attributes":...,"Id":"..."}'` for the REST query response. */
export function restRecordWriter(c: Compiled, apiVersion: string): (rv: RowView) => string {
  const { head, idCol, parts } = recordParts(c, apiVersion);
  return (rv) => {
    let s = `${head}${idCol?.val(rv)}"}`;
    for (const p of parts) s += p.str(rv);
    return `${s}}`;
  };
}

/** The same record written as bytes into out at pos (values with byte renderers skip strings). */
export function restRecordBytes(
  c: Compiled,
  apiVersion: string,
): (rv: RowView, out: Buffer, pos: number) => number {
  const { head, idCol, parts } = recordParts(c, apiVersion);
  const headBytes = Buffer.from(head);
  const fast = parts.map((p) => ({ key: Buffer.from(p.key), bytes: p.bytes, str: p.str }));
  return (rv, out, pos) => {
    pos += headBytes.copy(out, pos);
    const id = String(idCol?.val(rv));
    for (let k = 0; k < id.length; k++) out[pos++] = id.charCodeAt(k);
    out[pos++] = 34;
    out[pos++] = 125;
    for (const p of fast) {
      if (p.bytes) {
        const key = p.key;
        for (let k = 0; k < key.length; k++) out[pos++] = key[k] as number;
        pos = p.bytes(rv, out, pos);
      } else pos += out.write(p.str(rv), pos);
    }
    out[pos++] = 125;
    return pos;
  };
}

function recordParts(c: Compiled, apiVersion: string): RecordParts {
  const v = `/services/data/v${apiVersion}/sobjects/`;
  const type = c.store.def.name;
  const idCol = c.store.column('Id');
  const head = `{"attributes":{"type":"${type}","url":"${v}${type}/`;
  type Part = (rv: RowView) => string;
  const parts: RecordParts['parts'] = [];
  const groups = new Map<string, Accessor[]>();
  const order: (Accessor | string)[] = [];
  for (const a of c.select) {
    if (a.rel) {
      const key = a.rel.name;
      if (!groups.has(key)) {
        groups.set(key, []);
        order.push(key);
      }
      groups.get(key)?.push(a);
    } else order.push(a);
  }
  const fieldJson = (a: Accessor): Part => {
    if (a.col.spec.type === 'base64') {
      return (rv) => {
        const p = a.col.val(rv);
        return p === null ? 'null' : `"/services/data/v${apiVersion}${p}"`;
      };
    }
    return a.col.json;
  };
  for (const item of order) {
    if (typeof item !== 'string') {
      const key = `,${JSON.stringify(item.name)}:`;
      const j = fieldJson(item);
      const bytes = item.col.spec.type === 'base64' ? undefined : item.col.jsonBytes;
      parts.push({ str: (rv) => key + j(rv), key, bytes });
      continue;
    }
    const accs = groups.get(item) ?? [];
    const first = accs[0];
    if (!first?.rel) continue;
    const pType = first.rel.type;
    const pId = first.rel.store.column('Id');
    const pHead = `{"attributes":{"type":"${pType}","url":"${v}${pType}/`;
    const inner = accs.map((a) => {
      const key = `,${JSON.stringify(a.col.spec.name)}:`;
      const j = fieldJson(a);
      return (p: RowView) => key + j(p);
    });
    const key = `,${JSON.stringify(item)}:`;
    parts.push({
      key,
      str: (rv) => {
        const p = first.parent(rv);
        if (!p) return `${key}null`;
        let s = `${key}${pHead}${pId?.val(p)}"}`;
        for (const f of inner) s += f(p);
        return `${s}}`;
      },
    });
  }
  return { head, idCol, parts };
}

/** Salesforce's ungrouped JSON value of a row (for Org.rows()). */
export function rowObject(c: Compiled, rv: RowView, apiVersion: string): Record<string, unknown> {
  return JSON.parse(restRecordWriter(c, apiVersion)(rv));
}

export const DELIMITERS: Record<string, string> = {
  COMMA: ',',
  TAB: '\t',
  PIPE: '|',
  SEMICOLON: ';',
  CARET: '^',
  BACKQUOTE: '`',
};

/** CSV header and row writer: every field quoted, null as an empty quoted field. */
export function csvWriter(c: Compiled, delimiter = ',', lineEnding = '\n') {
  const cols = c.select.map((a) =>
    a.rel
      ? (rv: RowView) => {
          const p = a.parent(rv);
          return p ? a.col.csv(p) : '""';
        }
      : a.col.csv,
  );
  const header = c.select.map((a) => `"${a.name}"`).join(delimiter) + lineEnding;
  const n = cols.length;
  const row = (rv: RowView): string => {
    let s = (cols[0] as (rv: RowView) => string)(rv);
    for (let k = 1; k < n; k++) s += delimiter + (cols[k] as (rv: RowView) => string)(rv);
    return s + lineEnding;
  };
  return { header, row };
}

type ByteWriter = (rv: RowView, out: Buffer, pos: number) => number;

const CHUNK = 1 << 20;

// Chunk buffers are recycled once written: allocating a fresh 1 MiB buffer per chunk costs more
// than serialising it (the allocator maps and zeroes fresh pages every time).
const free: Buffer[] = [];
export const CHUNK_SIZE = CHUNK;
export const ROW_SPACE = 320 * 1024;
const pooled = new WeakSet<ArrayBufferLike>();

export function acquire(): Buffer {
  const b = free.pop();
  if (b) return b;
  const fresh = Buffer.allocUnsafeSlow(CHUNK);
  pooled.add(fresh.buffer);
  return fresh;
}

/** Returns a chunk yielded by csvChunks to the pool (call once it has been written). */
export function releaseChunk(chunk: Buffer): void {
  if (pooled.has(chunk.buffer) && free.length < 16) free.push(Buffer.from(chunk.buffer, 0, CHUNK));
}
/** room kept free before each row: the widest generated row is well under this */
const ROW_ROOM = 320 * 1024;

/**
 * Serialises rows straight into 1 MiB buffers (the Bulk hot path): yields the header, then
 * full chunks. Values are written as bytes where the column knows how, else as strings.
 */
export function* csvChunks(
  c: Compiled,
  rows: Iterable<RowView>,
  delimiter = ',',
  lineEnding = '\n',
): Generator<Buffer> {
  const writers: ByteWriter[] = c.select.map((a) => {
    const col = a.col;
    const direct: ByteWriter = col.bytes
      ? (col.bytes as ByteWriter)
      : (rv, out, pos) => pos + out.write(col.csv(rv), pos);
    if (!a.rel) return direct;
    return (rv, out, pos) => {
      const p = a.parent(rv);
      if (p) return direct(p, out, pos);
      out[pos] = 34;
      out[pos + 1] = 34;
      return pos + 2;
    };
  });
  const delim = delimiter.charCodeAt(0);
  const le = Buffer.from(lineEnding);
  const n = writers.length;
  yield Buffer.from(c.select.map((a) => `"${a.name}"`).join(delimiter) + lineEnding);
  let out = acquire();
  let pos = 0;
  for (const rv of rows) {
    pos = (writers[0] as ByteWriter)(rv, out, pos);
    for (let k = 1; k < n; k++) {
      out[pos++] = delim;
      pos = (writers[k] as ByteWriter)(rv, out, pos);
    }
    for (let k = 0; k < le.length; k++) out[pos++] = le[k] as number;
    if (pos > CHUNK - ROW_ROOM) {
      yield out.subarray(0, pos);
      out = acquire();
      pos = 0;
    }
  }
  if (pos > 0) yield out.subarray(0, pos);
  else releaseChunk(out);
}
