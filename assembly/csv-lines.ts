/**
 * The common rows of Bulk CSV → RECORD line bytes, in WebAssembly (compiled by AssemblyScript into
 * src/generated/csv-lines-wasm.ts: `npm run generate`). Same grammar and same output as the JavaScript loop of
 * src/sync/csv-lines.ts, which hands a page's bytes here and takes back every row this code does not convert:
 * text after a closing quote, a short or long row, the end of the input, a row that outgrows the output, or a
 * replication-key value that needs its converter. Any other value that needs one goes to the caller's
 * `convertValue` on its own. Sixteen bytes at a time is what makes it several times faster than the loop.
 *
 * Memory is laid out by the caller (csv-lines-wasm.ts); nothing here allocates. Loads and stores may run up to
 * 16 bytes past the end of the input, the output and each piece: the caller leaves room there.
 */

// Column kinds, as `Kind` in src/sync/csv-lines.ts.
const TEXT: u8 = 0;
const DATETIME: u8 = 1;
const DATE: u8 = 2;
const NUMBER: u8 = 3;
const BOOLEAN: u8 = 4;
const SKIP: u8 = 6;

// How a call ends (the caller's `Stop`).
const DONE: i32 = 0;
const FULL: i32 = 1;
const HANDBACK: i32 = 2;

/** A replication-key value longer than this is handed back. */
const KEY_MAX: u32 = 240;

const QUOTE: u8 = 34;
const BACKSLASH: u8 = 92;
const COMMA: u8 = 44;
const LF: u8 = 10;
const CR: u8 = 13;
const DOT: u8 = 46;
const ZERO: u8 = 48;
const NINE: u8 = 57;

/**
 * The caller's converter for `column` on the value `[a, b)` (with `""` for `"` when `unquote`), its JSON
 * written at `o`: returns where it ends, or 0 when it would pass `end`.
 */
declare function convertValue(column: u32, a: usize, b: usize, unquote: bool, o: usize, end: usize): usize;

/** `n` bytes from `src` to `dst`, sixteen a store (so up to 15 more). */
function copy(dst: usize, src: usize, n: usize): void {
  for (let k: usize = 0; k < n; k += 16) v128.store(dst + k, v128.load(src + k));
}

function isDigit(c: u8): bool {
  return c >= ZERO && c <= NINE;
}

/** `plainNumber` of csv-lines.ts: text that `String(Number(text))` prints back unchanged. */
function plainNumber(a: usize, b: usize): bool {
  let k = a;
  if (load<u8>(k) === 45) k++;
  const intStart = k;
  while (k < b && isDigit(load<u8>(k))) k++;
  const intDigits = k - intStart;
  if (intDigits === 0) return false;
  const zeroInt = load<u8>(intStart) === ZERO;
  if (zeroInt && intDigits > 1) return false;
  if (k === b) return !(zeroInt && intStart > a) && intDigits <= 15;
  if (load<u8>(k) !== DOT) return false;
  k++;
  const fracStart = k;
  while (k < b && isDigit(load<u8>(k))) k++;
  if (k !== b || k === fracStart || load<u8>(b - 1) === ZERO) return false;
  if (!zeroInt) return intDigits + (b - fracStart) <= 15;
  let leadingZeros: usize = 0;
  while (load<u8>(fracStart + leadingZeros) === ZERO) leadingZeros++;
  return leadingZeros < 6 && b - fracStart - leadingZeros <= 15;
}

/**
 * `JSON.stringify(Number(text))` for a decimal `-?digits(.digits)?([eE][-+]?digits)?` of at most 15
 * significant digits that JavaScript prints without an exponent, written at `o`; returns where it ends, or 0
 * for any other text (which goes to the converter). With at most 15 significant digits the nearest double
 * prints back as those very digits (trailing zeros aside), so only where the decimal point goes is left.
 */
