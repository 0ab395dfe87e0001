// `npm run bench`: the tap against the simulated org, every number next to its floor.
//
//   npm run bench                      1 000 000 Account rows, 2 000 000 for the RSS-flatness run
//   npm run bench -- --quick           small sizes, a harness check in about a minute
//   npm run bench -- --only rest,bulk  a subset of: discovery, rest, bulk, wide, slow, incremental, scale,
//                                      parallel, profile
//   flags (or env BENCH_<NAME>): --rows --rows2 --wide --objects --latency --slow-mbps --out
//
// See README "Performance" for what each column means.

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BASE_DATE } from '../org/data/store.js';
import type { OrgStats } from '../org/types.js';
import { bulkFloor, type Credentials, discoveryFloor, type FloorResult, login, restFloor } from './floors.js';
import { OrgProcess } from './org-host.js';
import { formatProfile, newestProfile, type ProfileSummary, summarizeProfile } from './profile.js';
import { lastState, ROOT, runTap, type Sink, type TapRunResult } from './tap.js';

const MODES = [
  'discovery',
  'rest',
  'bulk',
  'wide',
  'slow',
  'incremental',
  'scale',
  'parallel',
  'profile',
] as const;
type Mode = (typeof MODES)[number];

interface Options {
  rows: number;
  rows2: number;
  wide: number;
  objects: number;
  latencyMs: number;
  /** The slow consumer's rate; 0 = half the rate the tap reached writing to /dev/null in this run. */
  slowMbps: number;
  parallelRows: number;
  /** Rows (the newest, via start_date) for the slow-consumer and profiled runs. */
  slowRows: number;
  profileRows: number;
  only: Set<Mode>;
  out: string;
  quick: boolean;
}

function readOptions(): Options {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      rows: { type: 'string' },
      rows2: { type: 'string' },
      wide: { type: 'string' },
      objects: { type: 'string' },
      latency: { type: 'string' },
      'slow-mbps': { type: 'string' },
      'parallel-rows': { type: 'string' },
      'slow-rows': { type: 'string' },
      'profile-rows': { type: 'string' },
      only: { type: 'string' },
      out: { type: 'string' },
    },
    allowPositionals: false,
  });
  const quick = values.quick === true || process.env.BENCH_QUICK === '1';
  const num = (flag: string | undefined, env: string, full: number, small: number): number => {
    const raw = flag ?? process.env[`BENCH_${env}`];
    if (raw === undefined || raw === '') return quick ? small : full;
    const n = Number(raw.replaceAll('_', ''));
    if (!Number.isFinite(n) || n < 0) throw new Error(`bad number for ${env}: ${raw}`);
    return n;
  };
  const only = (values.only ?? process.env.BENCH_ONLY ?? '').split(',').filter(Boolean);
  for (const m of only) if (!(MODES as readonly string[]).includes(m)) throw new Error(`unknown mode ${m}`);
  return {
    rows: num(values.rows, 'ROWS', 1_000_000, 20_000),
    rows2: num(values.rows2, 'ROWS2', 2_000_000, 40_000),
    wide: num(values.wide, 'WIDE', 5_000, 1_000),
    objects: num(values.objects, 'OBJECTS', 1_000, 1_000),
    latencyMs: num(values.latency, 'LATENCY', 100, 100),
    slowMbps: num(values['slow-mbps'], 'SLOW_MBPS', 0, 0),
    parallelRows: num(values['parallel-rows'], 'PARALLEL_ROWS', 20_000, 2_000),
    slowRows: num(values['slow-rows'], 'SLOW_ROWS', 100_000, 20_000),
    profileRows: num(values['profile-rows'], 'PROFILE_ROWS', 200_000, 20_000),
    only: new Set((only.length > 0 ? only : MODES) as Mode[]),
    out:
      values.out ??
      process.env.BENCH_OUT ??
      join(ROOT, 'bench', quick ? 'out/results-quick.json' : 'results.json'),
    quick,
  };
}

const CREDENTIALS: Credentials = {
  clientId: 'bench-client',
  clientSecret: 'bench-secret',
  refreshToken: 'bench-refresh-token',
};
const API_VERSION = '64.0';
const BULK_MAX_RECORDS = 100_000;
/** The tap's default `bulk_parallel_downloads`: result pages open ahead of the one being read. */
const BULK_PARALLEL_DOWNLOADS = 2;
const PARALLEL_STREAMS = ['Contact', 'Opportunity', 'Lead', 'Case'] as const;
const WORK = join(ROOT, 'bench', 'out', 'work');

