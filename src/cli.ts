// Only what every command needs is imported here; each command loads the rest when it runs (`await import`),
// so that --about, --discover and a config error do not pay for the sync engine, Mage mode or the auth
// command, and --discover's login request leaves before discovery's own modules have loaded.
import { Command, CommanderError, Option } from 'commander';
import { ABOUT_FORMATS, type AboutFormat, packageInfo, renderAbout } from './about.js';
import { loadConfig, readJsonFile, type TapConfig } from './config.js';
import { EXIT, exitCodeFor, TapError } from './errors.js';
import { createLogger, type Logger, scrub, setLogger } from './log.js';
import type { SalesforceClient } from './salesforce/client.js';
import { openClient } from './salesforce/connect.js';
import type { Catalog } from './singer/catalog.js';

interface CliOptions {
  config?: string;
  discover?: boolean;
  catalog?: string;
  properties?: string;
  state?: string;
  about?: boolean;
  format: AboutFormat;
  test?: boolean;
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

function buildProgram(): Command {
  const pkg = packageInfo();
  return new Command(pkg.name)
    .description(
      `${pkg.description}.\nSinger messages go to stdout, logs to stderr (level from LOG_LEVEL, default info).`,
    )
    .option('-c, --config <file>', 'config file (JSON; see README "Configuration" or --about)')
    .option('-d, --discover', 'print the catalog of the org to stdout')
    .option('--catalog <file>', 'sync the streams selected in this catalog')
    .option('-p, --properties <file>', 'legacy spelling of --catalog')
    .option('-s, --state <file>', 'resume from this state (the last STATE value of a previous run)')
    .option('--test', 'check the credentials and the connection, then exit')
    .option('--about', "print the tap's name, version, capabilities and settings")
    .addOption(
      new Option('--format <format>', 'format of --about').choices([...ABOUT_FORMATS]).default('text'),
    )
    .version(pkg.version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  tap-salesforce --config config.json --discover > catalog.json',
        '  tap-salesforce --config config.json --catalog catalog.json --state state.json | target-jsonl',
        '  tap-salesforce --about --format json',
        '',
        'Exit codes: 0 success, 1 failure, 2 API quota guard stopped the run (state saved),',
        '3 bad usage or config, 130 interrupted.',
      ].join('\n'),
    )
    .allowUnknownOption()
    .allowExcessArguments()
    .exitOverride()
    .configureOutput({ outputError: () => {} });
}

/**
 * False when every option is one of the CLI's own, which no Mage invocation is (Mage mode is a leading `mage`
 * word or a flag only Mage passes): then Mage mode, and the sync engine it imports, are not loaded at all.
 */
export function mightBeMage(args: string[], program: Command = buildProgram()): boolean {
  if (args[0] === 'mage') return true;
  const own = new Set(['-h', '--help']);
  for (const option of program.options) {
    if (option.short) own.add(option.short);
    if (option.long) own.add(option.long);
  }
  return args.some((arg) => arg.startsWith('-') && !own.has(arg.split('=')[0] ?? ''));
}

/** Runs the tap. Never throws: failures print one line on stderr and set `process.exitCode`. */
export async function main(argv: string[]): Promise<void> {
  try {
    if (argv[2] === 'auth') {
      const { runAuthCommand } = await import('./auth-command.js');
      process.exitCode = await runAuthCommand(argv.slice(3));
      return;
    }
    const program = buildProgram();
    if (mightBeMage(argv.slice(2), program)) {
      const { isMageInvocation, runMage } = await import('./mage.js');
      if (isMageInvocation(argv.slice(2))) {
        process.exitCode = await runMage(argv.slice(2));
        return;
      }
    }
    await run(argv, program);
  } catch (error) {
    process.exitCode = report(error);
  }
}

function report(error: unknown): number {
  if (error instanceof CommanderError) {
    if (error.exitCode === 0) return EXIT.ok; // --help, --version
    const message = error.message.replace(/^error:\s*/i, '');
    writeError(`${message} (see --help)`);
    return EXIT.usage;
  }
  if (error instanceof TapError) {
    writeError(error.message);
    return exitCodeFor(error);
  }
  const message = error instanceof Error ? error.message : String(error);
  writeError(`unexpected error: ${message}`);
  if (error instanceof Error && error.stack && process.env.LOG_LEVEL?.toLowerCase() === 'debug') {
    process.stderr.write(`${scrub(error.stack)}\n`);
  }
  return EXIT.failure;
}

function writeError(message: string): void {
  const oneLine = scrub(message).replace(/\s*\n\s*/g, ' ');
  process.stderr.write(`tap-salesforce: ${oneLine}\n`);
}

function makeLogger(): Logger {
  const wanted = (process.env.LOG_LEVEL ?? 'info').trim().toLowerCase();
  const logger = createLogger({ level: LEVELS.includes(wanted) ? wanted : 'info' });
  if (!LEVELS.includes(wanted)) {
    logger.warn(
      `LOG_LEVEL ${JSON.stringify(process.env.LOG_LEVEL)} is not one of ${LEVELS.join(', ')}; using info`,
    );
  }
  setLogger(logger);
  return logger;
}

