// Request context and response helpers shared by every endpoint module.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { constants, createGzip } from 'node:zlib';
import { releaseChunk } from './serialize.js';
import type { OrgState } from './state.js';

export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  method: string;
  body: string;
  state: OrgState;
  /** destroy the connection part-way through the body (dropRate fault) */
  drop: boolean;
  /** REST responses carry Sforce-Limit-Info */
  rest: boolean;
}

export interface ApiError {
  message: string;
  errorCode: string;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly errors: ApiError[],
  ) {
    super(errors[0]?.message ?? String(status));
  }
}

export function apiError(status: number, errorCode: string, message: string): HttpError {
  return new HttpError(status, [{ message, errorCode }]);
}

function finishHeaders(ctx: Ctx, headers: Record<string, string>): void {
  if (ctx.rest) headers['Sforce-Limit-Info'] = ctx.state.limitInfo();
  for (const [k, v] of Object.entries(headers)) ctx.res.setHeader(k, v);
}

/**
 * Sends a complete body, or its pieces in one corked write (a composite answer made of cached describes is
 * not joined first); honours the drop fault by cutting it in half.
 */
export function send(
  ctx: Ctx,
  status: number,
  body: string | Buffer | readonly Buffer[],
  contentType: string,
  extra: Record<string, string> = {},
) {
  const pieces =
    typeof body === 'string' ? [Buffer.from(body, 'utf8')] : Buffer.isBuffer(body) ? [body] : body;
  let length = 0;
  for (const piece of pieces) length += piece.length;
  const headers: Record<string, string> = { 'Content-Type': contentType, ...extra };
  finishHeaders(ctx, headers);
  ctx.res.statusCode = status;
  ctx.state.stats.bytesServed += length;
  ctx.res.setHeader('Content-Length', String(length));
  if (ctx.drop && length > 1) {
    const half = Buffer.concat(pieces, length).subarray(0, Math.floor(length / 2));
    ctx.res.write(half, () => ctx.res.socket?.destroy());
    return;
  }
  ctx.res.cork();
  for (const piece of pieces) ctx.res.write(piece);
  ctx.res.end();
  ctx.res.uncork();
}

export function sendJson(ctx: Ctx, status: number, value: unknown, extra: Record<string, string> = {}) {
  sendJsonText(ctx, status, typeof value === 'string' ? value : JSON.stringify(value), extra);
}

/** JSON already serialised: text, its UTF-8 bytes, or those bytes in pieces. */
export function sendJsonText(
  ctx: Ctx,
  status: number,
  json: string | Buffer | readonly Buffer[],
  extra: Record<string, string> = {},
) {
  send(ctx, status, json, 'application/json;charset=UTF-8', extra);
}

export function sendXml(ctx: Ctx, status: number, xml: string) {
  send(ctx, status, `<?xml version="1.0" encoding="UTF-8"?>${xml}`, 'application/xml');
}

export function sendError(ctx: Ctx, e: HttpError) {
  sendJson(ctx, e.status, e.errors);
}

export function noContent(ctx: Ctx) {
  finishHeaders(ctx, {});
  ctx.res.statusCode = 204;
  ctx.res.end();
}

/**
 * Streams `chunks()` (strings) as the body, gzip-compressed when the client asked for it.
 * Waits for drain so memory stays flat; a drop fault destroys the socket after the first chunk.
 */
export async function stream(
  ctx: Ctx,
  contentType: string,
  headers: Record<string, string>,
  chunks: Iterable<string | Buffer>,
  allowGzip = true,
): Promise<void> {
  const res = ctx.res;
  const gzip = allowGzip && /\bgzip\b/.test(String(ctx.req.headers['accept-encoding'] ?? ''));
  const h: Record<string, string> = { 'Content-Type': contentType, ...headers };
  if (gzip) h['Content-Encoding'] = 'gzip';
  finishHeaders(ctx, h);
  res.statusCode = 200;
  // fastest level, as servers streaming bulk exports choose; 256 KiB output chunks (default 16 KiB)
  // cut the callbacks and socket writes per page without changing the compressed bytes
  const out = gzip ? createGzip({ level: constants.Z_BEST_SPEED, chunkSize: 256 * 1024 }) : res;
  if (gzip) {
    out.pipe(res);
    out.on('data', (b: Buffer) => {
      ctx.state.stats.bytesServed += b.length;
    });
  }
  let first = true;
  for (const chunk of chunks) {
    if (!gzip)
      ctx.state.stats.bytesServed += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    const ok = typeof chunk === 'string' ? out.write(chunk) : out.write(chunk, () => releaseChunk(chunk));
    if (ctx.drop && first) {
      await new Promise<void>((r) => (gzip ? (out as ReturnType<typeof createGzip>).flush(() => r()) : r()));
      await new Promise((r) => setTimeout(r, 5));
      res.socket?.destroy();
      return;
    }
    first = false;
    if (!ok) await new Promise<void>((r) => out.once('drain', () => r()));
    if (res.destroyed) return;
  }
  out.end();
  if (gzip) await new Promise<void>((r) => res.once('finish', () => r()));
}

export function xmlEscape(s: string): string {
  return s
    .replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
    .replace(/&#38;/g, '&amp;')
    .replace(/&#60;/g, '&lt;')
    .replace(/&#62;/g, '&gt;');
}

export function xmlUnescape(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&amp;/g, '&');
}