/** One line of the table. */
export interface ResultRow {
  mode: string;
  sink: 'devnull' | 'slow' | 'pipe' | '-';
  stream: string;
  rows: number;
  wallS: number;
  rowsPerS: number | null;
  mbPerS: number | null;
  peakRssMb: number | null;
  apiCalls: number;
  /** Fetch floor (or, for slow-consumer runs, the consumer's own time: bytes / rate). */
  floorS: number | null;
  /** The minimal parse-and-serialise loop for the same rows, CPU seconds. */
  parseS: number | null;
  ratio: number | null;
  /** The org process's CPU over the tap's wall time: near 100% means the org, not the tap, set the pace. */
  orgCpuPct: number | null;
  /** The tap's CPU time (user + system) over its wall time. */
  tapCpuPct?: number | null;
  /**
   * The tap's CPU seconds over the parse loop's CPU seconds for the same rows: how much more work per row
   * the tap does than the minimal loop. CPU time barely moves when other processes share the cores, so this
   * ratio stays readable on a busy machine where wall-time ratios do not.
   */
  cpuRatio?: number | null;
  /**
   * The least wall time the machine's cores allow for the tap's and the org's CPU seconds together, over the
   * fetch floor: when the org shares the tap's cores, no tap gets below this ratio.
   */
  cpuBoundRatio?: number | null;
  /** The org's CPU seconds during the tap's run and during the fetch floor. */
  orgCpuS?: number | null;
  floorOrgCpuS?: number | null;
  /** The tap's memory at exit, MiB (V8 heap committed / used, Buffers), to read peak RSS against. */
  memoryAtExit?: TapRunResult['memoryAtExit'];
  note?: string;
}

function tapConfig(url: string, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    domain: url,
    client_id: CREDENTIALS.clientId,
    client_secret: CREDENTIALS.clientSecret,
    refresh_token: CREDENTIALS.refreshToken,
    api_version: API_VERSION,
    start_date: '2000-01-01T00:00:00Z',
    select_fields_by_default: true,
    bulk_max_records: BULK_MAX_RECORDS,
    bulk_parallel_downloads: BULK_PARALLEL_DOWNLOADS,
    bulk_gzip: true,
    ...extra,
  };
}

interface CatalogLike {
  streams: Array<{
    tap_stream_id: string;
    metadata: Array<{ breadcrumb: unknown[]; metadata: Record<string, unknown> }>;
  }>;
}

function select(catalog: CatalogLike, streams: readonly string[]): CatalogLike {
  return {
    ...catalog,
    streams: catalog.streams
      .filter((s) => streams.includes(s.tap_stream_id))
      .map((s) => ({
        ...s,
        metadata: s.metadata.map((m) =>
          m.breadcrumb.length === 0 ? { ...m, metadata: { ...m.metadata, selected: true } } : m,
        ),
      })),
  };
}

