/*
 * CSV parser benchmark on the simulated org's Account result CSV (every field quoted, values with commas,
 * quotes, newlines and emoji, as Bulk 2.0 sends them). The last three candidates go all the way to RECORD
 * lines: `records` is the record-object path (own parser, converters, JSON.stringify, UTF-8 encode), `lines`
 * the byte-to-byte path the Bulk runner uses and `lines-js` that path without its WebAssembly half.
 *
 *   npm run build && node_modules/.bin/node dist/bench/csv-parsers.js [rows=200000]   (KEEP=1 keeps the CSV)
 *
 * Each candidate runs in its own process, so peak RSS is its own; it reads the file in 64 KiB chunks and
 * produces one string array per row (no column objects), which is what the Bulk runner's coercer consumes.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as csvParse } from 'csv-parse';
import Papa from 'papaparse';
import { inferSchema, initParser, type Parser } from 'udsv';
import { OrgData } from '../org/data/store.js';
import { compile } from '../org/query.js';
import { csvWriter } from '../org/serialize.js';
import { mapField } from '../src/discovery/field-schema.js';
import { CsvParser } from '../src/salesforce/csv.js';
import type { JsonSchema } from '../src/singer/catalog.js';
import { csvConverter } from '../src/sync/csv-coerce.js';
import { CsvLineDecoder, compileLinePlan } from '../src/sync/csv-lines.js';

const CANDIDATES = ['own', 'csv-parse', 'papaparse', 'udsv', 'records', 'lines-js', 'lines'] as const;
type Candidate = (typeof CANDIDATES)[number];

interface Result {
  candidate: Candidate;
  rows: number;
  ms: number;
  peakRssMb: number;
}

const CHUNK = 64 * 1024;

function accountFields(data: OrgData) {
  const store = data.get('Account');
  if (!store) throw new Error('the org has no Account');
  return { store, defs: store.def.fields.filter((f) => !['address', 'location', 'base64'].includes(f.type)) };
}

/** The Account schema the tap discovers for Bulk, for the two sync-path candidates. */
function accountSchema(): JsonSchema {
  const { defs } = accountFields(new OrgData({ seed: 7, records: { Account: 1 }, extraObjects: 0 }));
  const properties: Record<string, JsonSchema> = {};
  for (const field of defs) properties[field.name] = mapField('Account', field, 'BULK').schema;
  return { type: 'object', properties };
}

const PREFIX = '{"type":"RECORD","stream":"Account","time_extracted":"2026-01-01T00:00:00.000Z","record":';

async function writeAccountCsv(path: string, rows: number): Promise<number> {
  const data = new OrgData({ seed: 7, records: { Account: rows }, extraObjects: 0 });
  const { store, defs } = accountFields(data);
  const fields = defs.map((f) => f.name);
  const compiled = compile(`SELECT ${fields.join(', ')} FROM Account`, data, true);
  const { header, row } = csvWriter(compiled);
  const out = createWriteStream(path);
  const write = (s: string) =>
    out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r()));
  await write(header);
  let buffer = '';
  for (let i = 0; i < rows; i++) {
    buffer += row(store.view(i, data.version));
    if (buffer.length > 1 << 20) {
      await write(buffer);
      buffer = '';
    }
  }
  await write(buffer);
  await new Promise<void>((r) => out.end(() => r()));
  return fields.length;
}

async function runOwn(path: string): Promise<number> {
  let rows = 0;
  const parser = new CsvParser();
  const onRow = (fields: string[]) => {
    if (fields.length > 0) rows++;
  };
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK }))
    parser.write(chunk as Buffer, onRow);
  parser.end(onRow);
  return rows;
}

/** The record path: rows parsed into strings, converted into a record object, JSON.stringify, encoded. */
async function runRecords(path: string): Promise<number> {
  const schema = accountSchema();
  const properties = schema.properties ?? {};
  const out = Buffer.allocUnsafe(2 * 2 ** 20);
  let used = 0;
  let rows = 0;
  let build: ((row: string[]) => Record<string, unknown>) | null = null;
  const parser = new CsvParser();
  const onRow = (fields: string[]) => {
    rows++;
    if (!build) {
      const columns = fields.map((name, index) => ({
        name,
        index,
        convert: csvConverter(properties[name] ?? {}),
      }));
      build = (row) => {
        const record: Record<string, unknown> = {};
        for (const { name, index, convert } of columns) record[name] = convert(row[index] ?? '');
        return record;
      };
      return;
    }
    const line = `${PREFIX}${JSON.stringify(build(fields))}}\n`;
    if (used + line.length * 3 > out.length) used = 0;
    used += out.write(line, used);
  };
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK }))
    parser.write(chunk as Buffer, onRow);
  parser.end(onRow);
  return rows;
}

