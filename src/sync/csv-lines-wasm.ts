/**
 * The WebAssembly half of the Bulk line decoder (assembly/csv-lines.ts, compiled into
 * src/generated/csv-lines-wasm.ts): lays out its memory, hands it a page's bytes and a plan, and reads back
 * what it wrote. One instance per thread, shared by the decoders of that thread (they run one at a time).
 */
import { CSV_LINES_WASM } from '../generated/csv-lines-wasm.js';
import type { LinePlan } from './csv-lines.js';

/** How a run ends: the input is converted, the output passed its limit, or a row is handed back. */
export enum Stop {
  Done = 0,
  Full = 1,
  HandBack = 2,
}

interface Exports {
  memory: WebAssembly.Memory;
  convert(
    inStart: number,
    inEnd: number,
    outStart: number,
    outEnd: number,
    limit: number,
    plan: number,
    columns: number,
    prefix: number,
    prefixLength: number,
    closing: number,
    closingLength: number,
    highest: number,
    cap: number,
    result: number,
  ): Stop;
}

/** Replication-key values and caps up to this length are compared in WebAssembly (ASCII only). */
const KEY_MAX = 240;
const PAGE = 64 * 1024;
/** Loads and stores run up to 16 bytes past an end. */
const SLACK = 32;
const RESULT = 1024;
const HIGHEST = RESULT + 16;
const CAP = HIGHEST + 4 + KEY_MAX + SLACK;
const PLAN = 2048;

/** What one run converted. */
export interface Run {
  stop: Stop;
  /** Input offset where the run stopped (the start of a handed-back row). */
  at: number;
  rows: number;
  /** The lines written, a view valid until the next run. */
  lines: Uint8Array;
  /** Highest replication-key value (not past the cap) among the rows, or null. */
  highest: string | null;
}

export class WasmLines {
  private readonly exports: Exports;
  private bytes: Buffer;
  private words: Uint32Array;
  private plan: LinePlan | null = null;
  private columns = 0;
  private closing = 0;
  private prefix = 0;
  private prefixRoom = 0;
  private loadedPrefix: Buffer | null = null;
  private input = 0;
  private inputRoom = 0;
  private inputLength = 0;
  private output = 0;
  private outputRoom = 0;

  constructor(module: WebAssembly.Module) {
    const instance = new WebAssembly.Instance(module, {
      'csv-lines': {
        convertValue: (column: number, a: number, b: number, unquote: number, o: number, end: number) =>
          this.convertValue(column, a, b, unquote !== 0, o, end),
      },
    });
    this.exports = instance.exports as unknown as Exports;
    this.bytes = Buffer.from(this.exports.memory.buffer);
    this.words = new Uint32Array(this.exports.memory.buffer);
  }

  /**
   * Whether rows of `plan` can go through WebAssembly: a replication-key cap is compared bytewise, which
   * matches JavaScript's string order for ASCII only.
   */
  static suits(plan: LinePlan, cap: string | null): boolean {
    return plan.keyColumn < 0 || cap === null || (cap.length <= KEY_MAX && /^[\x20-\x7e]*$/.test(cap));
  }

  /** Copies `input` in, laid out for `plan`, with room for `outputBytes` of lines (and a row's headroom). */
  load(plan: LinePlan, prefix: Buffer, input: Uint8Array, outputBytes: number): void {
    if (
      plan !== this.plan ||
      prefix.length > this.prefixRoom ||
      input.length > this.inputRoom ||
      outputBytes > this.outputRoom
    ) {
      this.layOut(plan, prefix, input.length, outputBytes);
    }
    this.bytes.set(input, this.input);
    this.inputLength = input.length;
  }

  /**
   * Converts from input offset `from` on until the input ends, the lines reach `limit` bytes after a row, or a
   * row must be converted by the caller. `cap` bounds the replication-key values counted in `highest`.
   */
  run(from: number, limit: number, prefix: Buffer, cap: string | null): Run {
    if (prefix !== this.loadedPrefix) this.writePrefix(prefix);
    const view = this.words;
    view[HIGHEST >> 2] = 0;
    if (cap === null) view[CAP >> 2] = 0xffffffff;
    else {
      view[CAP >> 2] = cap.length;
      this.bytes.set(Buffer.from(cap, 'latin1'), CAP + 4);
    }
    const plan = this.plan as LinePlan;
    const stop = this.exports.convert(
      this.input + from,
      this.input + this.inputLength,
      this.output,
      this.output + this.outputRoom,
      this.output + Math.min(limit, this.outputRoom),
      PLAN,
      this.columns,
      this.prefix,
      prefix.length,
      this.closing,
      plan.closing.length,
      HIGHEST,
      CAP,
      RESULT,
    );
    const result = RESULT >> 2;
    const highestLength = view[HIGHEST >> 2] as number;
    return {
      stop,
      at: (view[result] as number) - this.input,
      rows: view[result + 2] as number,
      lines: this.bytes.subarray(this.output, view[result + 1] as number),
      highest:
        highestLength === 0 ? null : this.bytes.toString('latin1', HIGHEST + 4, HIGHEST + 4 + highestLength),
    };
  }