let fileCounter = 0;
function writeJson(name: string, value: unknown): string {
  const path = join(WORK, `${++fileCounter}-${name}`);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;
const MB = 1024 * 1024;

function check(run: TapRunResult, what: string): void {
  if (run.code !== 0) {
    throw new Error(`${what}: the tap exited ${run.code ?? run.signal}\n${run.stderr.slice(-3000)}`);
  }
}

class Bench {
  readonly rows: ResultRow[] = [];
  readonly profiles: Record<string, ProfileSummary> = {};
  readonly log: string[] = [];

  constructor(readonly options: Options) {}

  say(line: string): void {
    this.log.push(line);
    process.stderr.write(`${line}\n`);
  }

  /** Runs the tap once, with org stats and org CPU taken around it. */
  async tap(
    org: OrgProcess,
    args: string[],
    sink: Sink,
    label: string,
    cpuProfDir?: string,
  ): Promise<{ run: TapRunResult; stats: OrgStats; orgCpuPct: number }> {
    await org.resetStats();
    const cpu0 = org.cpuMs();
    const run = await runTap({ args, sink, workDir: WORK, ...(cpuProfDir ? { cpuProfDir } : {}) });
    const orgCpuPct = ((org.cpuMs() - cpu0) / run.wallMs) * 100;
    const stats = await org.stats();
    check(run, label);
    this.say(
      `  ${label}: ${run.rows ?? '?'} rows in ${(run.wallMs / 1000).toFixed(2)} s, peak RSS ${run.peakRssMb.toFixed(0)} MB, ${stats.apiCalls} API calls`,
    );
    return { run, stats, orgCpuPct };
  }

  add(row: ResultRow): void {
    this.rows.push(row);
  }

  syncRow(
    mode: string,
    stream: string,
    sink: ResultRow['sink'],
    result: { run: TapRunResult; stats: OrgStats; orgCpuPct: number },
    floor: FloorResult | null,
    note?: string,
    slowMbps?: number,
  ): ResultRow {
    const { run, stats, orgCpuPct } = result;
    const wallS = run.wallMs / 1000;
    const rows = run.rows ?? floor?.rows ?? 0;
    const floorS =
      sink === 'slow' && slowMbps ? run.stdoutBytes / MB / slowMbps : floor ? floor.ms / 1000 : null;
    const orgCpuS = (orgCpuPct / 100) * wallS;
    const cpuBoundS = run.cpuMs === null ? null : (run.cpuMs / 1000 + orgCpuS) / cpus().length;
    const row: ResultRow = {
      mode,
      sink,
      stream,
      rows,
      wallS: round(wallS),
      rowsPerS: Math.round(rows / wallS),
      mbPerS: round(run.stdoutBytes / MB / wallS, 1),
      peakRssMb: Math.round(run.peakRssMb),
      apiCalls: stats.apiCalls,
      floorS: floorS === null ? null : round(floorS),
      parseS: floor ? round(floor.parseMs / 1000) : null,
      ratio: floorS ? round(wallS / floorS) : null,
      orgCpuPct: Math.round(orgCpuPct),
      tapCpuPct: run.cpuMs === null ? null : Math.round((run.cpuMs / run.wallMs) * 100),
      cpuRatio:
        run.cpuMs !== null && floor && floor.parseCpuMs > 0 ? round(run.cpuMs / floor.parseCpuMs) : null,
      cpuBoundRatio: cpuBoundS !== null && floorS ? round(cpuBoundS / floorS) : null,
      orgCpuS: round(orgCpuS, 1),
      floorOrgCpuS: floor?.orgCpuMs === undefined ? null : round(floor.orgCpuMs / 1000, 1),
      memoryAtExit: run.memoryAtExit,
      ...(note ? { note } : {}),
    };
    if (floor && run.rows !== null && floor.rows < run.rows) {
      row.note = `${row.note ? `${row.note}; ` : ''}floor saw only ${floor.rows} rows`;
    }
    this.add(row);
    return row;
  }

  /**
   * Replays the tap's queries with plain fetch, one page after another, each page through the minimal
   * parse-and-serialise loop. The loop is sequential, so its time splits exactly into waiting for pages
   * (the fetch floor) and the timed parse sections (the parse floor).
   */
  async floors(org: OrgProcess, stats: OrgStats, api: 'REST' | 'BULK', stream: string): Promise<FloorResult> {
    const session = await login(org.url, CREDENTIALS);
    const orgCpu0 = org.cpuMs();
    const endpoint = Object.keys(stats.requests).some((k) => /queryAll/i.test(k)) ? 'queryAll' : 'query';
    const total: FloorResult = {
      rows: 0,
      bytes: 0,
      ms: 0,
      parseMs: 0,
      parseCpuMs: 0,
      requests: 0,
      outputBytes: 0,
    };
    let orgCpuMs = 0;
    for (const soql of stats.queries) {
      let r: FloorResult;
      let fetchMs: number;
      if (api === 'REST') {
        // Each page is read whole before it is parsed: the fetch is the run less its parse sections.
        r = await restFloor({ session, apiVersion: API_VERSION, soql, endpoint, stream, parse: true });
        fetchMs = r.ms - r.parseMs;
        orgCpuMs = org.cpuMs() - orgCpu0;
      } else {
        const bulk = { session, apiVersion: API_VERSION, soql, operation: 'queryAll', stream } as const;
        const pages = {
          maxRecords: BULK_MAX_RECORDS,
          gzip: true,
          pollMs: 0,
          parallel: BULK_PARALLEL_DOWNLOADS,
        };
        const orgBefore = org.cpuMs();
        const fetched = await bulkFloor({ ...bulk, ...pages, parse: false });
        orgCpuMs += org.cpuMs() - orgBefore;
        fetchMs = fetched.ms;
        r = { ...(await bulkFloor({ ...bulk, ...pages, parse: true })), requests: fetched.requests };
      }
      total.rows = Math.max(total.rows, r.rows);
      total.bytes += r.bytes;
      total.ms += fetchMs;
      total.parseMs += r.parseMs;
      total.parseCpuMs += r.parseCpuMs;
      total.requests += r.requests;
      total.outputBytes += r.outputBytes;
    }
    // The org's CPU while the pages were fetched (for Bulk, not while the parse floor ran).
    total.orgCpuMs = orgCpuMs;
    this.say(
      `  ${api} floor: ${total.rows} rows, ${stats.queries.length} queries, ${total.requests} requests, fetch ${(total.ms / 1000).toFixed(2)} s, parse+serialise ${(total.parseMs / 1000).toFixed(2)} s`,
    );
    return total;
  }
}

async function discoverCatalog(
  org: OrgProcess,
  api: 'REST' | 'BULK',
  streams: string[],
): Promise<CatalogLike> {
  // Discovery depends on the API type: under BULK, compound fields are left out of the selection.
  const config = writeJson('discover-config.json', tapConfig(org.url, { api_type: api, streams }));
  const run = await runTap({
    args: ['--config', config, '--discover'],
    sink: { kind: 'pipe', keep: true },
    workDir: WORK,
  });
  check(run, 'discovery for the sync catalog');
  return JSON.parse(run.stdoutTail ?? '') as CatalogLike;
}

/**
 * A start_date that leaves about `rows` of the newest Account rows in the window: the org spreads base
 * SystemModstamps evenly over the three years before its base date.
 */
function startDateFor(rows: number, total: number): string {
  if (rows >= total) return '2000-01-01T00:00:00Z';
  const span = BASE_DATE - (BASE_DATE - 3 * 365 * 86_400_000);
  return new Date(BASE_DATE - Math.ceil((span * rows) / total / 1000) * 1000).toISOString();
}

async function main(): Promise<void> {
  const options = readOptions();
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const bench = new Bench(options);
  const { only } = options;
  const started = Date.now();
  bench.say(
    `bench: ${options.rows} Account rows (${options.rows2} for the scale run), Wide__c ${options.wide}, ~${options.objects} objects, ${options.latencyMs} ms latency for discovery; ${cpus().length} CPUs`,
  );

  const records: Record<string, number> = { Account: options.rows, Wide__c: options.wide };
  for (const s of PARALLEL_STREAMS) records[s] = options.parallelRows;
  // The largest parallel stream is twice the others, so "about the time of the largest" is visible.
  records.Case = options.parallelRows * 2;
  const org = await OrgProcess.start({
    records,
    extraObjects: options.objects,
    seed: 42,
    apiVersion: API_VERSION,
  });
  try {
    if (only.has('discovery')) await discovery(bench, org);

    const fullStates: Record<string, unknown> = {};
    const catalogs: Record<string, CatalogLike> = {};
    for (const api of ['REST', 'BULK'] as const) {
      const mode = api.toLowerCase() as 'rest' | 'bulk';
      const catalog = await discoverCatalog(org, api, ['Account', 'Wide__c', ...PARALLEL_STREAMS]);
      catalogs[api] = catalog;
      const cat = writeJson(`catalog-account-${mode}.json`, select(catalog, ['Account']));
      const config = writeJson(`config-${mode}.json`, tapConfig(org.url, { api_type: api }));
      const args = ['--config', config, '--catalog', cat];
      if (only.has(mode)) {
        bench.say(`${api} full sync, Account:`);
        const r = await bench.tap(org, args, { kind: 'devnull' }, `${api} → /dev/null`);
        bench.syncRow(
          `${mode} full`,
          'Account',
          'devnull',
          r,
          await bench.floors(org, r.stats, api, 'Account'),
        );
      }
      if (only.has('slow')) {
        // Slower than the tap, or there is no backpressure to show: half its /dev/null rate unless given.
        const devnull = bench.rows.find((x) => x.mode === `${mode} full` && x.stream === 'Account');
        const rate =
          options.slowMbps > 0
            ? options.slowMbps
            : Math.max(0.5, Math.round((devnull?.mbPerS ?? 10) / 2 / 0.5) * 0.5);
        const subset = Math.min(options.slowRows, options.rows);
        const slowConfig = writeJson(
          `config-slow-${mode}.json`,
          tapConfig(org.url, { api_type: api, start_date: startDateFor(subset, options.rows) }),
        );
        const s = await bench.tap(
          org,
          ['--config', slowConfig, '--catalog', cat],
          { kind: 'slow', mbPerSecond: rate },
          `${api} → pipe read at ${rate} MB/s`,
        );
        bench.syncRow(
          `${mode} full`,
          'Account',
          'slow',
          s,
          null,
          `consumer reads ${rate} MB/s; it paused ${(s.run.throttledMs / 1000).toFixed(1)} s to hold that rate, time in which the tap met a full pipe`,
          rate,
        );
        // The newest rows end at the same bookmark as the whole table: the incremental run starts here.
        fullStates[api] = lastState(s.run.stdoutTail ?? '');
      }
      if (only.has('incremental') && !fullStates[api]) {
        const tailConfig = writeJson(
          `config-tail-${mode}.json`,
          tapConfig(org.url, { api_type: api, start_date: startDateFor(1000, options.rows) }),
        );
        const t = await bench.tap(
          org,
          ['--config', tailConfig, '--catalog', cat],
          { kind: 'pipe' },
          `${api} newest rows for a STATE`,
        );
        fullStates[api] = lastState(t.run.stdoutTail ?? '');
      }
      if (only.has('wide')) {
        const wideCat = writeJson(`catalog-wide-${mode}.json`, select(catalog, ['Wide__c']));
        bench.say(`${api} full sync, Wide__c:`);
        const r = await bench.tap(
          org,
          ['--config', config, '--catalog', wideCat],
          { kind: 'devnull' },
          `${api} Wide__c`,
        );
        bench.syncRow(
          `${mode} full`,
          'Wide__c',
          'devnull',
          r,
          await bench.floors(org, r.stats, api, 'Wide__c'),
        );
      }
      if (only.has('profile')) {
        const subset = Math.min(options.profileRows, options.rows);
        const profConfig = writeJson(
          `config-prof-${mode}.json`,
          tapConfig(org.url, { api_type: api, start_date: startDateFor(subset, options.rows) }),
        );
        const dir = join(WORK, `prof-${mode}`);
        bench.say(`${api} sync of ~${subset} rows under --cpu-prof:`);
        await bench.tap(
          org,
          ['--config', profConfig, '--catalog', cat],
          { kind: 'devnull' },
          `${api} profiled`,
          dir,
        );
        const file = newestProfile(dir);
        if (file) {
          const summary = summarizeProfile(file);
          bench.profiles[mode] = summary;
          bench.say(formatProfile(summary, `${api} profile`));
        }
      }
    }

    if (only.has('parallel') && catalogs.REST) await parallel(bench, org, catalogs.REST);

    if (only.has('incremental')) {
      const changed = Math.max(10, Math.round(options.rows / 100));
      const change = {
        update: Math.round(changed * 0.6),
        insert: Math.round(changed * 0.3),
        softDelete: Math.round(changed * 0.1),
      };
      bench.say(
        `incremental: advance 1 h; update ${change.update}, insert ${change.insert}, soft-delete ${change.softDelete} Account rows`,
      );
      await org.advanceTime({
        seconds: 3600,
        update: { Account: change.update },
        insert: { Account: change.insert },
        softDelete: { Account: change.softDelete },
      });
      for (const api of ['REST', 'BULK'] as const) {
        const state = fullStates[api];
        const catalog = catalogs[api];
        if (!state || !catalog) {
          bench.say(`  no STATE from the ${api} full run; skipping its incremental run`);
          continue;
        }
        const mode = api.toLowerCase();
        const cat = writeJson(`catalog-inc-${mode}.json`, select(catalog, ['Account']));
        const config = writeJson(`config-inc-${mode}.json`, tapConfig(org.url, { api_type: api }));
        const statePath = writeJson(`state-${mode}.json`, state);
        const r = await bench.tap(
          org,
          ['--config', config, '--catalog', cat, '--state', statePath],
          { kind: 'devnull' },
          `${api} incremental`,
        );
        bench.syncRow(
          `${mode} incremental`,
          'Account',
          'devnull',
          r,
          await bench.floors(org, r.stats, api, 'Account'),
        );
      }
    }
  } finally {
    await org.close();
  }

  if (only.has('scale') && options.rows2 > 0) await scale(bench, options);

  const table = formatTable(bench.rows);
  process.stdout.write(`\n${table}\n`);
  for (const [mode, summary] of Object.entries(bench.profiles)) {
    process.stdout.write(`\n${formatProfile(summary, `${mode.toUpperCase()} profile`)}\n`);
  }
  const result = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? '',
      memoryGb: round(totalmem() / 1024 ** 3, 1),
      node: process.version,
      loadAverageAtEnd: loadavg().map((n) => round(n, 1)),
    },
    options: { ...options, only: [...options.only] },
    benchSeconds: Math.round((Date.now() - started) / 1000),
    rows: bench.rows,
    checks: checks(bench.rows),
    profiles: bench.profiles,
  };
  mkdirSync(join(options.out, '..'), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`\n${formatChecks(result.checks)}\nwrote ${options.out}\n`);
}

