// Small deterministic helpers shared by the simulated org: hashing, ids, date formatting.

/**
 * Integer mix (murmur3 finaliser over a combined input). Deterministic and cheap. Returns 30 bits so
 * results stay small integers for V8 (no heap-number allocation per call).
 */
export function mix(a: number, b: number, c = 0, d = 0): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b;
  h = Math.imul(h ^ (h >>> 16), 0xc2b2ae35) ^ c;
  h = Math.imul(h ^ (h >>> 13), 0x27d4eb2f) ^ d;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 2;
}

/** One-multiply hash for picking a column's value from the row hash: cheaper than mix, good enough. */
export function lite(h: number, salt: number): number {
  return Math.imul(h ^ salt, 0x9e3779b1) >>> 2;
}

export function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** A seeded pseudo-random sequence (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Base62 in ASCII order, so fixed-width encodings sort like the numbers they encode.
const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

const PAIRS: string[] = [];
for (let i = 0; i < 62 * 62; i++) PAIRS.push((B62[Math.floor(i / 62)] ?? '0') + (B62[i % 62] ?? '0'));

/** 9 base62 digits, most significant first. */
function base62x9(n: number): string {
  const p4 = n % 3844;
  n = (n - p4) / 3844;
  const p3 = n % 3844;
  n = (n - p3) / 3844;
  const p2 = n % 3844;
  n = (n - p2) / 3844;
  const p1 = n % 3844;
  n = (n - p1) / 3844;
  return (B62[n % 62] ?? '0') + PAIRS[p1] + PAIRS[p2] + PAIRS[p3] + PAIRS[p4];
}

/** Salesforce's 3-character case-safe suffix for a 15-character id. */
export function idSuffix(id15: string): string {
  let out = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let j = 0; j < 5; j++) {
      const c = id15.charCodeAt(chunk * 5 + j);
      if (c >= 65 && c <= 90) bits |= 1 << j;
    }
    out += SUFFIX[bits];
  }
  return out;
}

const UP2: number[] = PAIRS.map((p) => {
  let bits = 0;
  for (let j = 0; j < 2; j++) {
    const c = p.charCodeAt(j);
    if (c >= 65 && c <= 90) bits |= 1 << j;
  }
  return bits;
});

interface IdHead {
  high: number;
  /** the first 13 characters */
  head: string;
  /** the same 13 characters as bytes, for writeQuotedId */
  headBytes: Uint8Array;
  /** suffix characters for chars 0-4 and 5-9 */
  suffix01: string;
  /** uppercase bits of chars 10-12 */
  bits2: number;
}

const heads = new Map<string, IdHead[]>();

/** The cached first 13 characters (and more) of the ids whose index + 1 is n: they change every 3844 ids. */
function idHead(keyPrefix: string, n: number, high: number): IdHead {
  let list = heads.get(keyPrefix);
  if (!list) {
    list = [];
    heads.set(keyPrefix, list);
  }
  let h = high < 100000 ? list[high] : undefined;
  if (!h) {
    const id15 = `${keyPrefix}5g0${base62x9(n)}`;
    const suffix = idSuffix(id15);
    let bits2 = 0;
    for (let j = 0; j < 3; j++) {
      const c = id15.charCodeAt(10 + j);
      if (c >= 65 && c <= 90) bits2 |= 1 << j;
    }
    const head = id15.slice(0, 13);
    h = { high, head, headBytes: Buffer.from(head, 'latin1'), suffix01: suffix.slice(0, 2), bits2 };
    if (high < 100000) list[high] = h;
  }
  return h;
}

/** 18-character id for row `index` of the object with `keyPrefix`; ascending in index. */
export function makeId(keyPrefix: string, index: number): string {
  const n = index + 1;
  const low = n % 3844;
  const h = idHead(keyPrefix, n, (n - low) / 3844);
  return h.head + PAIRS[low] + h.suffix01 + SUFFIX[h.bits2 | ((UP2[low] ?? 0) << 3)];
}

const PAIR_CODES = new Uint8Array(3844 * 2);
PAIRS.forEach((p, k) => {
  PAIR_CODES[k * 2] = p.charCodeAt(0);
  PAIR_CODES[k * 2 + 1] = p.charCodeAt(1);
});
const SUFFIX_CODES = Uint8Array.from(SUFFIX, (c) => c.charCodeAt(0));