function number(o: usize, a: usize, b: usize): usize {
  let k = a;
  const negative = load<u8>(k) === 45;
  if (negative) k++;
  const intStart = k;
  while (k < b && isDigit(load<u8>(k))) k++;
  if (k === intStart) return 0;
  const dot = k;
  if (k < b && load<u8>(k) === DOT) {
    k++;
    const fracStart = k;
    while (k < b && isDigit(load<u8>(k))) k++;
    if (k === fracStart) return 0;
  }
  const mantissaEnd = k;
  let exponent: i32 = 0;
  if (k < b) {
    const e = load<u8>(k);
    if (e !== 69 && e !== 101) return 0;
    k++;
    let negativeExponent = false;
    if (k < b && (load<u8>(k) === 45 || load<u8>(k) === 43)) {
      negativeExponent = load<u8>(k) === 45;
      k++;
    }
    const expStart = k;
    while (k < b && isDigit(load<u8>(k))) {
      exponent = exponent * 10 + <i32>(load<u8>(k) - ZERO);
      k++;
    }
    if (k !== b || k === expStart || k - expStart > 4) return 0;
    if (negativeExponent) exponent = -exponent;
  }
  // The significant digits run from `first` to `last`, the dot skipped.
  let first = intStart;
  while (first < mantissaEnd && (load<u8>(first) === ZERO || load<u8>(first) === DOT)) first++;
  if (first === mantissaEnd) {
    store<u8>(o, ZERO); // 0, -0 and 0E5 all print as 0
    return o + 1;
  }
  let last = mantissaEnd - 1;
  while (load<u8>(last) === ZERO || load<u8>(last) === DOT) last--;
  const digits = <i32>(last - first + 1) - (first < dot && dot < last ? 1 : 0);
  if (digits > 15) return 0;
  // The value is 0.DIGITS × 10^point.
  const point: i32 = (first < dot ? <i32>(dot - first) : -(<i32>(first - dot - 1))) + exponent;
  if (point > 21 || point <= -6) return 0;
  if (negative) store<u8>(o++, 45);
  if (point <= 0) {
    store<u8>(o++, ZERO);
    store<u8>(o++, DOT);
    for (let z: i32 = 0; z < -point; z++) store<u8>(o++, ZERO);
  }
  let written: i32 = 0;
  for (let p = first; p <= last; p++) {
    const c = load<u8>(p);
    if (c === DOT) continue;
    if (written === point && point > 0) store<u8>(o++, DOT);
    store<u8>(o++, c);
    written++;
  }
  for (; written < point; written++) store<u8>(o++, ZERO);
  return o;
}

function ascii(a: usize, b: usize): bool {
  for (let k = a; k < b; k++) if (load<u8>(k) > 127) return false;
  return true;
}

/** Bulk's own datetime form, `2024-01-31T12:34:56.000Z`. */
function bulkDatetime(a: usize, b: usize): bool {
  return b - a === 24 && load<u8>(a + 23) === 90 && load<u8>(a + 19) === DOT && ascii(a, b);
}

/** `verbatim` of csv-lines.ts, for a value without escapes. */
function verbatim(kind: u8, a: usize, b: usize): bool {
  if (kind === TEXT) return true;
  if (kind === DATETIME) return bulkDatetime(a, b);
  if (kind === DATE) return b - a <= 10;
  if (kind === BOOLEAN) {
    if (b - a === 4) return load<u32>(a) === 0x65757274; // true
    return b - a === 5 && load<u32>(a) === 0x736c6166 && load<u8>(a + 4) === 101; // false
  }
  if (kind === NUMBER) return plainNumber(a, b);
  return false;
}

/** Bytewise comparison, as JavaScript compares strings of ASCII. */
function compare(a: usize, aLength: u32, b: usize, bLength: u32): i32 {
  const n = min(aLength, bLength);
  for (let k: u32 = 0; k < n; k++) {
    const x = load<u8>(a + k);
    const y = load<u8>(b + k);
    if (x !== y) return x < y ? -1 : 1;
  }
  return aLength === bLength ? 0 : aLength < bLength ? -1 : 1;
}