async function discovery(bench: Bench, org: OrgProcess): Promise<void> {
  const names = await org.objectNames();
  bench.say(`discovery: ${names.length} objects, ${bench.options.latencyMs} ms latency per call`);
  const floorOptions = {
    loginUrl: org.url,
    credentials: CREDENTIALS,
    apiVersion: API_VERSION,
    batchSize: 25,
  };
  // The org builds and caches each describe's JSON on its first request (a few hundred ms for ~1 000
  // objects): one untimed pass first, so that the tap and its floor meet the same warm org instead of the
  // tap paying the org's one-time cost and the floor, measured after it, not.
  const warmUp = await discoveryFloor(floorOptions);
  bench.say(`  org warmed up: ${warmUp.objects} describes in ${(warmUp.ms / 1000).toFixed(2)} s, no latency`);
  await org.setFaults({ latencyMs: bench.options.latencyMs });
  try {
    const config = writeJson('discover-all.json', tapConfig(org.url, {}));
    // A run takes about a second, so one slow moment of a shared machine moves it by a tenth: three runs of
    // each, taken in turn, and the median of each.
    const taps: Awaited<ReturnType<Bench['tap']>>[] = [];
    const floors: Awaited<ReturnType<typeof discoveryFloor>>[] = [];
    for (let i = 1; i <= DISCOVERY_RUNS; i++) {
      taps.push(
        await bench.tap(org, ['--config', config, '--discover'], { kind: 'pipe' }, `discover (${i})`),
      );
      floors.push(await discoveryFloor(floorOptions));
    }
    const r = median(taps, (t) => t.run.wallMs);
    const floor = median(floors, (f) => f.ms);
    bench.say(
      `  discovery floor: ${floor.objects} describes in ${floor.requests} calls, ${floors.map((f) => (f.ms / 1000).toFixed(2)).join(' / ')} s`,
    );
    const wallS = r.run.wallMs / 1000;
    bench.add({
      mode: 'discovery',
      sink: 'pipe',
      stream: `${names.length} objects`,
      rows: names.length,
      wallS: round(wallS),
      rowsPerS: null,
      mbPerS: round(r.run.stdoutBytes / MB / wallS, 1),
      peakRssMb: Math.round(r.run.peakRssMb),
      apiCalls: r.stats.apiCalls,
      floorS: round(floor.ms / 1000),
      parseS: null,
      ratio: round(wallS / (floor.ms / 1000)),
      orgCpuPct: Math.round(r.orgCpuPct),
      note: `median of ${DISCOVERY_RUNS} runs each (tap ${taps.map((t) => (t.run.wallMs / 1000).toFixed(2)).join(' / ')} s); floor: login + describeGlobal + ${floor.requests - 2} composite batches at once (both on an org warmed up by one untimed pass); the tap's own discovery step (after start-up and login) took ${discoveryWallMs(r.run.stderr) ?? '?'} ms`,
    });
  } finally {
    await org.setFaults({ latencyMs: 0 });
  }
}

