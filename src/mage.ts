/**
 * Mage mode: the flags Mage's data-integration pipelines pass to a source, translated into the tap's modes,
 * with Mage's output rules (see README "Mage" and integrations/mage/).
 *
 * Mage runs `python3 <source>/__init__.py <flags>`; our shim execs `node … mage <flags>` with the flags
 * untouched, so everything Mage-specific lives here:
 * - flags: `--config_json`, `--catalog_json`, `--state_json`, `--selected_streams_json`, `--query_json`,
 *   `--log_to_stdout`, `--settings`, `--discover_streams`, `--count_records`, `--test_connection`,
 *   `--show_templates`, `--load_sample_data` and the Singer ones; `--x v` and `--x=v`; unknown flags warned about;
 * - logs: Mage LOG lines on stdout with `--log_to_stdout` (sync merges stderr into stdout, so nothing else may
 *   go there), otherwise plain text on stderr; level ERROR only for the fatal error that ends the run;
 * - catalog entries carry the top-level keys Mage reads and edits (`replication_method`, `key_properties`,
 *   `replication_key`, `bookmark_properties`, `unique_constraints`…), and Mage's edits are applied at sync;
 * - STATE names only the streams of this run (Mage's batch destinations fail on any other).
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { packageInfo } from './about.js';
import { loadConfigFromValue, parseJsonText, type TapConfig } from './config.js';
import { runDiscovery } from './discovery/discover.js';
import { exclusionReason } from './discovery/exclusions.js';
import { ConfigError, EXIT, TapError } from './errors.js';
import { createLogger, type Logger, scrub, setLogger } from './log.js';
import { Progress } from './progress.js';
import type { SalesforceClient } from './salesforce/client.js';
import { openClient } from './salesforce/connect.js';
import { describeGlobal } from './salesforce/describe.js';
import { queryAllPath } from './salesforce/rest-query.js';
import { buildSoql } from './salesforce/soql.js';
import type { Catalog, CatalogStream, MetadataEntry } from './singer/catalog.js';
import type { TapState } from './singer/state.js';
import { validateCatalog, validateState } from './singer/validate.js';
import { runSync } from './sync/engine.js';
import { selectStream } from './sync/selection.js';
import { checkConnection, exitAfterFlush } from './test-connection.js';

// ---------------------------------------------------------------------------------------------------------
// Flags

const VALUE_FLAGS: Record<string, string> = {
  '--config_json': 'config_json',
  '--config': 'config',
  '-c': 'config',
  '--catalog_json': 'catalog_json',
  '--catalog': 'catalog',
  '--properties': 'catalog',
  '-p': 'catalog',
  '--state_json': 'state_json',
  '--state': 'state',
  '-s': 'state',
  '--selected_streams_json': 'selected_streams_json',
  '--selected_streams': 'selected_streams_json',
  '--query_json': 'query_json',
  '--query': 'query',
  '--settings': 'settings',
  '--log_to_stdout': 'log_to_stdout',
  '--input_file_path': 'input_file_path',
};

const BOOLEAN_FLAGS: Record<string, string> = {
  '--discover': 'discover',
  '-d': 'discover',
  '--discover_streams': 'discover_streams',
  '--count_records': 'count_records',
  '--test_connection': 'test_connection',
  '--load_sample_data': 'load_sample_data',
  '--show_templates': 'show_templates',
  '--debug': 'debug',
};

/** Flags that only Mage passes: any of them (or a leading `mage` word) switches the CLI into Mage mode. */
export const MAGE_ONLY_FLAGS = [
  '--config_json',
  '--catalog_json',
  '--state_json',
  '--selected_streams_json',
  '--selected_streams',
  '--query_json',
  '--log_to_stdout',
  '--settings',
  '--discover_streams',
  '--count_records',
  '--test_connection',
  '--show_templates',
  '--load_sample_data',
];

export function isMageInvocation(args: string[]): boolean {
  if (args[0] === 'mage') return true;
  return args.some((arg) => MAGE_ONLY_FLAGS.includes(arg.split('=')[0] ?? ''));
}

