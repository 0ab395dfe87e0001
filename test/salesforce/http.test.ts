import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { brotliCompressSync, constants, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyThrown } from '../../src/salesforce/classify.js';
import { chunksOf, httpRequest, withScratch } from '../../src/salesforce/http.js';

// 3 MB of CSV-like text: several inflate chunks and more than the read-ahead.
const CSV = Array.from({ length: 60_000 }, (_, i) => `"${i}","name ${i}","2024-01-01T00:00:00.000Z"\n`).join(
  '',
);

type Handler = (request: IncomingMessage, response: ServerResponse) => void;
const routes: Record<string, Handler> = {
  '/gzip': (_q, r) => r.writeHead(200, { 'Content-Encoding': 'gzip' }).end(gzipSync(CSV)),
  '/deflate': (_q, r) => r.writeHead(200, { 'Content-Encoding': 'deflate' }).end(deflateSync(CSV)),
  '/br': (_q, r) =>
    r
      .writeHead(200, { 'Content-Encoding': 'br' })
      .end(brotliCompressSync(CSV, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } })),
  '/plain': (_q, r) => r.writeHead(200, { 'Sforce-Locator': 'abc', 'X-Twice': ['a', 'b'] }).end(CSV),
  '/headers': (q, r) => r.writeHead(200).end(JSON.stringify(q.headers)),
  '/echo': (q, r) => {
    let body = '';
    q.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    q.on('end', () => r.writeHead(200).end(JSON.stringify({ method: q.method, body })));
  },
  '/error': (_q, r) =>
    r
      .writeHead(400, { 'Content-Encoding': 'gzip' })
      .end(gzipSync('[{"errorCode":"INVALIDLOCATOR","message":"bad locator"}]')),
  '/silent': () => {},
  '/stall': (_q, r) => {
    r.writeHead(200);
    r.write(CSV.slice(0, 1000));
  },
  '/cut-gzip': (_q, r) => {
    const bytes = gzipSync(CSV);
    r.writeHead(200, { 'Content-Encoding': 'gzip', 'Content-Length': String(bytes.length) });
    r.write(bytes.subarray(0, bytes.length >> 1), () => r.socket?.destroy());
  },
};

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((q, r) => routes[q.url ?? '']?.(q, r));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const get = (path: string, extra: { timeoutMs?: number; idleMs?: number } = {}) =>
  httpRequest(`${base}${path}`, { headers: { Authorization: 'Bearer t' }, timeoutMs: 5000, ...extra });