/**
 * makeId(keyPrefix, index) in double quotes, written as bytes into out at pos (the Bulk CSV hot path:
 * building the id string and reading it back costs several times more). Returns the new position.
 */
export function writeQuotedId(keyPrefix: string, index: number, out: Uint8Array, pos: number): number {
  const n = index + 1;
  const low = n % 3844;
  const h = idHead(keyPrefix, n, (n - low) / 3844);
  out[pos++] = 34;
  const head = h.headBytes;
  for (let k = 0; k < 13; k++) out[pos++] = head[k] as number;
  out[pos++] = PAIR_CODES[low * 2] as number;
  out[pos++] = PAIR_CODES[low * 2 + 1] as number;
  out[pos++] = h.suffix01.charCodeAt(0);
  out[pos++] = h.suffix01.charCodeAt(1);
  out[pos++] = SUFFIX_CODES[h.bits2 | ((UP2[low] ?? 0) << 3)] as number;
  out[pos++] = 34;
  return pos;
}

/** Row index encoded in an id made by makeId, or -1 when it is not one of ours. */
export function idIndex(id: string, keyPrefix: string): number {
  if (id.length < 15 || !id.startsWith(keyPrefix)) return -1;
  let n = 0;
  for (let i = 6; i < 15; i++) {
    const v = B62.indexOf(id[i] ?? '');
    if (v < 0) return -1;
    n = n * 62 + v;
  }
  return n - 1;
}

/** Lowest index whose id is >= the given id string (ids compare as strings). */
export function indexAtOrAfter(id: string, keyPrefix: string): number {
  if (id <= makeId(keyPrefix, 0)) return 0;
  const idx = idIndex(id, keyPrefix);
  if (idx >= 0) return makeId(keyPrefix, idx) >= id ? idx : idx + 1;
  return id > keyPrefix ? Number.MAX_SAFE_INTEGER : 0;
}

// --- date formatting without per-call Date objects ---

const TWO: string[] = [];
for (let i = 0; i < 100; i++) TWO.push(i < 10 ? `0${i}` : String(i));
const dayCache: string[] = [];
const DAY0 = 7305; // 1990-01-01

const TOD: string[] = [];
for (let t = 0; t < 86400; t++) {
  const hour = Math.floor(t / 3600);
  const min = Math.floor(t / 60) % 60;
  TOD.push(`${TWO[hour]}:${TWO[min]}:${TWO[t % 60]}`);
}

export function formatDay(ms: number): string {
  const day = Math.floor(ms / 86400000);
  const k = day - DAY0;
  let s = k >= 0 && k < 40000 ? dayCache[k] : undefined;
  if (s === undefined) {
    s = new Date(day * 86400000).toISOString().slice(0, 10);
    if (k >= 0 && k < 40000) dayCache[k] = s;
  }
  return s;
}

function timeOfDay(ms: number): string {
  let t = ms - Math.floor(ms / 86400000) * 86400000;
  const milli = t % 1000;
  t = (t - milli) / 1000;
  const sec = t % 60;
  t = (t - sec) / 60;
  const min = t % 60;
  const hour = (t - min) / 60;
  const m = milli < 10 ? `00${milli}` : milli < 100 ? `0${milli}` : String(milli);
  return `${TWO[hour]}:${TWO[min]}:${TWO[sec]}.${m}`;
}

/** REST JSON datetime: 2024-01-31T12:34:56.000+0000 */
export function restDateTime(ms: number): string {
  if (ms % 1000 === 0) {
    const sec = ms / 1000;
    return `${formatDay(ms)}T${TOD[sec - Math.floor(sec / 86400) * 86400]}.000+0000`;
  }
  return `${formatDay(ms)}T${timeOfDay(ms)}+0000`;
}

/** Bulk CSV datetime: 2024-01-31T12:34:56.000Z */
export function csvDateTime(ms: number): string {
  if (ms % 1000 === 0) {
    const sec = ms / 1000;
    return `${formatDay(ms)}T${TOD[sec - Math.floor(sec / 86400) * 86400]}.000Z`;
  }
  return `${formatDay(ms)}T${timeOfDay(ms)}Z`;
}

/** time values: 12:34:56.000Z */
export function formatTime(msOfDay: number): string {
  return `${timeOfDay(msOfDay)}Z`;
}

export const DAY_MS = 86400000;
