/**
 * Compiles assembly/csv-lines.ts (AssemblyScript) into src/generated/csv-lines-wasm.ts, the module's bytes in
 * base64, so that the tap ships and loads it without a compiler.
 *
 *   npm run generate            # rewrites it (with the other generated files)
 *   node dist/scripts/csv-lines-wasm.js --check   # exit 1 when it is stale
 *
 * test/bulk/csv-lines-wasm.test.ts fails when it drifts from its source.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import asc from 'assemblyscript/asc';
import { packageInfo } from '../src/about.js';

const SOURCE = join('assembly', 'csv-lines.ts');
export const GENERATED = join('src', 'generated', 'csv-lines-wasm.ts');

/** `-O3` with SIMD; the stub runtime, since nothing there allocates. */
const FLAGS = ['-O3', '--noAssert', '--runtime', 'stub', '--enable', 'simd'];

export async function csvLinesWasmText(root: string): Promise<string> {
  const files: Record<string, Uint8Array | string> = {};
  const errors: string[] = [];
  const { error } = await asc.main([join(root, SOURCE), ...FLAGS, '--outFile', 'csv-lines.wasm'], {
    writeFile(name, contents) {
      files[name] = contents;
    },
    stdout: { write: () => true },
    stderr: {
      write: (text: string | Uint8Array) => {
        errors.push(String(text));
        return true;
      },
    },
  });
  const wasm = files['csv-lines.wasm'];
  if (error || !(wasm instanceof Uint8Array))
    throw new Error(`asc failed: ${error?.message}\n${errors.join('')}`);
  return [
    `// Generated from ${SOURCE} by npm run generate (AssemblyScript ${FLAGS.join(' ')}); do not edit.`,
    `export const CSV_LINES_WASM =\n  '${Buffer.from(wasm).toString('base64')}';`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const root = packageInfo().root;
  const path = join(root, GENERATED);
  const want = await csvLinesWasmText(root);
  let have = '';
  try {
    have = readFileSync(path, 'utf8');
  } catch {
    // written below
  }
  if (have === want) return;
  if (process.argv.includes('--check')) {
    process.stderr.write(`${path} is stale: run npm run generate\n`);
    process.exit(1);
  }
  writeFileSync(path, want);
  process.stderr.write(`wrote ${path}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