/** The JSON string of a text value with `""`, `\` or control characters, as JSON.stringify writes it. */
function escapedText(o: usize, a: usize, b: usize, quoted: bool): usize {
  store<u8>(o++, QUOTE);
  for (let k = a; k < b; k++) {
    const c = load<u8>(k);
    if (c === QUOTE || c === BACKSLASH) {
      if (c === QUOTE && quoted) k++;
      store<u8>(o, BACKSLASH);
      store<u8>(o, c, 1);
      o += 2;
    } else if (c < 32) {
      store<u8>(o++, BACKSLASH);
      if (c === 8) store<u8>(o++, 98);
      else if (c === 9) store<u8>(o++, 116);
      else if (c === 10) store<u8>(o++, 110);
      else if (c === 12) store<u8>(o++, 102);
      else if (c === 13) store<u8>(o++, 114);
      else {
        store<u8>(o, 117); // \u00xx
        store<u8>(o, ZERO, 1);
        store<u8>(o, ZERO, 2);
        store<u8>(o, hex(c >> 4), 3);
        store<u8>(o, hex(c & 15), 4);
        o += 5;
      }
    } else store<u8>(o++, c);
  }
  store<u8>(o++, QUOTE);
  return o;
}

function hex(n: u8): u8 {
  return n < 10 ? ZERO + n : 87 + n;
}

/**
 * Converts rows of `[inStart, inEnd)` into `[outStart, outEnd)` until the input ends (DONE), the output
 * passes `limit` after a row (FULL), or a row must go back to the caller (HANDBACK: `result` says where it
 * starts and nothing of it is written). `result` gets where it stopped: u32 input position, u32 output
 * position, u32 rows converted.
 *
 * Plan: 16 bytes a column: u8 kind, u8 replication key, u16 key length (`,"Name":`), u32 where `,"Name":"`
 * is, u32 where `,"Name":null` is. `highest` and `cap`: u32 length, then the bytes; a cap of length
 * 0xffffffff is none. The highest key value not past the cap is written to `highest` (length 0: none yet).
 */
