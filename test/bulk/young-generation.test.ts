/*
 * Once the Bulk line worker runs, the main thread's young generation keeps its size: V8 would otherwise double
 * it when enough bytes survive its scavenges, ~30 MB more RSS for the rest of a long sync. In a file of its
 * own, since the setting is process-wide.
 */
import { join } from 'node:path';
import { getHeapSpaceStatistics } from 'node:v8';
import { expect, it } from 'vitest';
import type { LineThread as Thread } from '../../src/sync/csv-lines-thread.js';
import { ROOT } from '../helpers/tap.js';

const { LineThread } = (await import(join(ROOT, 'dist/src/sync/csv-lines-thread.js'))) as {
  LineThread: typeof Thread;
};

const newSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;

/** Allocates ~`mb` MB in objects that each live through a few scavenges, as a sync's in-flight data does. */
function churn(mb: number): number {
  const window: unknown[][] = [];
  let kept = 0;
  for (let i = 0; i < mb * 1024; i++) {
    window.push(Array.from({ length: 64 }, (_, k) => ({ k })));
    if (window.length > 512) kept += window.shift()?.length ?? 0;
  }
  return kept;
}

it('keeps the main thread’s young generation at its size once the line worker runs', async () => {
  const thread = new LineThread();
  try {
    const before = newSpace();
    churn(400);
    expect(newSpace()).toBeLessThanOrEqual(before);
  } finally {
    await thread.close();
  }
});
