/**
 * Writes what is generated from the settings table (`src/settings.ts`): `schemas/config.schema.json`, its
 * validator compiled ahead of time by ajv (`src/generated/config-validator.ts`, so a run neither loads ajv's
 * compiler nor compiles the schema), and the configuration table in README.md (between the settings markers).
 *
 *   npm run generate           # rewrite both
 *   npm run generate -- --check  # exit 1 when either is stale
 *
 * test/config.test.ts fails when they drift.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Ajv } from 'ajv';
import standaloneModule from 'ajv/dist/standalone/index.js';
import { packageInfo } from '../src/about.js';
import { buildConfigSchema, renderSettingsTable } from '../src/settings.js';

export const TABLE_START = '<!-- settings:start (generated from src/settings.ts by npm run generate) -->';
export const TABLE_END = '<!-- settings:end -->';

export function configSchemaText(): string {
  return `${JSON.stringify(buildConfigSchema(), null, 2)}\n`;
}

/**
 * The config schema's validator as ajv's standalone code, in an ES module. ajv's runtime helpers are
 * CommonJS `require`s in that code, so the module makes itself a `require`.
 */
export function configValidatorText(): string {
  const ajv = new Ajv({ allErrors: true, strict: false, code: { source: true, esm: true } });
  const code = standaloneModule.default(ajv, ajv.compile(buildConfigSchema()));
  return [
    '// Generated from src/settings.ts by npm run generate (ajv standalone code); do not edit.',
    '// @ts-nocheck',
    "import { createRequire } from 'node:module';",
    'const require = createRequire(import.meta.url);',
    code,
    '',
  ].join('\n');
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
    { path: join(root, 'src', 'generated', 'config-validator.ts'), render: () => configValidatorText() },
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
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, want);
      process.stderr.write(`wrote ${path}\n`);
    }
  }
  process.exitCode = stale > 0 ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