/**
 * The sync path: CSV bytes straight to RECORD line bytes (`src/sync/csv-lines.ts`), in WebAssembly with
 * rows handed back to JavaScript (`lines`), or in its JavaScript loop alone (`lines-js`).
 */
async function runLines(path: string, wasm: boolean): Promise<number> {
  const schema = accountSchema();
  const decoder = new CsvLineDecoder({
    plan: (header) => compileLinePlan(header, schema, 'SystemModstamp'),
    prefix: () => PREFIX,
    wasm,
  });
  let rows = 1;
  const drain = () => {
    for (let batch = decoder.take(); batch; batch = decoder.take()) rows += batch.count;
  };
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK })) {
    decoder.write(chunk as Buffer);
    drain();
  }
  decoder.end();
  drain();
  return rows;
}

async function runCsvParse(path: string): Promise<number> {
  let rows = 0;
  const parser = createReadStream(path, { highWaterMark: CHUNK }).pipe(
    csvParse({ relax_column_count: true }),
  );
  for await (const record of parser) if ((record as string[]).length > 0) rows++;
  return rows;
}

function runPapa(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let rows = 0;
    Papa.parse<string[]>(createReadStream(path, { highWaterMark: CHUNK, encoding: 'utf8' }), {
      step: (result) => {
        if (result.data.length > 0) rows++;
      },
      complete: () => resolve(rows),
      error: (error) => reject(error),
    });
  });
}

async function runUdsv(path: string): Promise<number> {
  let rows = 0;
  let parser: Parser | null = null;
  // Called once per data row; the header row is consumed by the schema.
  const onData = () => {
    rows++;
  };
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK, encoding: 'utf8' })) {
    const text = chunk as string;
    parser ??= initParser(inferSchema(text, { col: ',', row: '\n' }));
    parser.chunk<string[]>(text, parser.stringArrs, onData);
  }
  parser?.end();
  return rows + 1;
}

async function runCandidate(candidate: Candidate, path: string): Promise<Result> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const started = performance.now();
  const run = {
    own: runOwn,
    'csv-parse': runCsvParse,
    papaparse: runPapa,
    udsv: runUdsv,
    records: runRecords,
    'lines-js': (file: string) => runLines(file, false),
    lines: (file: string) => runLines(file, true),
  }[candidate];
  const rows = await run(path);
  const ms = performance.now() - started;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
  return { candidate, rows, ms, peakRssMb: Math.round(peak / 2 ** 20) };
}

async function main(): Promise<void> {
  const [mode, ...rest] = process.argv.slice(2);
  if (mode === '--candidate') {
    const [candidate, path] = rest as [Candidate, string];
    process.stdout.write(`${JSON.stringify(await runCandidate(candidate, path))}\n`);
    return;
  }
  const rows = Number(mode ?? 200_000);
  const dir = mkdtempSync(join(tmpdir(), 'csv-bench-'));
  const path = join(dir, 'Account.csv');
  try {
    const columns = await writeAccountCsv(path, rows);
    const mb = statSync(path).size / 2 ** 20;
    process.stdout.write(`Account.csv: ${rows} rows x ${columns} columns, ${mb.toFixed(1)} MiB\n\n`);
    process.stdout.write('| parser | rows/s | MiB/s | peak RSS (MiB) |\n|---|---:|---:|---:|\n');
    const self = fileURLToPath(import.meta.url);
    for (const candidate of CANDIDATES) {
      const runs: Result[] = [];
      for (let k = 0; k < 3; k++) {
        const child = spawnSync(process.execPath, [self, '--candidate', candidate, path], {
          encoding: 'utf8',
        });
        if (child.status !== 0) throw new Error(`${candidate} failed: ${child.stderr}`);
        runs.push(JSON.parse(child.stdout) as Result);
      }
      const best = runs.reduce((a, b) => (b.ms < a.ms ? b : a));
      if (best.rows !== rows + 1)
        throw new Error(`${candidate} read ${best.rows} rows, expected ${rows + 1}`);
      const seconds = best.ms / 1000;
      process.stdout.write(
        `| ${candidate} | ${Math.round(rows / seconds).toLocaleString('en-US')} | ${(mb / seconds).toFixed(0)} | ${best.peakRssMb} |\n`,
      );
    }
  } finally {
    if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
