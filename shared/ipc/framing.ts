/*
 * Newline-delimited JSON framing with a size bound, for both ends of the control socket. A message over the
 * bound, or a line that is not JSON, is reported to the caller (who answers or disconnects), never thrown.
 */
import { MAX_CONTROL_MESSAGE_BYTES } from './control.js';

export type Frame = { ok: true; value: unknown } | { ok: false; error: string };

export class LineFramer {
  private buffered = '';
  private readonly limit: number;

  constructor(limit = MAX_CONTROL_MESSAGE_BYTES) {
    this.limit = limit;
  }

  /** Returns the complete frames in `chunk`; a too-long pending line yields one error and is discarded. */
  push(chunk: string): Frame[] {
    const frames: Frame[] = [];
    this.buffered += chunk;
    let newline: number;
    while ((newline = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, newline);
      this.buffered = this.buffered.slice(newline + 1);
      if (line.trim() === '') continue;
      frames.push(line.length > this.limit ? tooLong(this.limit) : parse(line));
    }
    if (this.buffered.length > this.limit) {
      this.buffered = '';
      frames.push(tooLong(this.limit));
    }
    return frames;
  }
}

function parse(line: string): Frame {
  try {
    return { ok: true, value: JSON.parse(line) as unknown };
  } catch {
    return { ok: false, error: 'message is not JSON' };
  }
}

function tooLong(limit: number): Frame {
  return { ok: false, error: `message larger than ${limit} bytes` };
}

export function encodeFrame(message: unknown): string {
  return `${JSON.stringify(message)}\n`;
}
