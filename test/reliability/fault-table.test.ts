/**
 * docs/faults.md stays in lockstep with the suite: every row names a test file and a phrase of a test's
 * name that exist, every fault-injection file of this folder is cited, and the README links the table.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/tap.js';

const doc = readFileSync(join(ROOT, 'docs', 'faults.md'), 'utf8');
const rows = doc
  .split('\n')
  .filter((line) => line.startsWith('| ') && !line.startsWith('| fault |') && !line.startsWith('|---'));

/** `file.test.ts` › "phrase" pairs of a row's last cell. */
function proofs(row: string): Array<{ file: string; phrase: string }> {
  const cell = row.split(' | ').pop() ?? '';
  const file = /`([\w.-]+\.test\.ts)`/.exec(cell)?.[1];
  const phrases = [...cell.matchAll(/"((?:[^"\\]|\\")+)"/g)].map((m) => (m[1] ?? '').replace(/\\"/g, '"'));
  return file ? phrases.map((phrase) => ({ file, phrase })) : [];
}

describe('docs/faults.md', () => {
  it('has rows', () => {
    expect(rows.length).toBeGreaterThanOrEqual(20);
  });

  it.each(rows.map((row) => [row.split(' | ')[0]?.replace(/^\| /, '') ?? row, row]))(
    'row "%s" names a test that exists',
    (_fault, row) => {
      const cited = proofs(row);
      expect(cited.length, row).toBeGreaterThan(0);
      for (const { file, phrase } of cited) {
        const path = join(ROOT, 'test', 'reliability', file);
        expect(existsSync(path), path).toBe(true);
        const source = readFileSync(path, 'utf8').replace(/\\u2019/g, '’');
        expect(source.includes(phrase.replace(/\\"/g, '"')), `${file} has no test "${phrase}"`).toBe(true);
      }
    },
  );

  it('cites every fault-injection file of test/reliability', () => {
    const files = readdirSync(join(ROOT, 'test', 'reliability')).filter((f) => f.endsWith('.e2e.test.ts'));
    for (const file of files) expect(doc, file).toContain(`\`${file}\``);
  });

  it('is linked from the README', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain('(docs/faults.md)');
  });
});