const DISCOVERY_RUNS = 3;

/** The middle element by `key` (the upper one of an even count). */
function median<T>(items: readonly T[], key: (item: T) => number): T {
  const sorted = [...items].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor(sorted.length / 2)] as T;
}

/** `wallMs` from the tap's "discovered N streams" log line. */
function discoveryWallMs(stderr: string): number | null {
  const match = /"wallMs":(\d+)[^\n]*discovered/.exec(stderr);
  return match ? Number(match[1]) : null;
}

async function parallel(bench: Bench, org: OrgProcess, catalog: CatalogLike): Promise<void> {
  const latencyMs = bench.options.latencyMs;
  bench.say(`parallel streams: ${PARALLEL_STREAMS.join(', ')} over REST with ${latencyMs} ms latency`);
  await org.setFaults({ latencyMs });
  try {
    const singles: number[] = [];
    for (const stream of PARALLEL_STREAMS) {
      const cat = writeJson(`catalog-${stream}.json`, select(catalog, [stream]));
      const config = writeJson('config-par1.json', tapConfig(org.url, { api_type: 'REST' }));
      const r = await bench.tap(
        org,
        ['--config', config, '--catalog', cat],
        { kind: 'devnull' },
        `${stream} alone`,
      );
      singles.push(r.run.wallMs / 1000);
    }
    const largest = Math.max(...singles);
    const sumS = singles.reduce((a, b) => a + b, 0);
    const cat = writeJson('catalog-par.json', select(catalog, [...PARALLEL_STREAMS]));
    for (const workers of [1, PARALLEL_STREAMS.length]) {
      const config = writeJson(
        `config-par${workers}.json`,
        tapConfig(org.url, { api_type: 'REST', max_workers: workers }),
      );
      const r = await bench.tap(
        org,
        ['--config', config, '--catalog', cat],
        { kind: 'devnull' },
        `${PARALLEL_STREAMS.length} streams, max_workers ${workers}`,
      );
      const wallS = r.run.wallMs / 1000;
      bench.add({
        mode: `parallel w=${workers}`,
        sink: 'devnull',
        stream: `${PARALLEL_STREAMS.length} streams`,
        rows: r.run.rows ?? 0,
        wallS: round(wallS),
        rowsPerS: Math.round((r.run.rows ?? 0) / wallS),
        mbPerS: round(r.run.stdoutBytes / MB / wallS, 1),
        peakRssMb: Math.round(r.run.peakRssMb),
        apiCalls: r.stats.apiCalls,
        floorS: round(largest),
        parseS: null,
        ratio: round(wallS / largest),
        orgCpuPct: Math.round(r.orgCpuPct),
        note: `floor: largest stream alone; all alone one after another ${sumS.toFixed(2)} s`,
      });
    }
  } finally {
    await org.setFaults({ latencyMs: 0 });
  }
}

