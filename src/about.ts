import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAboutSettings, renderSettingsTable, SETTINGS } from './settings.js';

/**
 * What the tap can do, in Meltano's vocabulary (`capabilities` in a plugin definition). `properties`: the
 * legacy `--properties` flag is accepted too. Not `structured-logging`: Meltano expects the SDK's log record
 * shape, not pino's.
 */
export const CAPABILITIES: string[] = [
  'catalog',
  'properties',
  'discover',
  'state',
  'about',
  'test',
  'activate-version',
];

export type AboutFormat = 'text' | 'json' | 'markdown';
export const ABOUT_FORMATS: readonly AboutFormat[] = ['text', 'json', 'markdown'];

export interface PackageInfo {
  name: string;
  version: string;
  description: string;
  /** `engines.node` of package.json, e.g. `>=22.19`. */
  node: string;
  /** The folder holding package.json (the source checkout or the installed package). */
  root: string;
}

let cached: PackageInfo | undefined;

/** name, version and description from the package's own package.json, found from this file upwards. */
export function packageInfo(): PackageInfo {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as Record<string, unknown>;
      if (pkg.name === 'tap-salesforce') {
        cached = {
          name: String(pkg.name),
          version: String(pkg.version),
          description: String(pkg.description ?? ''),
          node: String((pkg.engines as Record<string, unknown> | undefined)?.node ?? '>=22'),
          root: dir,
        };
        return cached;
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json of tap-salesforce not found');
    dir = parent;
  }
}

export interface About {
  name: string;
  description: string;
  version: string;
  capabilities: string[];
  /** Node versions the tap runs on (the Meltano SDK's `supported_python_versions`, for Node). */
  supported_node_versions: string;
  /** A JSON Schema of the settings; `secret: true` marks secrets. */
  settings: Record<string, unknown>;
}

export function buildAbout(): About {
  const pkg = packageInfo();
  return {
    name: pkg.name,
    description: pkg.description,
    version: pkg.version,
    capabilities: [...CAPABILITIES],
    supported_node_versions: pkg.node,
    settings: buildAboutSettings(),
  };
}

function showDefault(value: unknown): string {
  if (value === null || value === undefined) return '';
  return `, default ${JSON.stringify(value)}`;
}

/** The text of `--about`, for people. */
export function renderAboutText(about: About = buildAbout()): string {
  const lines = [
    `Name: ${about.name}`,
    `Description: ${about.description}`,
    `Version: ${about.version}`,
    `Capabilities: ${about.capabilities.join(', ')}`,
    `Node: ${about.supported_node_versions}`,
    'Settings:',
  ];
  for (const s of SETTINGS) {
    const type = s.options ? `${s.kind}: ${s.options.join('|')}` : s.kind;
    const aliases = s.aliases.length > 0 ? `, alias ${s.aliases.join(', ')}` : '';
    lines.push(`  ${s.name} (${type}${showDefault(s.default)}${s.secret ? ', secret' : ''}${aliases})`);
    lines.push(`      ${s.description.replace(/`/g, '')}`);
  }
  return `${lines.join('\n')}\n`;
}

export function renderAboutMarkdown(about: About = buildAbout()): string {
  return [
    `# ${about.name}`,
    '',
    about.description,
    '',
    `Version: ${about.version}`,
    '',
    '## Capabilities',
    '',
    ...about.capabilities.map((c) => `- \`${c}\``),
    '',
    '## Settings',
    '',
    renderSettingsTable(),
    '',
  ].join('\n');
}

export function renderAbout(format: AboutFormat): string {
  const about = buildAbout();
  switch (format) {
    case 'json':
      return `${JSON.stringify(about, null, 2)}\n`;
    case 'markdown':
      return renderAboutMarkdown(about);
    default:
      return renderAboutText(about);
  }
}
