/*
 * JSON bytes parsed as one-byte text, strings decoded afterwards, against the plain path: decode the bytes as
 * UTF-8, then JSON.parse. Same values, same key order, on random JSON with every kind of character.
 */
import { describe, expect, it } from 'vitest';
import { prng } from '../../org/util.js';
import { parseJsonBytes } from '../../src/salesforce/json-bytes.js';
import { piecesText } from '../helpers/random.js';

const PIECES = [
  'a',
  'Acme',
  ' ',
  '"',
  '\\',
  '\n',
  '\t',
  '/',
  'é',
  'ü',
  'ÿ',
  '\u0080',
  '日本',
  '😀',
  '\u2028',
  '\u0001',
];

function randomText(random: () => number): string {
  return piecesText(random, PIECES, 8);
}

function randomValue(random: () => number, depth: number): unknown {
  const roll = random();
  if (depth > 2 || roll < 0.4) return randomText(random);
  if (roll < 0.5) return Math.floor(random() * 1e6) / 100;
  if (roll < 0.55) return random() < 0.5;
  if (roll < 0.6) return null;
  if (roll < 0.75)
    return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1));
  const object: Record<string, unknown> = {};
  const keys = Math.floor(random() * 5);
  for (let k = 0; k < keys; k++) {
    object[random() < 0.2 ? `${randomText(random)}${k}` : `Field_${k}__c`] = randomValue(random, depth + 1);
  }
  return object;
}

/** JSON text as Salesforce might write it: non-ASCII as it is, and sometimes some of it as `\u` escapes. */
function jsonBytes(value: unknown, random: () => number): Buffer {
  let text = JSON.stringify(value);
  // Some characters escaped, others not: an escape of a character above 0x7F must not be read as a byte.
  if (random() < 0.3)
    text = text.replace(/[\u0080-\uffff]/g, (c) =>
      random() < 0.5 ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : c,
    );
  const bytes = Buffer.from(text);
  // Now and then a stray byte that is not UTF-8, which the plain path reads as U+FFFD.
  return random() < 0.05
    ? Buffer.concat([Buffer.from('{"x":"'), Buffer.from([0xff, 0xc3]), Buffer.from('",'), bytes.subarray(1)])
    : bytes;
}

describe('parseJsonBytes', () => {
  it('given random JSON with any characters, then it parses to what UTF-8 decoding and JSON.parse give, keys in order', () => {
    const random = prng(20261129);
    for (let run = 0; run < 3000; run++) {
      const bytes = jsonBytes({ records: [randomValue(random, 0), randomValue(random, 0)] }, random);
      const expected = JSON.parse(bytes.toString('utf8'));
      const got = parseJsonBytes(bytes);
      expect(got).toEqual(expected);
      expect(JSON.stringify(got)).toBe(JSON.stringify(expected));
    }
  });

  it('decodes non-ASCII keys and values at any depth, and fails on what is not JSON', () => {
    const value = { Nom_é: ['Zürich', { clé: '日本 😀', n: 1 }], plain: 'ascii' };
    expect(JSON.stringify(parseJsonBytes(Buffer.from(JSON.stringify(value))))).toBe(JSON.stringify(value));
    const proto = '{"clé":1,"__proto__":{"x":"é"}}';
    const parsed = parseJsonBytes(Buffer.from(proto)) as Record<string, unknown>;
    expect(JSON.stringify(parsed)).toBe(JSON.stringify(JSON.parse(proto)));
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(() => parseJsonBytes(Buffer.from('{"a":"é"'))).toThrow(SyntaxError);
    expect(() => parseJsonBytes(Buffer.from('{"a":1'))).toThrow(SyntaxError);
  });
});