async function scale(bench: Bench, options: Options): Promise<void> {
  bench.say(`scale: BULK full sync of ${options.rows2} Account rows (RSS flatness)`);
  const org = await OrgProcess.start({
    records: { Account: options.rows2 },
    seed: 42,
    apiVersion: API_VERSION,
  });
  try {
    const catalog = await discoverCatalog(org, 'BULK', ['Account']);
    const cat = writeJson('catalog-scale.json', select(catalog, ['Account']));
    const config = writeJson('config-scale.json', tapConfig(org.url, { api_type: 'BULK' }));
    const r = await bench.tap(
      org,
      ['--config', config, '--catalog', cat],
      { kind: 'devnull' },
      `BULK ${options.rows2}`,
    );
    // No floor here: this run is about memory as rows double; the 1x run has the floor.
    bench.syncRow('bulk full', 'Account', 'devnull', r, null, 'scale run');
  } finally {
    await org.close();
  }
}

interface Check {
  target: string;
  value: string;
  met: boolean | null;
}

/** What the cores allow: the org's and the tap's CPU seconds in this run, spread over every core. */
function cpuBound(row: ResultRow): string {
  if (row.cpuBoundRatio == null || row.orgCpuS == null) return '';
  const floorOrg = row.floorOrgCpuS == null ? '' : `, ${row.floorOrgCpuS} during the floor`;
  return ` (org ${row.orgCpuS} CPU-s${floorOrg}; org and tap on ${cpus().length} cores allow no less than ${row.cpuBoundRatio}x)`;
}