async function run(argv: string[], program: Command): Promise<void> {
  program.parse(argv);
  const opts = program.opts<CliOptions>();
  const logger = makeLogger();

  const ignored = program.args.filter((arg) => arg.startsWith('-')).map((arg) => arg.split('=')[0]);
  if (ignored.length > 0) logger.warn(`ignoring unknown options: ${ignored.join(', ')}`);

  if (opts.about) {
    await writeStdout(renderAbout(opts.format));
    return;
  }

  for (const flag of ['config', 'catalog', 'properties', 'state'] as const) {
    const value = opts[flag];
    if (value?.startsWith('-')) {
      throw new TapError('usage', `--${flag} needs a file name, got ${JSON.stringify(value)} (see --help)`);
    }
  }
  const catalogPath = opts.catalog ?? opts.properties;
  if (opts.catalog && opts.properties) logger.warn('both --catalog and --properties given; using --catalog');
  if (!opts.discover && !catalogPath && !opts.test && !opts.config) {
    throw new TapError('usage', 'nothing to do: give --discover, --catalog FILE or --about (see --help)');
  }
  if (!opts.config) throw new TapError('usage', 'missing --config FILE (see --help)');
  const config = await loadConfig(opts.config);

  if (opts.test) {
    const { runConnectionTest } = await import('./test-connection.js');
    process.exitCode = await runConnectionTest(config);
    return;
  }

  if (opts.discover) {
    if (catalogPath) logger.warn('--discover given with a catalog; discovering, not syncing');
    // The login request goes out first; discovery's modules load while it is on the way.
    const [client, { runDiscoveryJson }] = await Promise.all([
      openClient(config, logger),
      import('./discovery/discover.js'),
    ]);
    await writeStdout(await runDiscoveryJson({ config, client, logger }));
    return;
  }

  await sync(config, catalogPath ?? null, opts.state, logger);
}

function requireStreams(config: TapConfig): string[] {
  if (config.streams) return config.streams;
  throw new TapError(
    'usage',
    'no catalog and no "streams" in the config: run --discover > catalog.json, select streams and pass --catalog catalog.json, or set "streams" in the config to sync those objects with their default fields',
  );
}

/** Only `--config` (how singer-check-tap runs a tap): the objects named in `streams`, default field selection. */
async function catalogFromStreams(
  config: TapConfig,
  client: SalesforceClient,
  logger: Logger,
): Promise<Catalog> {
  const streams = requireStreams(config);
  const { runDiscovery } = await import('./discovery/discover.js');
  const catalog = await runDiscovery({ config, client, logger });
  for (const entry of catalog.streams) {
    const root = entry.metadata.find((m) => m.breadcrumb.length === 0);
    if (root) root.metadata.selected = true;
    else entry.metadata.unshift({ breadcrumb: [], metadata: { selected: true } });
  }
  logger.info(`no catalog given: syncing the streams named in the config (${streams.join(', ')})`);
  return catalog;
}

async function sync(
  config: TapConfig,
  catalogPath: string | null,
  statePath: string | undefined,
  logger: Logger,
) {
  if (!catalogPath) requireStreams(config);
  const [{ validateCatalog, validateState }, { runSync }, { Progress }] = await Promise.all([
    import('./singer/validate.js'),
    import('./sync/engine.js'),
    import('./progress.js'),
  ]);
  const given = catalogPath
    ? validateCatalog(await readJsonFile(catalogPath, 'catalog'), `catalog file ${catalogPath}`)
    : null;
  const state = statePath
    ? validateState(await readJsonFile(statePath, 'state', { empty: null }), `state file ${statePath}`)
    : validateState(undefined, 'no state');

  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      // A second signal: the user does not want to wait for the last STATE.
      process.stderr.write(`tap-salesforce: ${signal} again, exiting now\n`);
      process.exit(EXIT.interrupted);
    }
    logger.warn(`${signal} received: stopping after the last complete STATE`);
    controller.abort(new TapError('interrupted', `interrupted by ${signal}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress = new Progress({ logger });
  try {
    const client = await openClient(config, logger, { onRequest: (event) => progress.request(event) });
    const catalog = given ?? (await catalogFromStreams(config, client, logger));
    await runSync({
      config,
      client,
      catalog,
      state,
      logger,
      out: process.stdout,
      signal: controller.signal,
      progress,
    });
    if (controller.signal.aborted) throw controller.signal.reason;
    progress.summarize(client.usage);
  } catch (error) {
    progress.stop();
    if (error instanceof TapError && error.kind === 'quota' && config.quotaExitSuccess) {
      logger.warn(`${error.message}; exiting 0 because quota_exit_success is set (state saved)`);
      return;
    }
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * Writes `data` (or its pieces, in order and in one go) to stdout; resolves once the last piece is handed to
 * the OS. A closed reader is an 'output' error.
 */
function writeStdout(data: string | Buffer | readonly Buffer[]): Promise<void> {
  const parts = typeof data === 'string' || Buffer.isBuffer(data) ? [data] : data;
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(
        error.code === 'EPIPE'
          ? new TapError('output', 'stdout was closed by the reader')
          : new TapError('output', `cannot write to stdout: ${error.message}`),
      );
    };
    process.stdout.once('error', onError);
    const done = (error?: Error | null): void => {
      process.stdout.off('error', onError);
      if (error) onError(error);
      else resolve();
    };
    if (parts.length === 0) return done();
    process.stdout.cork();
    for (const [i, part] of parts.entries()) {
      if (i < parts.length - 1) process.stdout.write(part);
      else process.stdout.write(part, done);
    }
    process.stdout.uncork();
  });
}
