/*
 * The Bulk line worker gives what the main-thread decoder gives: same batches of bytes, counts, highest key
 * and rows, for pages in any chunking; its failures arrive as the same one-line errors.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prng } from '../../org/util.js';
import type { PageDecoder } from '../../src/salesforce/bulk2.js';
import type { CsvLineDecoder as Decoder, LineBatch, LineStreamSetup } from '../../src/sync/csv-lines.js';
import type { LineThread as Thread } from '../../src/sync/csv-lines-thread.js';
import { ROOT } from '../helpers/tap.js';

// The worker runs the built file, so the classes come from dist/ too (`npm run build` first, as npm test does).
const { LineThread } = (await import(join(ROOT, 'dist/src/sync/csv-lines-thread.js'))) as {
  LineThread: typeof Thread;
};
const { CsvLineDecoder, linePlanner } = (await import(join(ROOT, 'dist/src/sync/csv-lines.js'))) as {
  CsvLineDecoder: typeof Decoder;
  linePlanner: (setup: LineStreamSetup) => ConstructorParameters<typeof Decoder>[0]['plan'];
};

const PREFIX = '{"type":"RECORD","stream":"S","record":';
const SETUP: LineStreamSetup = {
  stream: 'S',
  fields: ['Id', 'Name', 'Modified'],
  replicationKey: 'Modified',
  schema: {
    type: 'object',
    properties: {
      Id: { type: 'string' },
      Name: { type: ['null', 'string'] },
      Amount: { type: ['null', 'number'] },
      Modified: { type: ['null', 'string'], format: 'date-time' },
    },
  },
};

function csv(rows: number, random: () => number): Buffer {
  const names = ['Acme', 'a "quoted", name', 'line\nbreak', '日本語 😀', 'back\\slash', ''];
  const lines = ['"Id","Name","Amount","Modified"'];
  for (let i = 0; i < rows; i++) {
    const name = names[Math.floor(random() * names.length)] as string;
    const day = String(1 + Math.floor(random() * 28)).padStart(2, '0');
    lines.push(
      `"${i}","${name.replaceAll('"', '""')}","${(random() * 1000).toFixed(2)}","2024-01-${day}T00:00:00.000Z"`,
    );
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

async function run(decoder: PageDecoder<LineBatch>, bytes: Buffer, random: () => number) {
  const batches: LineBatch[] = [];
  const drain = () => {
    for (let b = decoder.take(); b; b = decoder.take()) batches.push(b);
  };
  for (let at = 0; at < bytes.length; ) {
    const size = 1 + Math.floor(random() * 70_000);
    await decoder.write(bytes.subarray(at, at + size));
    drain();
    at += size;
  }
  await decoder.end();
  drain();
  return {
    text: Buffer.concat(batches.map((b) => b.lines)).toString('utf8'),
    count: batches.reduce((n, b) => n + b.count, 0),
    highest: batches
      .map((b) => b.highest)
      .reduce((a, b) => (a === null || (b !== null && b > a) ? b : a), null),
    rows: decoder.rows,
  };
}

let thread: Thread;
beforeAll(() => {
  thread = new LineThread();
});
afterAll(async () => {
  await thread.close();
});

describe('the Bulk line worker', () => {
  it('writes what the main-thread decoder writes, page after page, skips included', async () => {
    const random = prng(5);
    for (let page = 0; page < 6; page++) {
      // The last pages outgrow one message to the worker (512 KiB), so writes are split across messages.
      const bytes = csv(page < 4 ? 3000 + page * 500 : 20_000, random);
      const skip = page % 2 === 0 ? 0 : 1234;
      const cap = '2024-01-20T00:00:00.000Z';
      const local = await run(
        new CsvLineDecoder({ plan: linePlanner(SETUP), prefix: () => PREFIX, skip, cap }),
        bytes,
        random,
      );
      const viaThread = await run(
        thread.decoder({ setup: SETUP, skip, cap, prefix: () => PREFIX }),
        bytes,
        random,
      );
      expect(viaThread).toEqual(local);
      expect(local.count).toBe(local.rows - skip);
    }
  });

  it('hands batches over in shared slots, used again once released, and falls back when none is free', async () => {
    const own = new LineThread();
    try {
      const random = prng(11);
      // ~12 MB of lines: several times the slots' room, so they must be freed and taken again.
      const bytes = csv(100_000, random);
      const local = await run(
        new CsvLineDecoder({ plan: linePlanner(SETUP), prefix: () => PREFIX }),
        bytes,
        random,
      );
      const released: Buffer[] = [];
      const decoder = own.decoder({ setup: SETUP, skip: 0, cap: null, prefix: () => PREFIX });
      let inSlots = 0;
      const keep = (batch: LineBatch) => {
        released.push(Buffer.from(batch.lines));
        if (batch.release) inSlots++;
        batch.release?.();
      };
      for (let at = 0; at < bytes.length; at += 65_536) {
        await decoder.write(bytes.subarray(at, at + 65_536));
        for (let b = decoder.take(); b; b = decoder.take()) keep(b);
      }
      await decoder.end();
      for (let b = decoder.take(); b; b = decoder.take()) keep(b);
      expect(Buffer.concat(released).toString('utf8')).toBe(local.text);
      expect(inSlots).toBe(released.length);
      expect(released.length).toBeGreaterThan(32);

      // Never released: once the slots are taken, batches come in buffers of their own, intact.
      const held = await run(
        own.decoder({ setup: SETUP, skip: 0, cap: null, prefix: () => PREFIX }),
        bytes,
        random,
      );
      expect(held.text).toBe(local.text);
    } finally {
      await own.close();
    }
  });

  it('refuses a page without a selected field with the same one-line data error', async () => {
    const decoder = thread.decoder({ setup: SETUP, skip: 0, cap: null, prefix: () => PREFIX });
    const written = (async () => {
      await decoder.write(Buffer.from('"Id","Amount"\n"1","2"\n'));
      await decoder.end();
    })();
    await expect(written).rejects.toMatchObject({
      kind: 'data',
      message: 'S: Bulk results lack selected fields Name, Modified',
    });
    // The worker goes on with the next page.
    const next = await run(
      thread.decoder({ setup: SETUP, skip: 0, cap: null, prefix: () => PREFIX }),
      csv(10, prng(1)),
      prng(2),
    );
    expect(next.count).toBe(10);
  });

  it('reports a quoted value that never closes as a data error', async () => {
    const decoder = thread.decoder({ setup: SETUP, skip: 0, cap: null, prefix: () => PREFIX });
    await decoder.write(Buffer.from('"Id","Name","Modified"\n"1","open'));
    await expect(decoder.end()).rejects.toMatchObject({ kind: 'data' });
  });
});
