/**
 * `npm run demo`: the tap's first five minutes, in well under one.
 *
 * Starts the simulated org (org/) in this process, then runs the real CLI against it the way you would run
 * it against Salesforce: discover a catalog, select a handful of streams, sync them into `.demo/` (or into a
 * Singer target when one is on PATH), change some rows in the org and sync again from the saved state.
 * Everything it writes goes under `.demo/`; delete the folder to start over.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join, relative } from 'node:path';
import { type Org, startOrg } from '../org/index.js';
import { packageInfo } from '../src/about.js';
import type { Catalog } from '../src/singer/catalog.js';

const STREAMS = ['Account', 'Contact', 'Opportunity', 'Lead', 'Case'];
const RECORDS: Record<string, number> = {
  Account: 2000,
  Contact: 3000,
  Opportunity: 1500,
  Lead: 1500,
  Case: 1000,
};
/** Singer targets the demo pipes into when one is installed. */
const TARGETS = ['target-jsonl', 'target-csv', 'target-sqlite', 'target-postgres'];

const root = packageInfo().root;
const dir = join(root, '.demo');
const bin = join(root, 'bin', 'tap-salesforce');
const say = (text = '') => process.stderr.write(`${text}\n`);
const shown = (path: string) => relative(process.cwd(), path) || '.';

function findTarget(): string | null {
  for (const folder of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of TARGETS) {
      if (folder && existsSync(join(folder, name))) return join(folder, name);
    }
  }
  return null;
}

/** Runs the CLI on this Node; its stderr (logs, progress, summary) goes straight to the terminal. */
function tap(
  args: string[],
  stdoutTo: NodeJS.WritableStream | 'pipe',
): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'info' },
    });
    let stdout = '';
    if (stdoutTo === 'pipe') child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    else child.stdout.pipe(stdoutTo, { end: false });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout }));
  });
}

/** Sync into a file, or through a target when one is installed (its output goes to .demo/target/). */
async function sync(args: string[], output: string, target: string | null): Promise<string[]> {
  const file = createWriteStream(output);
  let targetDone: Promise<number> | null = null;
  let sink: NodeJS.WritableStream = file;
  if (target) {
    const targetDir = join(dir, 'target');
    mkdirSync(targetDir, { recursive: true });
    const child = spawn(target, [], { cwd: targetDir, stdio: ['pipe', 'pipe', 'inherit'] });
    child.stdout.pipe(file);
    sink = child.stdin;
    targetDone = new Promise((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  }
  const run = await tap(args, sink);
  if (run.code !== 0) throw new Error(`the sync exited with code ${run.code}`);
  if (targetDone) {
    sink.end();
    const code = await targetDone;
    if (code !== 0) throw new Error(`${target} exited with code ${code}`);
  } else {
    await new Promise<void>((resolve) => file.end(resolve));
  }
  if (target) return [];
  return readFileSync(output, 'utf8').split('\n').filter(Boolean);
}

function describeOutput(lines: string[]): string {
  const counts: Record<string, number> = {};
  for (const line of lines) {
    const type = (JSON.parse(line) as { type: string }).type;
    counts[type] = (counts[type] ?? 0) + 1;
  }
  return Object.entries(counts)
    .map(([type, n]) => `${n.toLocaleString('en-US')} ${type}`)
    .join(', ');
}

function lastState(lines: string[]): unknown {
  for (let i = lines.length - 1; i >= 0; i--) {
    const message = JSON.parse(lines[i] as string) as { type: string; value?: unknown };
    if (message.type === 'STATE') return message.value;
  }
  return null;
}

async function main(): Promise<void> {
  const started = Date.now();
  const { name, version } = packageInfo();
  say(`${name} ${version} demo: a simulated Salesforce org, the real CLI.\n`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });

  let org: Org | null = null;
  try {
    org = await startOrg({ records: RECORDS });
    say(
      `1. Simulated org listening on ${org.url} (${STREAMS.map((s) => `${s} ${RECORDS[s]}`).join(', ')} rows).`,
    );
    const config = {
      domain: org.url,
      client_id: 'demo-client-id',
      client_secret: 'demo-client-secret',
      refresh_token: 'demo-refresh-token',
      start_date: '2020-01-01T00:00:00Z',
      streams: STREAMS,
    };
    writeFileSync(join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    say(`   Config: ${shown(join(dir, 'config.json'))}\n`);

    say('2. Discover: tap-salesforce --config config.json --discover > catalog.json');
    const discovered = await tap(['--config', 'config.json', '--discover'], 'pipe');
    if (discovered.code !== 0) throw new Error(`discovery exited with code ${discovered.code}`);
    const catalog = JSON.parse(discovered.stdout) as Catalog;
    // Select each stream (its fields follow select_fields_by_default), as `meltano select` or a UI would.
    for (const entry of catalog.streams) {
      const rootMetadata = entry.metadata.find((m) => m.breadcrumb.length === 0);
      if (rootMetadata) rootMetadata.metadata.selected = true;
    }
    writeFileSync(join(dir, 'catalog.json'), `${JSON.stringify(catalog, null, 2)}\n`);
    say(`   ${catalog.streams.length} streams selected in ${shown(join(dir, 'catalog.json'))}\n`);

    const target = findTarget();
    const output = join(dir, target ? 'target-stdout.txt' : 'output.jsonl');
    say(
      `3. Sync: tap-salesforce --config config.json --catalog catalog.json ${target ? `| ${target}` : '> output.jsonl'}`,
    );
    const first = await sync(['--config', 'config.json', '--catalog', 'catalog.json'], output, target);
    const state = target ? readLastLine(output) : lastState(first);
    writeFileSync(join(dir, 'state.json'), `${JSON.stringify(state, null, 2)}\n`);
    say(
      target ? `   Written by ${target} under ${shown(join(dir, 'target'))}` : `   ${describeOutput(first)}`,
    );
    say(`   The last STATE is in ${shown(join(dir, 'state.json'))}\n`);

    // A little later, somebody edits 40 accounts and adds 10 contacts.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    org.advanceTime({ seconds: 1, update: { Account: 40 }, insert: { Contact: 10 } });
    const second = join(dir, target ? 'target-stdout-2.txt' : 'output-2.jsonl');
    say('4. 40 accounts change and 10 contacts are added; sync again from the state:');
    say('   tap-salesforce --config config.json --catalog catalog.json --state state.json > output-2.jsonl');
    const again = await sync(
      ['--config', 'config.json', '--catalog', 'catalog.json', '--state', 'state.json'],
      second,
      target,
    );
    if (!target) {
      say(
        `   ${describeOutput(again)}: the changed rows, and the few stamped at a bookmark (the bound is inclusive).\n`,
      );
    }

    say(
      `Done in ${((Date.now() - started) / 1000).toFixed(1)} s. Output: ${shown(target ? join(dir, 'target') : output)}`,
    );
    say(
      `Next: point config.json at your org (tap-salesforce auth --client-id … --client-secret … writes the`,
    );
    say('credentials), then run the same commands. README.md has the rest.');
  } finally {
    org?.close();
  }
}

function readLastLine(path: string): unknown {
  const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
  const last = lines.at(-1);
  return last ? (JSON.parse(last) as unknown) : null;
}

main().catch((error: unknown) => {
  say(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
