/**
 * Renders `integrations/meltano/meltano.yml` from the settings table (`src/settings.ts`) and the capabilities
 * `--about` reports, so the Meltano definition and `--about --format json` cannot drift apart.
 *
 *   npm run build && node dist/scripts/meltano-definition.js          # rewrite the file
 *   npm run build && node dist/scripts/meltano-definition.js --check  # exit 1 when it is stale
 *
 * test/ecosystem/meltano.test.ts checks the file against both.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildAbout, packageInfo } from '../src/about.js';
import { CREDENTIAL_SETS, SETTINGS, type Setting, type SettingValue } from '../src/settings.js';

export const MELTANO_FILE = join('integrations', 'meltano', 'meltano.yml');

/** One Meltano setting definition, as it appears under `settings:`. */
export interface MeltanoSetting {
  name: string;
  kind: string;
  label: string;
  description: string;
  value?: SettingValue;
  options?: Array<{ label: string; value: string }>;
  sensitive?: boolean;
}

export function meltanoSetting(setting: Setting): MeltanoSetting {
  const out: MeltanoSetting = {
    name: setting.name,
    kind: setting.kind,
    label: setting.label,
    description: setting.description,
  };
  if (setting.default !== null) out.value = setting.default;
  if (setting.options) out.options = setting.options.map((o) => ({ label: o, value: o }));
  if (setting.secret) out.sensitive = true;
  return out;
}

/** A YAML scalar that reads back as the same value (JSON strings are valid YAML double-quoted scalars). */
function scalar(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  return JSON.stringify(String(value));
}

function yamlValue(value: SettingValue | undefined): string {
  if (Array.isArray(value)) return `[${value.map(scalar).join(', ')}]`;
  return scalar(value ?? null);
}

export function renderMeltanoDefinition(): string {
  const about = buildAbout();
  const pkg = packageInfo();
  const lines = [
    '# Meltano plugin definition for tap-salesforce (a Node program: no pip_url, the executable must be on PATH).',
    "# Copy the extractor below into your project's meltano.yml, or run `meltano add --custom extractor tap-salesforce`",
    '# and answer with these values. Generated from src/settings.ts by scripts/meltano-definition.ts; do not edit.',
    'plugins:',
    '  extractors:',
    '    - name: tap-salesforce',
    '      namespace: tap_salesforce',
    '      label: Salesforce',
    `      description: ${scalar(pkg.description)}`,
    '      executable: tap-salesforce',
    '      capabilities:',
    ...about.capabilities.map((c) => `        - ${c}`),
    '      settings_group_validation:',
    ...CREDENTIAL_SETS.map((set) => `        - [${set.keys.join(', ')}]`),
    '      settings:',
  ];
  for (const setting of SETTINGS.map(meltanoSetting)) {
    lines.push(`        - name: ${setting.name}`);
    lines.push(`          kind: ${setting.kind}`);
    lines.push(`          label: ${scalar(setting.label)}`);
    lines.push(`          description: ${scalar(setting.description)}`);
    if (setting.value !== undefined) lines.push(`          value: ${yamlValue(setting.value)}`);
    if (setting.options) {
      lines.push('          options:');
      for (const option of setting.options) {
        lines.push(`            - label: ${scalar(option.label)}`);
        lines.push(`              value: ${scalar(option.value)}`);
      }
    }
    if (setting.sensitive) lines.push('          sensitive: true');
  }
  return `${lines.join('\n')}\n`;
}

function main(argv: string[]): number {
  const path = join(packageInfo().root, MELTANO_FILE);
  const text = renderMeltanoDefinition();
  if (argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      // missing counts as stale
    }
    if (current === text) return 0;
    process.stderr.write(`${MELTANO_FILE} is stale; run: node dist/scripts/meltano-definition.js\n`);
    return 1;
  }
  writeFileSync(path, text);
  process.stderr.write(`wrote ${MELTANO_FILE}\n`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