export function convert(
  inStart: usize,
  inEnd: usize,
  outStart: usize,
  outEnd: usize,
  limit: usize,
  plan: usize,
  columns: u32,
  prefix: usize,
  prefixLength: usize,
  closing: usize,
  closingLength: usize,
  highest: usize,
  cap: usize,
  result: usize,
): i32 {
  const quotes = i8x16.splat(QUOTE);
  const backslashes = i8x16.splat(BACKSLASH);
  const space = i8x16.splat(32);
  const capLength = load<u32>(cap);
  let i = inStart;
  let o = outStart;
  let rows: u32 = 0;
  let status = DONE;
  while (i < inEnd) {
    if (o >= limit) {
      status = FULL;
      break;
    }
    const rowStart = i;
    const rowOut = o;
    let keyAt: usize = 0;
    let keyLength: u32 = 0;
    let column: u32 = 0;
    let handBack = false;
    if (o + prefixLength + 16 > outEnd) break;
    copy(o, prefix, prefixLength);
    o += prefixLength;
    for (;;) {
      if (column >= columns) {
        handBack = true;
        break;
      }
      let a: usize;
      let b: usize;
      let end: usize;
      let escaped = false;
      let unquoted = false;
      if (load<u8>(i) === QUOTE) {
        let k = i + 1;
        for (;;) {
          if (k >= inEnd) break;
          const v = v128.load(k);
          const found = i8x16.bitmask(
            v128.or(v128.or(i8x16.eq(v, quotes), i8x16.eq(v, backslashes)), i8x16.lt_u(v, space)),
          );
          if (found === 0) {
            k += 16;
            continue;
          }
          k += <usize>ctz(found);
          if (k >= inEnd) break;
          if (load<u8>(k) === QUOTE) {
            if (k + 1 < inEnd && load<u8>(k + 1) === QUOTE) {
              escaped = true;
              k += 2;
              continue;
            }
            break;
          }
          escaped = true;
          k++;
        }
        // The end of the input, or a closing quote with nothing after it: the caller knows what that means.
        if (k + 1 >= inEnd) {
          handBack = true;
          break;
        }
        a = i + 1;
        b = k;
        end = k + 1;
        const c = load<u8>(end);
        if (c !== COMMA && c !== LF && c !== CR) {
          handBack = true; // text after the closing quote
          break;
        }
      } else {
        let k = i;
        while (k < inEnd) {
          const c = load<u8>(k);
          if (c === COMMA || c === LF) break;
          if (c < 32 || c === BACKSLASH || c === QUOTE) escaped = true;
          k++;
        }
        if (k >= inEnd) {
          handBack = true;
          break;
        }
        unquoted = true;
        a = i;
        b = k;
        end = k;
        if (load<u8>(end) === LF && b > a && load<u8>(b - 1) === CR) b--;
      }
      const entry = plan + ((<usize>column) << 4);
      const kind = load<u8>(entry);
      const isKey = load<u8>(entry, 1) !== 0;
      const keyLen = <usize>load<u16>(entry, 2);
      if (o + keyLen + 6 * (b - a) + 32 > outEnd) {
        handBack = true;
        break;
      }
      if (kind === SKIP) {
        // nothing
      } else if (a === b) {
        copy(o, load<u32>(entry, 8), keyLen + 4);
        o += keyLen + 4;
      } else if (!escaped && kind === NUMBER && !isKey) {
        copy(o, load<u32>(entry, 4), keyLen);
        const written = number(o + keyLen, a, b);
        o = written !== 0 ? written : convertValue(column, a, b, false, o + keyLen, outEnd);
        if (o === 0) {
          handBack = true;
          break;
        }
      } else if (!escaped && verbatim(kind, a, b)) {
        if (isKey) {
          if (b - a > KEY_MAX || !ascii(a, b)) {
            handBack = true;
            break;
          }
          keyAt = a;
          keyLength = <u32>(b - a);
        }
        if (kind === NUMBER || kind === BOOLEAN) {
          copy(o, load<u32>(entry, 4), keyLen);
          o += keyLen;
        } else {
          copy(o, load<u32>(entry, 4), keyLen + 1);
          o += keyLen + 1;
        }
        copy(o, a, b - a);
        o += b - a;
        if (kind !== NUMBER && kind !== BOOLEAN) store<u8>(o++, QUOTE);
      } else if (kind === TEXT && !isKey) {
        copy(o, load<u32>(entry, 4), keyLen);
        o = escapedText(o + keyLen, a, b, !unquoted);
      } else if (!isKey) {
        copy(o, load<u32>(entry, 4), keyLen);
        o = convertValue(column, a, b, escaped && !unquoted, o + keyLen, outEnd);
        if (o === 0) {
          handBack = true;
          break;
        }
      } else {
        handBack = true; // a replication-key value for the converter
        break;
      }
      column++;
      const c = load<u8>(end);
      if (c === COMMA) {
        i = end + 1;
        continue;
      }
      if (c === CR) {
        if (end + 1 >= inEnd) {
          handBack = true;
          break;
        }
        i = load<u8>(end + 1) === LF ? end + 2 : end + 1;
        break;
      }
      i = end + 1;
      break;
    }
    if (handBack || column !== columns || o + closingLength + 16 > outEnd) {
      i = rowStart;
      o = rowOut;
      status = HANDBACK;
      break;
    }
    copy(o, closing, closingLength);
    o += closingLength;
    rows++;
    if (keyLength > 0) {
      const highestLength = load<u32>(highest);
      if (
        (capLength === 0xffffffff || compare(keyAt, keyLength, cap + 4, capLength) <= 0) &&
        (highestLength === 0 || compare(keyAt, keyLength, highest + 4, highestLength) > 0)
      ) {
        copy(highest + 4, keyAt, keyLength);
        store<u32>(highest, keyLength);
      }
    }
  }
  if (status === DONE && i < inEnd) status = HANDBACK;
  store<u32>(result, <u32>i);
  store<u32>(result, <u32>o, 4);
  store<u32>(result, rows, 8);
  return status;
}
