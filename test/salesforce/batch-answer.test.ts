/*
 * A Composite Batch answer read by subresult must be exactly `JSON.parse` of the whole body, whatever the
 * strings inside hold: random answers put `{"statusCode":` inside strings, nested objects whose first key is
 * statusCode, commas and brackets, every UTF-8 width and `\u` escapes where the split looks. Bodies that are
 * not written compactly are parsed whole; bodies that are not JSON throw.
 */
import { describe, expect, it } from 'vitest';
import { prng } from '../../org/util.js';
import { parseBatchAnswer, splitBatchAnswer } from '../../src/salesforce/batch-answer.js';
import { piecesText } from '../helpers/random.js';

const PIECES = [
  'a',
  ',',
  '{"statusCode":',
  '},{"statusCode":200,"result":',
  ']}',
  '"',
  '\\',
  'é',
  '😀',
  '\n',
  '\u2028',
];

function text(random: () => number): string {
  return piecesText(random, PIECES, 5);
}

function subresult(random: () => number, i: number): unknown {
  const pick = <T>(...values: T[]): T => values[Math.floor(random() * values.length)] as T;
  if (random() < 0.15) {
    return { statusCode: pick(404, 500), result: [{ errorCode: 'NOT_FOUND', message: text(random) }] };
  }
  return {
    statusCode: 200,
    result: {
      name: `Object_${i}__c${text(random)}`,
      label: text(random),
      fields: [
        { name: 'Id', type: 'id', label: text(random), picklistValues: [] },
        { name: text(random), type: 'string', nillable: pick(true, false), referenceTo: [text(random)] },
      ],
      // Nested objects that begin the way a subresult does.
      urls:
        random() < 0.05
          ? pick(
              { statusCode: 200, result: text(random) },
              [{ statusCode: 1 }],
              [{ a: 1 }, { statusCode: 1 }],
            )
          : {},
    },
  };
}

function answer(random: () => number): { hasErrors: boolean; results: unknown[] } {
  const results = Array.from({ length: Math.floor(random() * 26) }, (_, i) => subresult(random, i));
  return { hasErrors: random() < 0.5, results };
}

/** Non-ASCII as `\u` escapes, as some servers write it. */
function escaped(json: string): string {
  return json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

describe('parseBatchAnswer', () => {
  it('gives exactly JSON.parse of the body, for 2 000 random compact answers', () => {
    const random = prng(8);
    let split = 0;
    for (let n = 0; n < 2000; n++) {
      const value = answer(random);
      const json = random() < 0.3 ? escaped(JSON.stringify(value)) : JSON.stringify(value);
      const body = Buffer.from(json);
      expect(parseBatchAnswer(body)).toEqual(JSON.parse(json));
      if (splitBatchAnswer(body)) split++;
    }
    // Most answers take the split; the ones with a statusCode object nested in a result cannot.
    expect(split).toBeGreaterThan(200);
  });

  it('splits a plain compact answer, and its pieces are the subresults', () => {
    const value = {
      hasErrors: true,
      results: [
        { statusCode: 200, result: { name: 'Account', fields: [] } },
        { statusCode: 404, result: [{ errorCode: 'NOT_FOUND', message: 'x' }] },
      ],
    };
    expect(splitBatchAnswer(Buffer.from(JSON.stringify(value)))).toEqual(value);
    expect(splitBatchAnswer(Buffer.from('{"hasErrors":false,"results":[]}'))).toEqual({
      hasErrors: false,
      results: [],
    });
  });

  it('does not split where a statusCode object is nested, and still parses it right', () => {
    const value = {
      hasErrors: false,
      results: [
        {
          statusCode: 200,
          result: { name: 'A', fields: [{ statusCode: 1 }, { name: 'B' }, { statusCode: 2 }] },
        },
      ],
    };
    const body = Buffer.from(JSON.stringify(value));
    expect(splitBatchAnswer(body)).toBeNull();
    expect(parseBatchAnswer(body)).toEqual(value);
  });

  it('parses an answer written with spaces or another key order whole', () => {
    const results = [{ result: { name: 'A', fields: [] }, statusCode: 200 }];
    const reordered = JSON.stringify({ results, hasErrors: false });
    const spaced = JSON.stringify({ hasErrors: false, results: [{ statusCode: 200, result: {} }] }, null, 2);
    for (const json of [reordered, spaced]) {
      expect(splitBatchAnswer(Buffer.from(json))).toBeNull();
      expect(parseBatchAnswer(Buffer.from(json))).toEqual(JSON.parse(json));
    }
  });

  it('throws on a body that is not JSON: cut short, or with bytes between the pieces', () => {
    const json = JSON.stringify({
      hasErrors: false,
      results: [
        { statusCode: 200, result: { name: 'A', fields: [] } },
        { statusCode: 200, result: { name: 'B', fields: [] } },
      ],
    });
    for (const bad of [
      json.slice(0, -1),
      json.slice(0, json.length / 2),
      json.replace('},{"statusCode"', '}x{"statusCode"'),
      `${json}x`,
    ]) {
      expect(() => parseBatchAnswer(Buffer.from(bad)), bad).toThrow(SyntaxError);
    }
    // Valid JSON with a space between the pieces is parsed whole.
    const spaced = json.replace('},{"statusCode"', '}, {"statusCode"');
    expect(parseBatchAnswer(Buffer.from(spaced))).toEqual(JSON.parse(spaced));
  });
});
