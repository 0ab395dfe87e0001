/**
 * Writes what is generated from the settings table (`src/settings.ts`):
 * `schemas/config.schema.json` and the configuration table in README.md (between the settings markers).
 *
 *   npm run generate           # rewrite both
 *   npm run generate -- --check  # exit 1 when either is stale
 *
 * test/config.test.ts fails when they drift.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageInfo } from '../src/about.js';
import { buildConfigSchema, renderSettingsTable } from '../src/settings.js';

export const TABLE_START = '<!-- settings:start (generated from src/settings.ts by npm run generate) -->';
export const TABLE_END = '<!-- settings:end -->';

export function configSchemaText(): string {
  return `${JSON.stringify(buildConfigSchema(), null, 2)}\n`;
}

/** README text with the configuration table replaced. */
export function withSettingsTable(readme: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error('README.md has no settings markers');
  return `${readme.slice(0, start + TABLE_START.length)}\n${renderSettingsTable()}\n${readme.slice(end)}`;
}

function main(): void {
  const check = process.argv.includes('--check');
  const root = packageInfo().root;
  const targets = [
    { path: join(root, 'schemas', 'config.schema.json'), render: () => configSchemaText() },
    {
      path: join(root, 'README.md'),
      render: () => withSettingsTable(readFileSync(join(root, 'README.md'), 'utf8')),
    },
  ];
  let stale = 0;
  for (const { path, render } of targets) {
    const want = render();
    let have = '';
    try {
      have = readFileSync(path, 'utf8');
    } catch {
      // written below
    }
    if (have === want) continue;
    if (check) {
      process.stderr.write(`${path} is stale: run npm run generate\n`);
      stale++;
    } else {
      writeFileSync(path, want);
      process.stderr.write(`wrote ${path}\n`);
    }
  }
  process.exitCode = stale > 0 ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