function checks(rows: ResultRow[]): Check[] {
  const find = (mode: string, sink: string, note?: string): ResultRow | undefined =>
    rows.find(
      (r) =>
        r.mode === mode &&
        r.sink === sink &&
        r.stream === 'Account' &&
        (note ? r.note?.includes(note) : !r.note?.includes('scale run')),
    );
  const out: Check[] = [];
  const bulk = find('bulk full', 'devnull');
  const rest = find('rest full', 'devnull');
  const bulk2 = find('bulk full', 'devnull', 'scale run');
  const discovery = rows.find((r) => r.mode === 'discovery');
  const par = rows.find((r) => r.mode.startsWith('parallel w=') && !r.mode.endsWith('=1'));
  if (bulk) {
    out.push({
      target: 'BULK full sync within 1.5x of the fetch floor',
      value: `${bulk.ratio}x${cpuBound(bulk)}`,
      met: bulk.ratio !== null && bulk.ratio <= 1.5,
    });
    out.push({
      target: 'BULK peak RSS under 200 MB',
      value: `${bulk.peakRssMb} MB at ${bulk.rows} rows`,
      met: (bulk.peakRssMb ?? Infinity) < 200,
    });
  }
  if (bulk && bulk2) {
    const growth = ((bulk2.peakRssMb ?? 0) / (bulk.peakRssMb ?? 1) - 1) * 100;
    out.push({
      target: `BULK RSS flat: ${bulk2.rows} rows at most 10% above ${bulk.rows}`,
      value: `${bulk.peakRssMb} → ${bulk2.peakRssMb} MB (${growth >= 0 ? '+' : ''}${growth.toFixed(1)}%)`,
      met: growth <= 10,
    });
  }
  if (rest) {
    out.push({
      target: 'REST full sync within 2x of the fetch floor',
      value: `${rest.ratio}x${cpuBound(rest)}`,
      met: rest.ratio !== null && rest.ratio <= 2,
    });
  }
  for (const mode of ['rest full', 'bulk full']) {
    const slow = find(mode, 'slow');
    const fast = find(mode, 'devnull');
    if (slow && fast) {
      out.push({
        target: `${mode}: RSS bounded behind a slow consumer`,
        value: `${slow.peakRssMb} MB (vs ${fast.peakRssMb} MB to /dev/null); ${slow.ratio}x the consumer's own time`,
        met: (slow.peakRssMb ?? Infinity) <= (fast.peakRssMb ?? 0) * 1.25 + 20,
      });
    }
  }
  if (discovery) {
    out.push({
      target: 'discovery of ~1000 objects at 100 ms latency under 1 s, ~41 API calls',
      value: `${discovery.wallS} s, ${discovery.apiCalls} calls`,
      met: discovery.wallS < 1 && discovery.apiCalls <= 45,
    });
  }
  if (par) {
    out.push({
      target: 'parallel streams finish in about the time of the largest',
      value: `${par.ratio}x the largest alone`,
      met: par.ratio !== null && par.ratio <= 1.3,
    });
  }
  return out;
}