async function drain(body: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

describe('httpRequest', () => {
  it.each(['/gzip', '/deflate', '/br', '/plain'])(
    'given %s, then the body is the decoded text',
    async (path) => {
      const response = await get(path);
      expect(response.status).toBe(200);
      expect(response.ok).toBe(true);
      expect(await drain(response.body)).toBe(CSV);
    },
  );

  it('given a compressed body, then bytes() is the whole decoded body', async () => {
    const bytes = await (await get('/gzip')).bytes();
    // Buffer.equals: a deep equality over 3 MB would hold the event loop for seconds.
    expect(bytes.equals(Buffer.from(CSV))).toBe(true);
  });

  it('given a compressed body, then readWith() hands the whole decoded body to its reader', async () => {
    const read = await (await get('/gzip')).readWith((body) => body.equals(Buffer.from(CSV)));
    expect(read).toBe(true);
  });

  it('given a body cut short, then readWith() fails as reading fails and never calls its reader', async () => {
    let called = false;
    const failure = await (await get('/cut-gzip'))
      .readWith(() => {
        called = true;
      })
      .catch((error: unknown) => error);
    expect(called).toBe(false);
    expect(classifyThrown(failure)).toBe('retry');
  });

  it('given response headers, then get() reads them case-insensitively and joins repeats', async () => {
    const response = await get('/plain');
    expect(response.headers.get('sforce-locator')).toBe('abc');
    expect(response.headers.get('Sforce-Locator')).toBe('abc');
    expect(response.headers.get('x-twice')).toBe('a, b');
    expect(response.headers.get('sforce-numberofrecords')).toBeNull();
    response.body.destroy();
  });

  it('given request headers, then they are sent as they are', async () => {
    const response = await get('/headers');
    expect(JSON.parse(await response.text())).toMatchObject({ authorization: 'Bearer t' });
  });

  it('given a method and a body, then both are sent', async () => {
    const response = await httpRequest(`${base}/echo`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json' },
      body: '{"state":"Aborted"}',
      timeoutMs: 5000,
    });
    expect(JSON.parse(await response.text())).toEqual({ method: 'PATCH', body: '{"state":"Aborted"}' });
  });

  it('given an error answer, then its status and decoded text are there to read', async () => {
    const response = await get('/error');
    expect(response.status).toBe(400);
    expect(response.ok).toBe(false);
    expect(JSON.parse(await response.text())).toEqual([
      { errorCode: 'INVALIDLOCATOR', message: 'bad locator' },
    ]);
  });

  it('given no answer in time, then it rejects with an error the retry policy retries', async () => {
    const error = await get('/silent', { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TimeoutError' });
    expect(classifyThrown(error)).toBe('retry');
  });

  it('given a body that stops moving, then reading it fails with a retried timeout', async () => {
    const response = await get('/stall', { idleMs: 100 });
    const error = await drain(response.body).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TimeoutError' });
    expect(classifyThrown(error)).toBe('retry');
  });

  it('given a gzip body cut off mid-way, then reading it fails with an error the retry policy retries', async () => {
    const response = await get('/cut-gzip');
    const error = await drain(response.body).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(classifyThrown(error)).toBe('retry');
  });

  it('given an aborted signal, then it rejects with an AbortError that is not retried', async () => {
    const controller = new AbortController();
    const pending = httpRequest(`${base}/silent`, {
      headers: {},
      timeoutMs: 5000,
      signal: controller.signal,
    });
    controller.abort();
    const error = await pending.catch((e: unknown) => e);
    expect(classifyThrown(error)).toBe('fail');
  });
});

describe('chunksOf', () => {
  it('given a gzip body, then it yields gunzip’s own pieces, none merged, and the whole text', async () => {
    const response = await httpRequest(`${base}/gzip`, {
      headers: {},
      timeoutMs: 5000,
      readAheadBytes: 1 << 20,
    });
    // Let the body read ahead, so that several pieces are buffered before the first is taken.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const sizes: number[] = [];
    const chunks: Buffer[] = [];
    for await (const chunk of chunksOf(response.body)) {
      sizes.push(chunk.length);
      chunks.push(chunk);
    }
    expect(Buffer.concat(chunks).toString('utf8')).toBe(CSV);
    expect(sizes.length).toBeGreaterThan(10);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(128 * 1024);
  });

  it('given a body cut off or stalled, then it fails as the stream fails', async () => {
    for (const [path, options] of [
      ['/cut-gzip', {}],
      ['/stall', { idleMs: 100 }],
    ] as const) {
      const response = await get(path, options);
      const error = await (async () => {
        for await (const _ of chunksOf(response.body));
      })().catch((e: unknown) => e);
      expect(error, path).toBeInstanceOf(Error);
      expect(classifyThrown(error), path).toBe('retry');
    }
  });

  it('given a stream closed before its end, then it fails rather than ending quietly', async () => {
    const stream = new PassThrough();
    stream.write('partial');
    setTimeout(() => stream.destroy(), 10);
    const read: string[] = [];
    const error = await (async () => {
      for await (const chunk of chunksOf(stream)) read.push(chunk.toString());
    })().catch((e: unknown) => e);
    expect(read).toEqual(['partial']);
    expect(error).toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
  });

  it('given a stream paused before it is read, then it still reads it all', async () => {
    const stream = new PassThrough();
    stream.pause();
    stream.end('all of it');
    const read: string[] = [];
    for await (const chunk of chunksOf(stream)) read.push(chunk.toString());
    expect(read.join('')).toBe('all of it');
  });

  it('given a reader that stops early, then the stream is destroyed', async () => {
    const response = await get('/plain');
    for await (const _ of chunksOf(response.body)) break;
    expect(response.body.destroyed).toBe(true);
  });
});

describe('withScratch', () => {
  const pieces = (text: string, size: number) =>
    Array.from({ length: Math.ceil(text.length / size) }, (_, i) =>
      Buffer.from(text.slice(i * size, (i + 1) * size)),
    );

  it('joins the chunks in one buffer that the next body reuses', () => {
    const first = withScratch(pieces('{"a":1,"b":[2,3]}', 4), (body) => ({
      text: body.toString(),
      memory: body.buffer,
    }));
    const second = withScratch(pieces('{"c":"d"}', 3), (body) => ({
      text: body.toString(),
      memory: body.buffer,
    }));
    expect(first.text).toBe('{"a":1,"b":[2,3]}');
    expect(second.text).toBe('{"c":"d"}');
    expect(second.memory).toBe(first.memory);
  });

  it('grows for a larger body, and gives a body over its limit a buffer of its own', () => {
    const medium = 'x'.repeat(300_000);
    const large = 'y'.repeat(5 * 1024 * 1024);
    const small = withScratch([Buffer.from('z')], (body) => body.buffer);
    expect(withScratch(pieces(medium, 65_536), (body) => body.toString() === medium)).toBe(true);
    const own = withScratch(pieces(large, 1 << 20), (body) => ({
      same: body.toString() === large,
      memory: body.buffer,
    }));
    expect(own.same).toBe(true);
    expect(own.memory).not.toBe(small);
    expect(withScratch([], (body) => body.length)).toBe(0);
  });
});
