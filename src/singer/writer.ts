import { TapError } from '../errors.js';
import { line, type SingerMessage } from './messages.js';

/** stdout (or whatever the CLI passes) stopped accepting writes, typically EPIPE because the target exited. */
export class OutputClosedError extends TapError {
  constructor(cause: unknown) {
    const code = (cause as { code?: unknown } | null)?.code;
    super(
      'output',
      `stdout closed${typeof code === 'string' ? ` (${code})` : ''}: the target stopped reading; stopping`,
      { cause },
    );
    this.name = 'OutputClosedError';
  }
}

export const DEFAULT_CHUNK_BYTES = 1024 * 1024;

/** Room past `chunkBytes` in each chunk, so a typical line still fits after the chunk reads as full. */
const HEADROOM = 64 * 1024;

/** Bytes waiting to be written, and what to call once they have been. */
interface Sealed {
  bytes: Buffer;
  release?: () => void;
}

/**
 * The only writer of Singer messages. Whole lines are encoded straight into a Buffer as they are appended
 * and written in large chunks, so lines from concurrent streams never interleave; a full chunk waits for
 * 'drain' (a slow target slows the tap down instead of letting it buffer without bound); a broken pipe turns
 * into OutputClosedError.
 *
 * Encoding each line into a Buffer at once is several times cheaper than concatenating lines into one string
 * and letting the stream encode it: the concatenation is flattened (as two-byte text once any line has a
 * non-Latin-1 character) before being encoded again as a whole.
 */
export class SingerWriter {
  /** The chunk being filled; a new one after every flush, since the stream may still hold the last one. */
  private chunk: Buffer | null = null;
  private used = 0;
  /** Filled chunks not yet written (a line too long for the chunk's room seals it). */
  private sealed: Sealed[] = [];
  private sealedBytes = 0;
  private failure: OutputClosedError | null = null;
  private waiting: Promise<void> | null = null;
  /** Settles when the last chunk written has been handed on (its write callback ran). */
  private written: Promise<void> = Promise.resolve();
  private readonly out: NodeJS.WritableStream;
  private readonly chunkBytes: number;
  private readonly listeners = new Set<(error: OutputClosedError) => void>();

  constructor(out: NodeJS.WritableStream, options: { chunkBytes?: number } = {}) {
    this.out = out;
    this.chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    // Without a listener an EPIPE would crash the process with a stack trace.
    out.on('error', (error: unknown) => this.fail(error));
  }

  /** The error that broke the output, if it broke. */
  get broken(): OutputClosedError | null {
    return this.failure;
  }

  /** Called once when the output breaks (used to abort fetching at once). */
  onBroken(listener: (error: OutputClosedError) => void): void {
    this.listeners.add(listener);
  }

  /** Appends complete lines; true when the buffer is large enough that the caller should `await flush()`. */
  append(lines: string): boolean {
    if (this.failure) throw this.failure;
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    const most = lines.length * 3;
    if (this.chunk === null || this.used + most > this.chunk.length) {
      if (this.chunk !== null && this.used > 0) this.seal(this.chunk.subarray(0, this.used));
      this.chunk = Buffer.allocUnsafeSlow(Math.max(this.chunkBytes + HEADROOM, most));
      this.used = 0;
    }
    this.used += this.chunk.write(lines, this.used);
    return this.sealedBytes + this.used >= this.chunkBytes;
  }

  /**
   * Appends complete lines already encoded as UTF-8, without copying them: the caller hands the buffer over
   * and must not change it; `release` is called once it has been written. True when
   * the caller should `await flush()`.
   */
  appendBytes(lines: Buffer, release?: () => void): boolean {
    if (this.failure) throw this.failure;
    if (this.chunk !== null && this.used > 0) {
      this.seal(this.chunk.subarray(0, this.used));
      // The rest of the chunk stays in use for the lines appended next.
      this.chunk = this.chunk.subarray(this.used);
      this.used = 0;
    }
    this.seal(lines, release);
    return this.sealedBytes + this.used >= this.chunkBytes;
  }

  /** Appends one message and flushes when the chunk is full. */
  async write(message: SingerMessage): Promise<void> {
    if (this.append(line(message))) await this.flush();
  }

  /** Writes what is buffered and waits until the output has room again. */
  async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    // One chunk in flight at a time: later flushes wait for the earlier drain.
    while (this.waiting) await this.waiting;
    const chunks = this.take();
    if (chunks.length === 0) return;
    let ok = true;
    try {
      for (const { bytes, release } of chunks) {
        // The callback runs once the chunk is handed on, or with the error that broke the output.
        this.written = new Promise<void>((resolve) => {
          ok =
            this.out.write(bytes, () => {
              release?.();
              resolve();
            }) && ok;
        });
      }
    } catch (error) {
      this.fail(error);
      throw this.failure;
    }
    if (!ok) await this.drain();
    // A file or /dev/null takes writes synchronously and never asks for a drain: let the event loop run
    // once per chunk anyway, so reads already in flight (the next page) progress while this one is written.
    else await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.failure) throw this.failure;
  }

  private seal(bytes: Buffer, release?: () => void): void {
    this.sealed.push({ bytes, release });
    this.sealedBytes += bytes.length;
  }

  /** The buffered bytes, in order, leaving the writer empty. */
  private take(): Sealed[] {
    const chunks = this.sealed;
    if (this.chunk !== null && this.used > 0) chunks.push({ bytes: this.chunk.subarray(0, this.used) });
    this.sealed = [];
    this.sealedBytes = 0;
    this.chunk = null;
    this.used = 0;
    return chunks;
  }

  /** Flushes everything and waits until the last chunk has been handed to the operating system. */
  async end(): Promise<void> {
    await this.flush();
    if (this.failure) throw this.failure;
    await this.written;
    if (this.failure) throw this.failure;
  }

  private drain(): Promise<void> {
    if (!this.waiting) {
      this.waiting = new Promise<void>((resolve) => {
        const done = (): void => {
          this.out.removeListener('drain', done);
          this.out.removeListener('close', done);
          this.listeners.delete(done);
          this.waiting = null;
          resolve();
        };
        this.out.once('drain', done);
        this.out.once('close', done);
        this.listeners.add(done);
      });
    }
    return this.waiting;
  }

  private fail(error: unknown): void {
    if (this.failure) return;
    this.failure = error instanceof OutputClosedError ? error : new OutputClosedError(error);
    this.take();
    for (const listener of [...this.listeners]) listener(this.failure);
  }
}