function formatChecks(list: Check[]): string {
  return [
    'targets:',
    ...list.map((c) => `  ${c.met === null ? '?' : c.met ? 'met ' : 'MISS'}  ${c.target}: ${c.value}`),
  ].join('\n');
}

const COLUMNS: Array<[string, (r: ResultRow) => string]> = [
  ['mode', (r) => r.mode],
  ['stream', (r) => r.stream],
  ['stdout', (r) => r.sink],
  ['rows', (r) => r.rows.toLocaleString('en-US')],
  ['wall s', (r) => r.wallS.toFixed(2)],
  ['rows/s', (r) => (r.rowsPerS === null ? '-' : r.rowsPerS.toLocaleString('en-US'))],
  ['MB/s', (r) => (r.mbPerS === null ? '-' : r.mbPerS.toFixed(1))],
  ['peak RSS MB', (r) => (r.peakRssMb === null ? '-' : String(r.peakRssMb))],
  ['API calls', (r) => String(r.apiCalls)],
  ['floor s', (r) => (r.floorS === null ? '-' : r.floorS.toFixed(2))],
  ['parse s', (r) => (r.parseS === null ? '-' : r.parseS.toFixed(2))],
  ['tap/floor', (r) => (r.ratio === null ? '-' : `${r.ratio.toFixed(2)}x`)],
  ['tap CPU', (r) => (r.tapCpuPct == null ? '-' : `${r.tapCpuPct}%`)],
  ['CPU tap/parse', (r) => (r.cpuRatio == null ? '-' : `${r.cpuRatio.toFixed(2)}x`)],
  ['org CPU', (r) => (r.orgCpuPct === null ? '-' : `${r.orgCpuPct}%`)],
];

/** A Markdown table (readable in a terminal, pasteable into the README). */
export function formatTable(rows: ResultRow[]): string {
  const header = COLUMNS.map(([name]) => name);
  const body = rows.map((r) => COLUMNS.map(([, get]) => get(r)));
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => (i <= 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i <= 2 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  const notes = rows
    .map((r, i) => (r.note ? `${i + 1}. ${r.mode} ${r.stream} ${r.sink}: ${r.note}` : ''))
    .filter(Boolean);
  return [line(header), rule, ...body.map(line), ...(notes.length ? ['', ...notes] : [])].join('\n');
}

if (process.argv[1] === import.meta.filename) await main();
