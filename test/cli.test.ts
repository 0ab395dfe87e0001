import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { buildAbout, CAPABILITIES, renderAboutMarkdown, renderAboutText } from '../src/about.js';
import { mightBeMage } from '../src/cli.js';
import { isMageInvocation, MAGE_ONLY_FLAGS } from '../src/mage.js';
import { renderSettingsTable, SETTINGS } from '../src/settings.js';
import { ROOT, runTap, writeTempFiles } from './helpers/tap.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const aboutSchema = JSON.parse(readFileSync(join(ROOT, 'schemas', 'about.schema.json'), 'utf8')) as object;
const OAUTH = { client_id: 'cid', client_secret: 'cli-test-secret', refresh_token: 'cli-test-refresh' };

/** The one line the CLI prints on stderr for a failure. */
function errorLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.startsWith('tap-salesforce: '));
  expect(lines).toHaveLength(1);
  return lines[0] ?? '';
}

describe('--about', () => {
  it('--about --format json validates against schemas/about.schema.json', async () => {
    const run = await runTap(['--about', '--format', 'json']);
    expect(run.code).toBe(0);
    const about = JSON.parse(run.stdout) as Record<string, unknown>;
    const validate = new Ajv({ allErrors: true, strict: true }).compile(aboutSchema);
    expect(validate(about), JSON.stringify(validate.errors)).toBe(true);
    expect(about).toMatchObject({ name: 'tap-salesforce', version: pkg.version });
    expect(about.capabilities).toEqual(expect.arrayContaining(['catalog', 'discover', 'state', 'about']));
  });

  it('--format=json (the Meltano spelling) works too and needs no config', async () => {
    const run = await runTap(['--about', '--format=json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(buildAbout());
  });

  it('the JSON lists every setting with type, default and which are secret', () => {
    const settings = buildAbout().settings as { properties: Record<string, Record<string, unknown>> };
    expect(Object.keys(settings.properties)).toEqual(SETTINGS.map((s) => s.name));
    expect(settings.properties.client_secret).toMatchObject({ type: 'string', secret: true });
    expect(settings.properties.refresh_token).toMatchObject({ secret: true });
    expect(settings.properties.threshold).toMatchObject({
      type: 'integer',
      default: 1000,
      aliases: ['state_message_threshold'],
    });
    expect(settings.properties.api_type).toMatchObject({ enum: ['REST', 'BULK'], default: 'REST' });
    expect(settings.properties.client_id).not.toHaveProperty('secret');
  });

  it('the settings in the about document are a valid JSON Schema', () => {
    expect(() => new Ajv({ strict: false }).compile(buildAbout().settings)).not.toThrow();
  });

  it('text: name, version, capabilities and each setting with its type, default and secrecy', async () => {
    const run = await runTap(['--about']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(renderAboutText());
    expect(run.stdout).toContain(`Version: ${pkg.version}`);
    expect(run.stdout).toContain(`Capabilities: ${CAPABILITIES.join(', ')}`);
    expect(run.stdout).toContain('  client_secret (password, secret)');
    expect(run.stdout).toContain('  threshold (integer, default 1000, alias state_message_threshold)');
    expect(run.stdout).toContain('  api_type (options: REST|BULK, default "REST")');
  });

  it('markdown: the settings table', async () => {
    const run = await runTap(['--about', '--format', 'markdown']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(renderAboutMarkdown());
    expect(run.stdout).toContain(renderSettingsTable());
  });

  it('given an unknown format, then a usage error naming the choices', async () => {
    const run = await runTap(['--about', '--format', 'xml']);
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(errorLine(run.stderr)).toBe(
      "tap-salesforce: option '--format <format>' argument 'xml' is invalid. Allowed choices are text, json, markdown. (see --help)",
    );
  });
});

describe('--version and --help', () => {
  it('--version prints the version', async () => {
    const run = await runTap(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${pkg.version}\n`);
    expect(run.stderr).toBe('');
  });

  it('--help lists every option, examples and exit codes', async () => {
    const run = await runTap(['--help']);
    expect(run.code).toBe(0);
    for (const flag of [
      '--config',
      '--discover',
      '--catalog',
      '--properties',
      '--state',
      '--about',
      '--format',
      '--version',
    ]) {
      expect(run.stdout).toContain(flag);
    }
    expect(run.stdout).toContain('Exit codes:');
    expect(run.stderr).toBe('');
  });
});

describe('usage errors', () => {
  it.each<[string[], string]>([
    [[], 'tap-salesforce: nothing to do: give --discover, --catalog FILE or --about (see --help)'],
    [['--discover'], 'tap-salesforce: missing --config FILE (see --help)'],
    [['--catalog', 'catalog.json'], 'tap-salesforce: missing --config FILE (see --help)'],
    [['--config'], "tap-salesforce: option '-c, --config <file>' argument missing (see --help)"],
    [['--config', '--discover'], 'tap-salesforce: --config needs a file name, got "--discover" (see --help)'],
    [
      ['--discover', '--config', '/nonexistent/config.json'],
      'tap-salesforce: config file /nonexistent/config.json does not exist',
    ],
  ])('%j → exit 3 with one line', async (args, line) => {
    const run = await runTap(args);
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(errorLine(run.stderr)).toBe(line);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('given an unknown option, then warns (naming the flag, not its value) and carries on', async () => {
    const run = await runTap([
      '--about',
      '--format',
      'json',
      '--orchestrator-run-id',
      'zzz-77',
      '--flavour=yyy-88',
    ]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ name: 'tap-salesforce' });
    expect(run.stderr).toContain('ignoring unknown options: --orchestrator-run-id, --flavour');
    expect(run.stderr).not.toContain('zzz-77');
    expect(run.stderr).not.toContain('yyy-88');
  });

  it('given a bad LOG_LEVEL, then warns and logs at info', async () => {
    const run = await runTap(['--about', '--format', 'json'], { env: { LOG_LEVEL: 'loud' } });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      'LOG_LEVEL \\"loud\\" is not one of trace, debug, info, warn, error, fatal, silent; using info',
    );
  });
});

describe('config, catalog and state files', () => {
  it('given invalid JSON in the config, then one line naming the file and position', async () => {
    const files = writeTempFiles({ 'config.json': '{"client_id": "x",\n "threshold": }' });
    const run = await runTap(['--config', files['config.json']!, '--discover']);
    expect(run.code).toBe(3);
    expect(errorLine(run.stderr)).toBe(
      `tap-salesforce: config file ${files['config.json']} is not valid JSON (line 2, column 15)`,
    );
  });

  it('given a bad key, then one line naming the file and the key', async () => {
    const files = writeTempFiles({ 'config.json': { ...OAUTH, start_date: 'last tuesday' } });
    const run = await runTap(['--config', files['config.json']!, '--discover']);
    expect(run.code).toBe(3);
    expect(errorLine(run.stderr)).toBe(
      `tap-salesforce: config file ${files['config.json']}: "start_date" is not an ISO-8601 date or date-time: "last tuesday" (e.g. "2024-01-01" or "2024-01-01T00:00:00Z")`,
    );
  });

  it('given unknown config keys, then one warning on stderr', async () => {
    const files = writeTempFiles({ 'config.json': { ...OAUTH, orchestrator_key: 1 } });
    const run = await runTap(['--config', files['config.json']!, '--catalog', '/nonexistent/catalog.json']);
    expect(run.stderr).toContain('ignoring unknown keys \\"orchestrator_key\\"');
    expect(errorLine(run.stderr)).toBe(
      'tap-salesforce: catalog file /nonexistent/catalog.json does not exist',
    );
    expect(run.code).toBe(3);
  });

  it('given a missing catalog (legacy --properties), then names it', async () => {
    const files = writeTempFiles({ 'config.json': OAUTH });
    const run = await runTap(['--config', files['config.json']!, '--properties', '/nonexistent/props.json']);
    expect(run.code).toBe(3);
    expect(errorLine(run.stderr)).toBe('tap-salesforce: catalog file /nonexistent/props.json does not exist');
  });

  it('given a catalog that is not JSON, then names it', async () => {
    const files = writeTempFiles({ 'config.json': OAUTH, 'catalog.json': 'streams:' });
    const run = await runTap(['--config', files['config.json']!, '--catalog', files['catalog.json']!]);
    expect(run.code).toBe(3);
    expect(errorLine(run.stderr)).toBe(
      `tap-salesforce: catalog file ${files['catalog.json']} is not valid JSON (line 1, column 1)`,
    );
  });

  it('given a missing state file, then names it', async () => {
    const files = writeTempFiles({ 'config.json': OAUTH, 'catalog.json': { streams: [] } });
    const run = await runTap([
      '--config',
      files['config.json']!,
      '--catalog',
      files['catalog.json']!,
      '--state',
      '/nonexistent/state.json',
    ]);
    expect(run.code).toBe(3);
    expect(errorLine(run.stderr)).toBe('tap-salesforce: state file /nonexistent/state.json does not exist');
  });
});

describe('Mage mode detection', () => {
  it('given any Mage invocation, then the CLI loads Mage mode to check it', () => {
    const invocations = [
      ['mage', '--config', 'c.json'],
      ...MAGE_ONLY_FLAGS.flatMap((flag) => [[flag, 'x'], [`${flag}=x`], ['--config', 'c.json', flag]]),
    ];
    for (const args of invocations) {
      expect(isMageInvocation(args), args.join(' ')).toBe(true);
      expect(mightBeMage(args), args.join(' ')).toBe(true);
    }
  });

  it("given only the CLI's own options, then Mage mode is not loaded", () => {
    for (const args of [
      ['--config', 'c.json', '--discover'],
      ['-c', 'c.json', '-d'],
      ['--config=c.json', '--catalog', 'cat.json', '--state', 's.json'],
      ['-c', 'c.json', '-p', 'props.json', '-s', 's.json'],
      ['--about', '--format=json'],
      ['--about', '--format', 'markdown'],
      ['--test', '--config', 'c.json'],
      ['--version'],
      ['-V'],
      ['-h'],
      ['--help'],
    ]) {
      expect(mightBeMage(args), args.join(' ')).toBe(false);
    }
  });
});