export interface MageArgs {
  values: Record<string, string>;
  flags: Set<string>;
  unknown: string[];
}

/** Mage's flag grammar: separate argv items or `--x=v`, any order, unknown flags kept aside (not fatal). */
export function parseMageArgs(args: string[]): MageArgs {
  const values: Record<string, string> = {};
  const flags = new Set<string>();
  const unknown: string[] = [];
  const list = args[0] === 'mage' ? args.slice(1) : args;
  for (let i = 0; i < list.length; i++) {
    const arg = list[i] as string;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const valueKey = VALUE_FLAGS[name];
    if (valueKey) {
      if (inline !== undefined) values[valueKey] = inline;
      else if (valueKey === 'log_to_stdout' && (list[i + 1] === undefined || list[i + 1]?.startsWith('--'))) {
        values[valueKey] = '1';
      } else {
        const next = list[i + 1];
        if (next === undefined) throw new ConfigError(`${name} needs a value`);
        values[valueKey] = next;
        i++;
      }
      continue;
    }
    const flagKey = BOOLEAN_FLAGS[name];
    if (flagKey) {
      flags.add(flagKey);
      continue;
    }
    if (arg.startsWith('-')) {
      unknown.push(name);
      // argparse-style `--unknown value`: skip the value too.
      if (inline === undefined && list[i + 1] !== undefined && !list[i + 1]?.startsWith('-')) i++;
    } else {
      unknown.push(arg);
    }
  }
  return { values, flags, unknown };
}

export type MageMode =
  | 'test_connection'
  | 'load_sample_data'
  | 'discover_streams'
  | 'discover'
  | 'count_records'
  | 'show_templates'
  | 'sync';

/** Mage's own order of precedence. */
export function mageMode(args: MageArgs): MageMode {
  const f = args.flags;
  if (f.has('test_connection')) return 'test_connection';
  if (f.has('load_sample_data')) return 'load_sample_data';
  if (f.has('discover')) return f.has('discover_streams') ? 'discover_streams' : 'discover';
  if (f.has('discover_streams')) return 'discover_streams';
  if (f.has('count_records')) return 'count_records';
  if (f.has('show_templates')) return 'show_templates';
  return 'sync';
}

function toStdout(args: MageArgs): boolean {
  const v = args.values.log_to_stdout;
  return v !== undefined && !['0', 'false', 'False', ''].includes(v);
}

// ---------------------------------------------------------------------------------------------------------
// Logs