  /** Plan entries, then the key pieces, the line end, the prefix, the input and the output. */
  private layOut(plan: LinePlan, prefix: Buffer, inputBytes: number, outputBytes: number): void {
    const columns = plan.kinds.length;
    let at = PLAN + columns * 16;
    const entries: number[][] = [];
    const pieces: [Buffer, number][] = [];
    const place = (piece: Buffer): number => {
      const where = at;
      pieces.push([piece, where]);
      at += align(piece.length + SLACK, 16);
      return where;
    };
    for (let column = 0; column < columns; column++) {
      const open = plan.opens[column];
      const nul = plan.nulls[column];
      if (!open || !nul) {
        entries.push([plan.kinds[column] as number, 0, 0, 0, 0]);
        continue;
      }
      const keyLength = open.length - 1;
      if (keyLength > 0xffff) throw new Error('csv-lines.wasm: a key of over 64 KiB');
      entries.push([
        plan.kinds[column] as number,
        column === plan.keyColumn ? 1 : 0,
        keyLength,
        place(open),
        place(nul),
      ]);
    }
    this.closing = place(plan.closing);
    this.prefix = at;
    this.prefixRoom = align(prefix.length + 256, 16);
    at += this.prefixRoom + SLACK;
    this.input = at;
    this.inputRoom = Math.max(align(inputBytes, PAGE), this.inputRoom);
    at += this.inputRoom + SLACK;
    this.output = align(at, 16);
    this.outputRoom = Math.max(align(outputBytes, PAGE), this.outputRoom);
    const end = this.output + this.outputRoom + SLACK;
    const memory = this.exports.memory;
    if (end > memory.buffer.byteLength) {
      memory.grow(Math.ceil((end - memory.buffer.byteLength) / PAGE));
      this.bytes = Buffer.from(memory.buffer);
      this.words = new Uint32Array(memory.buffer);
    }
    const view = new DataView(memory.buffer);
    entries.forEach(([kind, isKey, keyLength, open, nul], column) => {
      const entry = PLAN + column * 16;
      view.setUint8(entry, kind as number);
      view.setUint8(entry + 1, isKey as number);
      view.setUint16(entry + 2, keyLength as number, true);
      view.setUint32(entry + 4, open as number, true);
      view.setUint32(entry + 8, nul as number, true);
    });
    for (const [piece, where] of pieces) this.bytes.set(piece, where);
    this.plan = plan;
    this.columns = columns;
    this.loadedPrefix = null;
  }

  /** A value the WebAssembly side does not convert, through the column's converter, as `field` in csv-lines.ts. */
  private convertValue(
    column: number,
    a: number,
    b: number,
    unquote: boolean,
    o: number,
    end: number,
  ): number {
    let raw = this.bytes.toString('utf8', a, b);
    if (unquote) raw = raw.replaceAll('""', '"');
    const json = JSON.stringify((this.plan as LinePlan).converters[column]?.(raw)) ?? 'null';
    if (o + json.length * 3 > end) return 0;
    return o + this.bytes.write(json, o);
  }

  private writePrefix(prefix: Buffer): void {
    if (prefix.length > this.prefixRoom) throw new Error('csv-lines.wasm: the line head outgrew its room');
    this.bytes.set(prefix, this.prefix);
    this.loadedPrefix = prefix;
  }
}

function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

let shared: WasmLines | null | undefined;

/**
 * This thread's instance; null where WebAssembly cannot run (`node --jitless` has none), and then every row
 * goes through JavaScript.
 */
export function wasmLines(): WasmLines | null {
  if (shared === undefined) {
    try {
      shared = new WasmLines(new WebAssembly.Module(Buffer.from(CSV_LINES_WASM, 'base64')));
    } catch {
      shared = null;
    }
  }
  return shared;
}
