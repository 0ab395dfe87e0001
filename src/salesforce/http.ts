/**
 * The client's HTTP exchange, over node:http(s) with the body as a Node stream. fetch cost about twice the
 * CPU for the same bytes: it decompresses in 16 KiB pieces and hands each through web streams, where here
 * gunzip writes 128 KiB pieces straight into a Node stream. On a 790 MB Bulk download that was 5.0 s of CPU
 * against 2.6 s, and the describes of a 1 000-object org kept discovery's thread busy (README, "Performance").
 */
import type { IncomingMessage } from 'node:http';
import { finished, pipeline, type Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { TimeoutError } from './classify.js';

export interface HttpResponse {
  status: number;
  ok: boolean;
  headers: { get(name: string): string | null };
  /** Decoded per `Content-Encoding`; starts filling its buffer at once. */
  body: Readable;
  /** The whole body. */
  bytes(): Promise<Buffer>;
  /**
   * `use(body)` on the whole body, which lives in memory reused from one call to the next: `use` must be done
   * with it when it returns (parse it, copy what it keeps).
   */
  readWith<T>(use: (body: Buffer) => T): Promise<T>;
  /** The whole body as text (error answers, JSON). */
  text(): Promise<string>;
}

export interface HttpOptions {
  method?: string;
  headers: Record<string, string>;
  body?: string;
  /** Bound on the wait for the response headers. */
  timeoutMs: number;
  /** Bound on a body that stops moving. */
  idleMs?: number;
  signal?: AbortSignal;
  /** Decoded bytes buffered ahead of the reader. */
  readAheadBytes?: number;
}

const INFLATE_CHUNK = 128 * 1024;
/** Like undici's body timeout, which fetch applies. */
const DEFAULT_IDLE_MS = 300_000;

export function httpRequest(url: string, options: HttpOptions): Promise<HttpResponse> {
  const target = new URL(url);
  // Taken when first needed, and not with `import http from 'node:http'`: the ES module facade of node:http
  // reads its lazy WebSocket exports, which loads all of undici (~40 ms of start-up) for nothing.
  const transport =
    target.protocol === 'https:'
      ? process.getBuiltinModule('node:https')
      : process.getBuiltinModule('node:http');
  return new Promise((resolve, reject) => {
    const request = transport.request(target, {
      method: options.method ?? 'GET',
      headers: options.headers,
      signal: options.signal,
    });
    request.end(options.body);
    const timer = setTimeout(
      () => request.destroy(new TimeoutError(`no response within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    timer.unref();
    // Kept after the response too: a later error of the request is the body's to report, not a crash.
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.once('response', (response) => {
      clearTimeout(timer);
      const idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
      response.setTimeout(idleMs, () =>
        response.destroy(new TimeoutError(`the body stalled for ${idleMs} ms`)),
      );
      const body = decoded(response, options.readAheadBytes);
      // A body that fails while read ahead is reported when its reader gets to it.
      body.on('error', () => {});
      body.read(0);
      const status = response.statusCode ?? 0;
      resolve({
        status,
        ok: status >= 200 && status < 300,
        headers: { get: (name) => headerValue(response, name) },
        body,
        bytes: () => readAll(body),
        readWith: async (use) => withScratch(await chunksAll(body), use),
        text: async () => (await readAll(body)).toString('utf8'),
      });
    });
  });
}

function headerValue(response: IncomingMessage, name: string): string | null {
  const value = response.headers[name.toLowerCase()];
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(', ') : value;
}

function decoded(response: IncomingMessage, readAheadBytes: number | undefined): Readable {
  const encoding = (response.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  const options = { chunkSize: INFLATE_CHUNK, readableHighWaterMark: readAheadBytes };
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? createGunzip(options)
      : encoding === 'deflate'
        ? createInflate(options)
        : encoding === 'br'
          ? createBrotliDecompress(options)
          : null;
  if (!decoder) return response;
  // The response's failure (a cut connection) becomes the decoder's, so its reader sees it.
  return pipeline(response, decoder, () => {});
}

async function chunksAll(body: Readable): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of chunksOf(body)) chunks.push(chunk);
  return chunks;
}

async function readAll(body: Readable): Promise<Buffer> {
  return Buffer.concat(await chunksAll(body));
}

/** Bodies up to this size are joined in the scratch buffer; larger ones get their own. */
const SCRATCH_LIMIT = 4 * 1024 * 1024;
let scratch = Buffer.alloc(0);

/**
 * `use` on the chunks joined in one reused buffer. A new buffer per body costs more than the copy: on a small
 * VM each fresh page faults once (~14 µs), and the 41 composite answers of a 1 000-object discovery, ~450 KB
 * each, spent ~45 ms of the main thread there. `use` runs synchronously, so no two bodies share it at once.
 */
export function withScratch<T>(chunks: readonly Buffer[], use: (body: Buffer) => T): T {
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  if (length > SCRATCH_LIMIT) return use(Buffer.concat(chunks, length));
  if (scratch.length < length) {
    scratch = Buffer.allocUnsafeSlow(Math.min(SCRATCH_LIMIT, Math.max(length, 2 * scratch.length)));
  }
  let at = 0;
  for (const chunk of chunks) at += chunk.copy(scratch, at);
  return use(scratch.subarray(0, length));
}

/**
 * The body's chunks as the stream made them (gunzip's 128 KiB pieces), the stream reading ahead up to its
 * high-water mark meanwhile. A stream's own async iterator hands out everything buffered as one Buffer, a new
 * allocation and a copy each time: on a 790 MB Bulk download that was ~0.5 s of the main thread and much of
 * its garbage. Fails as the stream fails, a close before the end included; leaving early destroys the stream.
 */
export async function* chunksOf(stream: Readable): AsyncGenerator<Buffer> {
  const queue: Buffer[] = [];
  let ended = false;
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const notify = (): void => {
    const resume = wake;
    wake = null;
    resume?.();
  };
  const onData = (chunk: Buffer): void => {
    queue.push(chunk);
    // A flowing stream emits one buffered chunk per 'data'; paused, it keeps reading ahead.
    stream.pause();
    notify();
  };
  const stopWatching = finished(stream, (error) => {
    if (error) failure = error;
    else ended = true;
    notify();
  });
  stream.on('data', onData);
  // A stream paused before it got here would not start flowing for the listener alone.
  stream.resume();
  try {
    for (;;) {
      const chunk = queue.shift();
      if (chunk !== undefined) {
        yield chunk;
        if (queue.length === 0) stream.resume();
        continue;
      }
      if (failure) throw failure;
      if (ended) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    stream.off('data', onData);
    stopWatching();
    if (!ended) stream.destroy();
  }
}
