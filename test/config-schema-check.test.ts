// The config is checked against its schema without ajv (see `schemaAccepts` in src/config.ts); ajv is the
// reference here: for every key of the config schema and a wide set of values, both must agree.
import { Ajv, type ErrorObject } from 'ajv';
import { describe, expect, it } from 'vitest';
import { configSchemaViolation, isCheckableSchema, schemaAccepts } from '../src/config.js';
import { buildConfigSchema } from '../src/settings.js';

const schema = buildConfigSchema() as Record<string, unknown>;
const properties = schema.properties as Record<string, Record<string, unknown>>;

const SAMPLES: unknown[] = [
  null,
  '',
  ' ',
  true,
  false,
  'true',
  'TRUE',
  'False',
  'fAlSe',
  'yes',
  'true ',
  0,
  1,
  -1,
  2,
  5,
  24,
  25,
  99,
  100,
  101,
  1.5,
  0.5,
  -0.5,
  1e21,
  Number.MAX_SAFE_INTEGER,
  '0',
  '12',
  ' 12 ',
  '-3',
  '1.5',
  '.5',
  '5.',
  '1e3',
  'abc',
  'REST',
  'rest',
  'BULK',
  'Bulk2',
  'bulk 2',
  '1.0',
  '2.0',
  '62.0',
  '62',
  'v62.0',
  'V64',
  '64.1',
  '2024-01-01T00:00:00Z',
  'login',
  'https://acme.my.salesforce.com',
  'Account,Contact',
  '😀',
  '名前',
  [],
  ['Account'],
  [''],
  ['Account', 1],
  ['😀'],
  {},
  { a: 1 },
];

function ajvFirstKey(errors: ErrorObject[]): string {
  const error = errors.find((e) => e.instancePath.startsWith('/')) ?? errors[0];
  return error ? decodeURIComponent(error.instancePath.slice(1).split('/')[0] ?? '').replace(/~1/g, '/') : '';
}

describe('config schema check', () => {
  const ajv = new Ajv({ allErrors: true, strict: false });

  it('covers every keyword of the config schema (so ajv is not loaded for it)', () => {
    expect(isCheckableSchema(schema)).toBe(true);
    expect(isCheckableSchema({ type: 'string', format: 'date-time' })).toBe(false);
    expect(isCheckableSchema({ type: 'object', required: ['a'] })).toBe(false);
  });

  it('given every key and a wide set of values, then accepts exactly what ajv accepts', () => {
    const disagreements: string[] = [];
    for (const [key, node] of Object.entries(properties)) {
      const validate = ajv.compile(node);
      for (const value of SAMPLES) {
        const ours = schemaAccepts(node, value);
        if (ours !== validate(value)) disagreements.push(`${key}: ${JSON.stringify(value)} ours=${ours}`);
      }
    }
    expect(disagreements).toEqual([]);
  });

  it('given configs with several bad values, then names the same first key as ajv', () => {
    const validate = ajv.compile(schema);
    const keys = Object.keys(properties);
    let state = 7;
    const random = () => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state / 2147483648;
    };
    for (let n = 0; n < 300; n++) {
      const config: Record<string, unknown> = { unknown_key: 'x' };
      for (let k = 0; k < 6; k++) {
        const key = keys[Math.floor(random() * keys.length)] as string;
        config[key] = SAMPLES[Math.floor(random() * SAMPLES.length)];
      }
      const ours = configSchemaViolation(config);
      const valid = validate(config);
      expect(ours === null, JSON.stringify(config)).toBe(valid);
      if (!valid) expect(ours?.key, JSON.stringify(config)).toBe(ajvFirstKey(validate.errors ?? []));
    }
  });
});
