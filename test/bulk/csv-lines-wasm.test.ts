/*
 * The WebAssembly half of the Bulk line decoder, on its own: numbers converted there equal
 * JSON.stringify(Number(text)) without the converter being asked; rows it cannot convert are handed back
 * whole; and the module the tap ships is the one its source compiles to.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prng } from '../../org/util.js';
import { csvLinesWasmText, GENERATED } from '../../scripts/csv-lines-wasm.js';
import { normaliseNumber } from '../../src/sync/coerce.js';
import { compileLinePlan, type LinePlan } from '../../src/sync/csv-lines.js';
import { Stop, wasmLines } from '../../src/sync/csv-lines-wasm.js';
import { ROOT } from '../helpers/tap.js';

const HEAD = Buffer.alloc(0);

/** A plan for one number column whose converter counts its calls. */
function countingPlan(): { plan: LinePlan; calls: () => number } {
  const plan = compileLinePlan(
    ['Amount'],
    { type: 'object', properties: { Amount: { type: 'number' } } },
    null,
  );
  let calls = 0;
  const converter = plan.converters[0];
  if (!converter) throw new Error('no converter');
  const counted: LinePlan = {
    ...plan,
    converters: [
      (value) => {
        calls++;
        return converter(value);
      },
    ],
  };
  return { plan: counted, calls: () => calls };
}

function randomDigits(random: () => number, most: number): string {
  let text = '';
  const count = Math.floor(random() * most);
  for (let k = 0; k < count; k++) text += random() < 0.3 ? '0' : String(Math.floor(random() * 10));
  return text;
}

/** Decimal text of every shape Bulk writes and some it does not. */
function randomNumber(random: () => number): string {
  const sign = random() < 0.3 ? '-' : '';
  const int = randomDigits(random, 20) || (random() < 0.9 ? '0' : '');
  const fraction = random() < 0.6 ? `.${randomDigits(random, 20)}` : '';
  const exponent =
    random() < 0.4
      ? `${random() < 0.5 ? 'E' : 'e'}${['', '-', '+'][Math.floor(random() * 3)]}${randomDigits(random, 5)}`
      : '';
  return `${sign}${int}${fraction}${exponent}`;
}

/** `-?digits(.digits)?(e±digits)?` with at most 15 significant digits, printed without an exponent. */
function convertedInWasm(text: string): boolean {
  if (!/^-?\d+(\.\d+)?([eE][-+]?\d{1,4})?$/.test(text)) return false;
  const digits = text
    .replace(/^-/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  if (digits.length > 15) return false;
  const value = Math.abs(Number(text));
  return digits === '' || (value >= 1e-6 && value < 1e21);
}

describe('WebAssembly line decoder', () => {
  it('writes a number as JSON.stringify(Number(text)), asking the converter only outside what it converts', () => {
    const wasm = wasmLines();
    if (!wasm) throw new Error('WebAssembly is not available');
    const random = prng(20261129);
    const texts = [
      '0',
      '-0',
      '-0.0',
      '0E5',
      '007',
      '12.50',
      '1.0E7',
      '9.999999999E7',
      '1.23456789123E8',
      '3.141592653589793',
      '0.000001',
      '0.0000001',
      '1E20',
      '1E21',
      '5.',
      '.5',
      '1,234.5',
      '-',
      '1e99999',
      ...Array.from({ length: 20_000 }, () => randomNumber(random)),
    ].filter((text) => text !== '');
    const { plan, calls } = countingPlan();
    const csv = Buffer.from(texts.map((t) => `"${t}"\n`).join(''));
    wasm.load(plan, HEAD, csv, 1 << 24);
    const run = wasm.run(0, 1 << 24, HEAD, null);
    expect(run.stop).toBe(Stop.Done);
    expect(run.rows).toBe(texts.length);
    const want = texts.map((t) => `{"Amount":${JSON.stringify(normaliseNumber(t))}}}\n`);
    expect(
      Buffer.from(run.lines)
        .toString('utf8')
        .split(/(?<=\n)/),
    ).toEqual(want);
    const inWasm = texts.filter(convertedInWasm).length;
    expect(inWasm).toBeGreaterThan(5_000);
    expect(calls()).toBe(texts.length - inWasm);
  });

  it('hands back a row it cannot convert, whole, with the rows before it written', () => {
    const wasm = wasmLines();
    if (!wasm) throw new Error('WebAssembly is not available');
    const plan = compileLinePlan(
      ['Id', 'Name'],
      { type: 'object', properties: { Id: { type: 'string' }, Name: { type: ['null', 'string'] } } },
      null,
    );
    const rows = ['"1","a"\n', '"2","b"x\n', '"3","c"\n'];
    const csv = Buffer.from(rows.join(''));
    wasm.load(plan, HEAD, csv, 1 << 20);
    const first = wasm.run(0, 1 << 20, HEAD, null);
    expect(first.stop).toBe(Stop.HandBack);
    expect(first.rows).toBe(1);
    expect(first.at).toBe(rows[0]?.length);
    expect(Buffer.from(first.lines).toString()).toBe('{"Id":"1","Name":"a"}}\n');
    // A short row, a long row and a row cut by the end of the input go back too.
    for (const row of ['"4"\n', '"5","e","f"\n', '"6","g']) {
      wasm.load(plan, HEAD, Buffer.from(row), 1 << 20);
      const run = wasm.run(0, 1 << 20, HEAD, null);
      expect([run.stop, run.rows, run.at]).toEqual([Stop.HandBack, 0, 0]);
    }
  });

  it('stops after the row that reaches the limit, so that batches end where the JavaScript loop ends them', () => {
    const wasm = wasmLines();
    if (!wasm) throw new Error('WebAssembly is not available');
    const plan = compileLinePlan(['Id'], { type: 'object', properties: { Id: { type: 'string' } } }, null);
    const csv = Buffer.from('"1"\n"2"\n"3"\n');
    wasm.load(plan, HEAD, csv, 1 << 20);
    const line = '{"Id":"1"}}\n'.length;
    const run = wasm.run(0, line + 1, HEAD, null);
    expect([run.stop, run.rows, run.at]).toEqual([Stop.Full, 2, 8]);
  });

  it('is the module its source compiles to', async () => {
    expect(readFileSync(join(ROOT, GENERATED), 'utf8')).toBe(await csvLinesWasmText(ROOT));
  }, 60_000);
});