/** Mage's LOG line. `timestamp` in seconds (milliseconds crash Mage), `tags` an object (or the line is dropped). */
export function mageLogLine(level: string, message: string, tags: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ type: 'LOG', level, message, tags, timestamp: Math.round(Date.now() / 1000) })}\n`;
}

const PINO_TO_MAGE: Record<number, string> = { 10: 'DEBUG', 20: 'DEBUG', 30: 'INFO' };

/**
 * Turns pino's JSON lines into Mage LOG lines on stdout, or into one plain line each on stderr. Warnings and
 * errors the tap recovers from stay below ERROR: in Mage any ERROR line fails the block at once.
 */
export function mageLogStream(options: { toStdout: boolean; out?: NodeJS.WritableStream }): Writable {
  const out = options.out ?? (options.toStdout ? process.stdout : process.stderr);
  return new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, callback) {
      let text = '';
      for (const line of chunk.toString().split('\n')) {
        if (!line) continue;
        let entry: Record<string, unknown>;
        try {
          entry = JSON.parse(line) as Record<string, unknown>;
        } catch {
          entry = { level: 30, msg: line };
        }
        const { level, time: _time, msg, pid: _pid, hostname: _host, ...tags } = entry;
        const mageLevel = PINO_TO_MAGE[Number(level)] ?? 'WARNING';
        const message = scrub(typeof msg === 'string' ? msg : JSON.stringify(msg ?? ''));
        if (options.toStdout) text += mageLogLine(mageLevel, message, tags);
        else
          text += `${mageLevel} ${message}${Object.keys(tags).length > 0 ? ` ${scrub(JSON.stringify(tags))}` : ''}\n`;
      }
      if (text) out.write(text);
      callback();
    },
  });
}

/**
 * The fatal-error recipe: an ERROR LOG line on stdout when logs go there (Mage shows its text as the block's
 * error), and always `ERROR {json}` on stderr (what Mage's test-connection and discover read).
 */
function writeFatal(message: string, toStdoutToo: boolean): void {
  const text = scrub(message).replace(/\s*\n\s*/g, ' ');
  const json = mageLogLine('ERROR', text, { error: text });
  if (toStdoutToo) process.stdout.write(json);
  process.stderr.write(`ERROR ${json}`);
}

// ---------------------------------------------------------------------------------------------------------
// Inputs (Mage's merge rules)

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read ${what} file ${path}: ${(error as Error).message}`);
  }
  if (text.trim() === '') return null;
  if (what === 'settings' && !/^\s*[{[]/.test(text)) {
    throw new ConfigError(
      `settings file ${path} is YAML; the Mage shim converts it when PyYAML is importable (see integrations/mage/README.md)`,
    );
  }
  return parseJsonText(text, `${what} file ${path}`);
}

function inline(args: MageArgs, key: string, label: string): unknown {
  const text = args.values[key];
  return text === undefined ? undefined : parseJsonText(text, label);
}

function asObject(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

export interface MageInputs {
  config: Record<string, unknown>;
  configPath: string | null;
  catalog: Catalog | null;
  state: TapState;
  selectedStreams: string[] | null;
  query: Record<string, unknown>;
}

export function readMageInputs(args: MageArgs): MageInputs {
  let settings: Record<string, unknown> = {};
  const settingsPath = args.values.settings;
  if (settingsPath) {
    try {
      settings = asObject(readJson(settingsPath, 'settings'));
    } finally {
      // A JSON copy of a YAML settings file made by the shim: it holds secrets, so it goes once read.
      if (process.env.TAP_SALESFORCE_TEMP_SETTINGS === settingsPath) rmSync(settingsPath, { force: true });
    }
  }
  const configFile = args.values.config;
  let config: Record<string, unknown> = configFile ? {} : { ...asObject(settings.config) };
  if (configFile) config = { ...config, ...asObject(readJson(configFile, 'config')) };
  const configJson = inline(args, 'config_json', '--config_json');
  if (configJson !== undefined) config = { ...config, ...asObject(configJson) };

  let catalogValue: unknown = args.values.catalog
    ? readJson(args.values.catalog, 'catalog')
    : (asObject(settings.data_integration).catalog ?? settings.catalog);
  const catalogJson = inline(args, 'catalog_json', '--catalog_json');
  if (catalogJson !== undefined) catalogValue = catalogJson;
  const catalog =
    catalogValue === undefined || catalogValue === null
      ? null
      : validateCatalog(catalogValue, 'Mage catalog');

  // The state file wins over --state_json (Mage's rule).
  const stateValue = args.values.state
    ? readJson(args.values.state, 'state')
    : inline(args, 'state_json', '--state_json');
  const state = validateState(stateValue ?? null, 'Mage state');

  const selected = inline(args, 'selected_streams_json', '--selected_streams_json');
  let selectedStreams: string[] | null = null;
  if (selected !== undefined && selected !== null) {
    if (!Array.isArray(selected) || selected.some((s) => typeof s !== 'string')) {
      throw new ConfigError('--selected_streams_json must be a JSON list of stream names');
    }
    selectedStreams = selected.length > 0 ? (selected as string[]) : null;
  }
  const query = {
    ...asObject(inline(args, 'query_json', '--query_json')),
    ...(args.values.query ? asObject(readJson(args.values.query, 'query')) : {}),
  };
  return { config, configPath: configFile ?? null, catalog, state, selectedStreams, query };
}

// ---------------------------------------------------------------------------------------------------------
// Catalog and state shapes

function rootEntry(entry: CatalogStream): MetadataEntry {
  let root = entry.metadata.find((m) => m.breadcrumb.length === 0);
  if (!root) {
    root = { breadcrumb: [], metadata: {} };
    entry.metadata.unshift(root);
  }
  return root;
}

/** Adds the top-level keys Mage reads and its UI edits; streams start unselected, as in Mage's own sources. */
export function toMageEntry(entry: CatalogStream): CatalogStream & Record<string, unknown> {
  const out = structuredClone(entry) as CatalogStream & Record<string, unknown>;
  out.metadata ??= [];
  const root = rootEntry(out);
  const method = out.replication_method ?? (root.metadata['replication-method'] as string | undefined);
  const key = out.replication_key ?? (root.metadata['replication-key'] as string | undefined);
  const keys = out.key_properties ?? (root.metadata['table-key-properties'] as string[] | undefined) ?? [];
  out.replication_method = method ?? (key ? 'INCREMENTAL' : 'FULL_TABLE');
  out.key_properties = keys;
  if (key && out.replication_method === 'INCREMENTAL') {
    out.replication_key = key;
    out.bookmark_properties = [key];
  } else {
    out.replication_key = '';
    out.bookmark_properties = [];
  }
  out.unique_constraints = keys;
  out.unique_conflict_method = 'UPDATE';
  out.auto_add_new_fields = false;
  out.run_in_parallel = false;
  if (!('selected' in root.metadata)) root.metadata.selected = false;
  return out;
}

/**
 * Applies what Mage's UI edits (top-level `replication_method`, `bookmark_properties`, `replication_key`) to
 * the metadata the sync engine reads.
 */
export function applyMageChoices(entry: CatalogStream & Record<string, unknown>): CatalogStream {
  const out = structuredClone(entry);
  out.metadata ??= [];
  const root = rootEntry(out);
  const method = out.replication_method;
  if (method === 'INCREMENTAL' || method === 'FULL_TABLE') root.metadata['replication-method'] = method;
  const bookmarks = Array.isArray(out.bookmark_properties) ? (out.bookmark_properties as unknown[]) : [];
  const key =
    (typeof bookmarks[0] === 'string' && bookmarks[0]) ||
    (typeof out.replication_key === 'string' && out.replication_key) ||
    null;
  if (key && method !== 'FULL_TABLE') root.metadata['replication-key'] = key;
  return out;
}

/** The catalog for this run: the selected streams only, Mage's choices applied. */
export function mageSyncCatalog(catalog: Catalog, selectedStreams: string[] | null): Catalog {
  const wanted = selectedStreams ? new Set(selectedStreams) : null;
  const streams = catalog.streams
    .filter((s) => !wanted || wanted.has(s.tap_stream_id) || wanted.has(s.stream))
    .map((s) => applyMageChoices(s as CatalogStream & Record<string, unknown>));
  return { streams };
}

/** Keeps only the bookmarks of this run's streams (Mage's destinations fail on any other). */
export function limitState(state: TapState, streams: string[]): TapState {
  const bookmarks: TapState['bookmarks'] = {};
  for (const stream of streams) {
    const bookmark = state.bookmarks[stream];
    if (bookmark) bookmarks[stream] = bookmark;
  }
  const current =
    state.currently_syncing && streams.includes(state.currently_syncing) ? state.currently_syncing : null;
  return { bookmarks, currently_syncing: current };
}

/**
 * Rewrites the engine's stdout for Mage: STATE values keep only this run's streams and name the stream in
 * `current_stream`; SCHEMA messages carry Mage's keys (`replication_method`, `unique_constraints`, …), which the
 * legacy destination needs because it gets no catalog. Whole lines in, whole lines out, backpressure kept.
 */
export class MageOutput extends Writable {
  private pending = '';
  private readonly streams: string[];
  private readonly entries: Map<string, CatalogStream>;
  private readonly out: NodeJS.WritableStream;

  constructor(catalog: Catalog, out: NodeJS.WritableStream = process.stdout) {
    super({ decodeStrings: false });
    this.streams = catalog.streams.map((s) => s.tap_stream_id);
    this.entries = new Map(catalog.streams.map((s) => [s.tap_stream_id, s]));
    this.out = out;
  }

  override _write(
    chunk: string | Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ) {
    const text = this.pending + chunk.toString();
    const end = text.lastIndexOf('\n');
    if (end < 0) {
      this.pending = text;
      callback();
      return;
    }
    this.pending = text.slice(end + 1);
    const lines = text
      .slice(0, end)
      .split('\n')
      .map((l) => this.rewrite(l));
    this.forward(`${lines.join('\n')}\n`, callback);
  }

  override _final(callback: (error?: Error | null) => void) {
    if (!this.pending) return callback();
    const line = this.rewrite(this.pending);
    this.pending = '';
    this.forward(`${line}\n`, callback);
  }

  private forward(text: string, callback: (error?: Error | null) => void): void {
    const onError = (error: Error) => callback(error);
    this.out.once('error', onError);
    this.out.write(text, (error) => {
      this.out.off('error', onError);
      callback(error ?? null);
    });
  }

  rewrite(line: string): string {
    if (line.startsWith('{"type":"STATE"')) {
      const message = JSON.parse(line) as { type: 'STATE'; value: TapState & { current_stream?: string } };
      const value = limitState(validateState(message.value, 'STATE'), this.streams);
      const current = value.currently_syncing ?? (this.streams.length === 1 ? this.streams[0] : null);
      return JSON.stringify({
        type: 'STATE',
        value: { ...value, ...(current ? { current_stream: current } : {}) },
      });
    }
    if (line.startsWith('{"type":"SCHEMA"')) {
      const message = JSON.parse(line) as Record<string, unknown>;
      const entry = this.entries.get(String(message.stream)) as
        | (CatalogStream & Record<string, unknown>)
        | undefined;
      const selection = entry ? selectStream(entry) : null;
      const keys = (message.key_properties as string[] | undefined) ?? [];
      return JSON.stringify({
        ...message,
        replication_method: selection?.method ?? entry?.replication_method ?? 'FULL_TABLE',
        unique_constraints: entry?.unique_constraints ?? keys,
        unique_conflict_method: entry?.unique_conflict_method ?? 'UPDATE',
      });
    }
    return line;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Modes

interface Context {
  args: MageArgs;
  logger: Logger;
  toStdout: boolean;
}

function loadConfig(inputs: MageInputs, logger: Logger): TapConfig {
  return loadConfigFromValue(inputs.config, inputs.configPath ?? '--config_json', {
    configPath: inputs.configPath,
    warn: (message) => logger.warn(message),
  });
}

async function writeOut(text: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    process.stdout.write(text, (error) => (error ? reject(error) : resolve()));
  });
}

function templatesDir(): string {
  const shim = process.env.SALESFORCE_TS_SHIM_DIR;
  return shim ? join(shim, 'templates') : join(packageInfo().root, 'integrations', 'mage', 'templates');
}

async function showTemplates(): Promise<void> {
  const config = JSON.parse(readFileSync(join(templatesDir(), 'config.json'), 'utf8')) as unknown;
  await writeOut(`${JSON.stringify({ config })}\n`);
}

async function discover(ctx: Context, inputs: MageInputs, streamsOnly: boolean): Promise<void> {
  const config = loadConfig(inputs, ctx.logger);
  const client = await openClient(config, ctx.logger);
  if (streamsOnly) {
    // The stream picker: names only, one describeGlobal call.
    const global = await describeGlobal(client);
    const names = global.sobjects
      .filter((o) => exclusionReason(o, config.apiType) === null)
      .map((o) => o.name)
      .sort();
    await writeOut(`${JSON.stringify(names.map((name) => ({ stream: name, tap_stream_id: name })))}\n`);
    return;
  }
  // Mage discovers again with the streams the user picked: describe only those.
  const scoped = inputs.selectedStreams ? { ...config, streams: inputs.selectedStreams } : config;
  const catalog = await runDiscovery({ config: scoped, client, logger: ctx.logger });
  await writeOut(`${JSON.stringify({ streams: catalog.streams.map(toMageEntry) })}\n`);
}

function streamsFor(inputs: MageInputs): string[] {
  if (inputs.selectedStreams) return inputs.selectedStreams;
  if (inputs.catalog)
    return inputs.catalog.streams.filter((s) => selectStream(s).selected).map((s) => s.tap_stream_id);
  return [];
}

function objectOf(inputs: MageInputs, stream: string): string {
  const entry = inputs.catalog?.streams.find((s) => s.tap_stream_id === stream);
  return entry?.table_name ?? entry?.stream ?? stream;
}

async function countRecords(ctx: Context, inputs: MageInputs): Promise<void> {
  const config = loadConfig(inputs, ctx.logger);
  const client = await openClient(config, ctx.logger);
  const out: Array<{ count: number; id: string; stream: string }> = [];
  for (const stream of streamsFor(inputs)) {
    const object = objectOf(inputs, stream);
    if (!/^\w+$/.test(object)) throw new ConfigError(`not an object name: ${JSON.stringify(object)}`);
    const result = await client.json<{ totalSize: number }>({
      path: queryAllPath(client, `SELECT COUNT() FROM ${object}`),
      label: 'count',
    });
    out.push({ count: result.totalSize, id: stream, stream });
  }
  await writeOut(`${JSON.stringify(out)}\n`);
}

const SAMPLE_ROWS = 100;

async function loadSampleData(ctx: Context, inputs: MageInputs): Promise<void> {
  const config = loadConfig(inputs, ctx.logger);
  const client: SalesforceClient = await openClient(config, ctx.logger);
  const catalog = inputs.catalog ? mageSyncCatalog(inputs.catalog, inputs.selectedStreams) : { streams: [] };
  for (const entry of catalog.streams) {
    const selection = selectStream(entry);
    const fields = selection.fields.filter((f) => !/^\W/.test(f));
    if (fields.length === 0) continue;
    const soql = `${buildSoql({ object: selection.object, fields })} LIMIT ${SAMPLE_ROWS}`;
    const page = await client.json<{ records: Array<Record<string, unknown>> }>({
      path: queryAllPath(client, soql),
      label: 'sample',
    });
    // pandas' "columns" orientation: {column: {row index: value}}.
    const columns: Record<string, Record<string, unknown>> = {};
    for (const field of fields) columns[field] = {};
    page.records.forEach((record, index) => {
      for (const field of fields)
        (columns[field] as Record<string, unknown>)[String(index)] = record[field] ?? null;
    });
    await writeOut(
      `${JSON.stringify({ type: 'SAMPLE_DATA', stream_id: entry.tap_stream_id, sample_data: JSON.stringify(columns) })}\n`,
    );
  }
}

async function testConnection(ctx: Context, inputs: MageInputs): Promise<void> {
  const config = loadConfig(inputs, ctx.logger);
  // Mage kills the check 10 s after it started the process; loading the tap takes part of that.
  const deadlineMs = Math.max(4000, 9500 - Math.round(process.uptime() * 1000));
  const result = await checkConnection(config, { deadlineMs });
  if (!result.ok) throw new TapError('auth', result.line.replace(/^FAILED:\s*/, ''));
  ctx.logger.info(result.line);
}

async function sync(ctx: Context, inputs: MageInputs): Promise<void> {
  const offset = Number(inputs.query._offset ?? 0);
  if (offset > 0) {
    throw new ConfigError(
      `--query_json asks for _offset ${offset}: this source does not page by offset (it must not be listed in Mage's SQL_SOURCES)`,
    );
  }
  if (!inputs.catalog)
    throw new ConfigError('no catalog: Mage passes it as --catalog_json, --catalog or --settings');
  const config = loadConfig(inputs, ctx.logger);
  const catalog = mageSyncCatalog(inputs.catalog, inputs.selectedStreams);
  const streams = catalog.streams.map((s) => s.tap_stream_id);
  if (streams.length === 0) {
    throw new ConfigError(`none of ${JSON.stringify(inputs.selectedStreams)} is in the catalog`);
  }
  // A FULL_TABLE stream starts over in every Mage run; bookmarks of other streams are not ours to read.
  const state = limitState(inputs.state, streams);
  for (const entry of catalog.streams) {
    if (selectStream(entry).method === 'FULL_TABLE') delete state.bookmarks[entry.tap_stream_id];
  }
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    ctx.logger.warn(`${signal} received: stopping after the last complete STATE`);
    controller.abort(new TapError('interrupted', `interrupted by ${signal}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const out = new MageOutput(catalog);
  // Periodic progress lines and the summary as LOG lines; METRIC points would only clutter Mage's log view.
  const progress = new Progress({ logger: ctx.logger, live: false, metrics: false });
  try {
    const client = await openClient(config, ctx.logger);
    await runSync({
      config,
      client,
      catalog,
      state,
      logger: ctx.logger,
      out,
      signal: controller.signal,
      progress,
    });
    await new Promise<void>((resolve, reject) =>
      out.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
    if (controller.signal.aborted) throw controller.signal.reason;
    progress.summarize(client.usage);
  } catch (error) {
    progress.stop();
    // The last valid STATE must reach stdout before the ERROR line: Mage stops reading at that line.
    await settle(out);
    if (error instanceof TapError && error.kind === 'quota' && config.quotaExitSuccess) {
      ctx.logger.warn(`${error.message}; exiting 0 because quota_exit_success is set (state saved)`);
      return;
    }
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Ends the output and waits until what it holds has been handed on (or the output broke). */
function settle(out: Writable): Promise<void> {
  if (out.writableFinished || out.destroyed) return Promise.resolve();
  return new Promise<void>((resolve) => {
    out.once('error', () => resolve());
    out.end(() => resolve());
  });
}

/** Runs one Mage invocation; resolves to the exit code. Never throws. */
export async function runMage(argv: string[]): Promise<number> {
  let logsToStdout = argv.some((a) => a === '--log_to_stdout' || a.startsWith('--log_to_stdout='));
  try {
    const args = parseMageArgs(argv);
    logsToStdout = toStdout(args);
    const level = (process.env.LOG_LEVEL ?? 'info').toLowerCase();
    const logger = createLogger({
      level: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(level) ? level : 'info',
      destination: mageLogStream({ toStdout: logsToStdout }),
      pretty: false,
    });
    setLogger(logger);
    if (args.unknown.length > 0) logger.warn(`ignoring unknown arguments: ${args.unknown.join(' ')}`);
    const ctx: Context = { args, logger, toStdout: logsToStdout };
    const mode = mageMode(args);
    if (mode === 'show_templates') {
      await showTemplates();
      return EXIT.ok;
    }
    const inputs = readMageInputs(args);
    switch (mode) {
      case 'test_connection':
        await testConnection(ctx, inputs);
        break;
      case 'discover':
        await discover(ctx, inputs, false);
        break;
      case 'discover_streams':
        await discover(ctx, inputs, true);
        break;
      case 'count_records':
        await countRecords(ctx, inputs);
        break;
      case 'load_sample_data':
        await loadSampleData(ctx, inputs);
        break;
      default:
        await sync(ctx, inputs);
    }
    return EXIT.ok;
  } catch (error) {
    writeFatal(error instanceof Error ? error.message : String(error), logsToStdout);
    // Mage kills a test connection after 10 s: do not wait for a login retry still sleeping on a dead host.
    if (argv.includes('--test_connection')) await exitAfterFlush('', EXIT.failure);
    return EXIT.failure;
  }
}
