/*
 * Newline-delimited JSON framing with a size bound, for both ends of the control socket. A message over the
 * bound, or a line that is not JSON, is reported to the caller (who answers or disconnects), never thrown.
 * Each chunk is searched once: a long line arriving in many chunks costs its length, not its length squared.
 */
import { MAX_CONTROL_MESSAGE_BYTES } from './control.js';

/** A parsed line, with its length in characters (what holding it costs), or why the line is unusable. */
export type Frame = { ok: true; value: unknown; size: number } | { ok: false; error: string; size: number };

export class LineFramer {
  /** The start of a line whose newline has not come yet, in pieces. */
  private pending: string[] = [];
  private pendingLength_ = 0;
  /** Inside a line already reported as too long: everything up to its newline is dropped. */
  private discarding = false;
  private readonly limit: number;

  constructor(limit = MAX_CONTROL_MESSAGE_BYTES) {
    this.limit = limit;
  }

  /** Characters held of a line whose newline has not come yet. */
  get pendingLength(): number {
    return this.pendingLength_;
  }

  /** Returns the complete frames in `chunk`; a too-long line yields one error and is discarded. */
  push(chunk: string): Frame[] {
    const frames: Frame[] = [];
    let start = 0;
    let newline: number;
    while ((newline = chunk.indexOf('\n', start)) >= 0) {
      const piece = chunk.slice(start, newline);
      start = newline + 1;
      if (this.discarding) {
        this.discarding = false;
        continue;
      }
      const line = this.pending.length === 0 ? piece : this.pending.join('') + piece;
      this.pending = [];
      this.pendingLength_ = 0;
      if (line.trim() === '') continue;
      frames.push(line.length > this.limit ? tooLong(this.limit) : parse(line));
    }
    if (start < chunk.length && !this.discarding) {
      const rest = chunk.slice(start);
      this.pending.push(rest);
      this.pendingLength_ += rest.length;
      if (this.pendingLength_ > this.limit) {
        this.pending = [];
        this.pendingLength_ = 0;
        this.discarding = true;
        frames.push(tooLong(this.limit));
      }
    }
    return frames;
  }
}

function parse(line: string): Frame {
  try {
    return { ok: true, value: JSON.parse(line) as unknown, size: line.length };
  } catch {
    return { ok: false, error: 'message is not JSON', size: line.length };
  }
}

function tooLong(limit: number): Frame {
  return { ok: false, error: `message larger than ${limit} bytes`, size: 0 };
}

export function encodeFrame(message: unknown): string {
  return `${JSON.stringify(message)}\n`;
}
