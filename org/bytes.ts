// Byte-level writers for the CSV hot path: no per-field string allocation.

import { formatDay } from './util.js';

/**
 * Copies a pre-encoded value into out at pos; returns the new position. Short values are copied by a
 * loop: below ~64 bytes that is cheaper than the call into TypedArray.prototype.set.
 */
export function copyBytes(src: Uint8Array, out: Uint8Array, pos: number): number {
  const n = src.length;
  if (n < 64) {
    for (let k = 0; k < n; k++) out[pos + k] = src[k] as number;
  } else out.set(src, pos);
  return pos + n;
}

/** Writes an ASCII string (ids, dates) in double quotes. */
export function writeQuotedAscii(s: string, out: Uint8Array, pos: number): number {
  out[pos++] = 34;
  for (let k = 0; k < s.length; k++) out[pos++] = s.charCodeAt(k);
  out[pos++] = 34;
  return pos;
}

const DIGITS2 = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  DIGITS2[i * 2] = 48 + Math.floor(i / 10);
  DIGITS2[i * 2 + 1] = 48 + (i % 10);
}

// "YYYY-MM-DD" as bytes per day from 1990 for 40 000 days (the range util.ts caches), filled on first use
const DAY0 = 7305;
const DAYS = 40000;
const dayCodes = new Uint8Array(DAYS * 10);
const dayDone = new Uint8Array(DAYS);

/** "YYYY-MM-DD" of the day containing ms (unquoted); returns the new position. */
function writeDay(ms: number, out: Uint8Array, pos: number): number {
  const k = Math.floor(ms / 86400000) - DAY0;
  if (k >= 0 && k < DAYS) {
    if (dayDone[k] === 0) {
      const s = formatDay(ms);
      for (let j = 0; j < 10; j++) dayCodes[k * 10 + j] = s.charCodeAt(j);
      dayDone[k] = 1;
    }
    for (let j = 0; j < 10; j++) out[pos++] = dayCodes[k * 10 + j] as number;
  } else {
    const s = formatDay(ms);
    for (let j = 0; j < 10; j++) out[pos++] = s.charCodeAt(j);
  }
  return pos;
}

/** "2024-01-31" (quoted): a date field. */
export function writeQuotedDay(ms: number, out: Uint8Array, pos: number): number {
  out[pos] = 34;
  pos = writeDay(ms, out, pos + 1);
  out[pos] = 34;
  return pos + 1;
}

/** "2024-01-31T12:34:56.000Z" (quoted), for whole-second or millisecond values. */
export function writeCsvDateTime(ms: number, out: Uint8Array, pos: number): number {
  const day = Math.floor(ms / 86400000);
  out[pos++] = 34;
  pos = writeDay(ms, out, pos);
  out[pos++] = 84; // T
  // milliseconds of the day fit in 32 bits: integer arithmetic from here (the epoch value is a double)
  let t = (ms - day * 86400000) | 0;
  const milli = t % 1000;
  t = (t - milli) / 1000;
  const sec = t % 60;
  t = (t - sec) / 60;
  const min = t % 60;
  const hour = (t - min) / 60;
  out[pos++] = DIGITS2[hour * 2] as number;
  out[pos++] = DIGITS2[hour * 2 + 1] as number;
  out[pos++] = 58;
  out[pos++] = DIGITS2[min * 2] as number;
  out[pos++] = DIGITS2[min * 2 + 1] as number;
  out[pos++] = 58;
  out[pos++] = DIGITS2[sec * 2] as number;
  out[pos++] = DIGITS2[sec * 2 + 1] as number;
  out[pos++] = 46;
  out[pos++] = 48 + Math.floor(milli / 100);
  out[pos++] = 48 + (Math.floor(milli / 10) % 10);
  out[pos++] = 48 + (milli % 10);
  out[pos++] = 90; // Z
  out[pos++] = 34;
  return pos;
}

export const ENCODER = new TextEncoder();
