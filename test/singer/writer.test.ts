import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { RECORD_SUFFIX, recordPrefix, schemaMessage, stateMessage } from '../../src/singer/messages.js';
import { OutputClosedError, SingerWriter } from '../../src/singer/writer.js';

describe('SingerWriter', () => {
  it('batches whole lines into large chunks and flushes the rest at the end', async () => {
    const chunks: string[] = [];
    const out = new Writable({
      write(chunk: Buffer, _e, cb) {
        chunks.push(chunk.toString());
        cb();
      },
    });
    const writer = new SingerWriter(out, { chunkBytes: 1000 });
    for (let i = 0; i < 100; i++) {
      if (
        writer.append(
          `${recordPrefix('S', '2024-01-01T00:00:00.000Z', null)}${JSON.stringify({ i })}${RECORD_SUFFIX}`,
        )
      ) {
        await writer.flush();
      }
    }
    await writer.end();
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.length).toBeLessThan(20);
    for (const chunk of chunks) expect(chunk.endsWith('\n')).toBe(true);
    const lines = chunks
      .join('')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.record.i)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(lines[0]).toEqual({
      type: 'RECORD',
      stream: 'S',
      time_extracted: '2024-01-01T00:00:00.000Z',
      record: { i: 0 },
    });
  });

  it('releases appended bytes only once the output has taken them', async () => {
    const pending: Array<() => void> = [];
    const taken: string[] = [];
    // An output that finishes each write later, as a slow pipe does.
    const out = new Writable({
      highWaterMark: 1 << 20,
      write(chunk: Buffer, _e, cb) {
        pending.push(() => {
          taken.push(chunk.toString());
          cb();
        });
      },
    });
    const writer = new SingerWriter(out, { chunkBytes: 10 });
    const released: string[][] = [];
    writer.append('{"a":1}\n');
    writer.appendBytes(Buffer.from('{"b":2}\n'), () => released.push([...taken]));
    writer.appendBytes(Buffer.from('{"c":3}\n'));
    await writer.flush();
    while (pending.length > 0) {
      expect(released).toEqual([]);
      pending.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
      if (taken.length >= 2) break;
    }
    expect(released).toEqual([['{"a":1}\n', '{"b":2}\n']]);
    pending.shift()?.();
    await writer.end();
    expect(taken.join('')).toBe('{"a":1}\n{"b":2}\n{"c":3}\n');
    expect(released).toHaveLength(1);
  });

  it('writes multi-byte text and lines longer than a chunk intact, in order', async () => {
    const chunks: Buffer[] = [];
    const out = new Writable({
      write(chunk: Buffer, _e, cb) {
        chunks.push(Buffer.from(chunk));
        cb();
      },
    });
    const writer = new SingerWriter(out, { chunkBytes: 100 });
    const lines = ['株式会社 🚀 é', 'x'.repeat(500), '漢字'.repeat(300), 'short'].map(
      (s) => `${JSON.stringify({ s })}\n`,
    );
    for (const text of lines) if (writer.append(text)) await writer.flush();
    await writer.end();
    expect(Buffer.concat(chunks).toString('utf8')).toBe(lines.join(''));
  });

  it('waits for drain when the reader is slow (backpressure) instead of buffering', async () => {
    const out = new PassThrough({ highWaterMark: 100 });
    const writer = new SingerWriter(out, { chunkBytes: 50 });
    let resolved = false;
    writer.append(`${JSON.stringify({ x: 'y'.repeat(200) })}\n`);
    const flushing = writer.flush().then(() => {
      resolved = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(resolved).toBe(false);
    out.read();
    await flushing;
    expect(resolved).toBe(true);
  });

  it('turns EPIPE into one OutputClosedError and tells listeners', async () => {
    const out = new Writable({
      write(_chunk, _e, cb) {
        cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    const writer = new SingerWriter(out);
    let told: unknown = null;
    writer.onBroken((e) => {
      told = e;
    });
    await writer.write(schemaMessage('S', { type: 'object' }, ['Id'], null));
    await expect(writer.end()).rejects.toBeInstanceOf(OutputClosedError);
    expect(told).toBeInstanceOf(OutputClosedError);
    expect(() =>
      writer.append(JSON.stringify(stateMessage({ bookmarks: {}, currently_syncing: null }))),
    ).toThrow(/EPIPE/);
  });
});
