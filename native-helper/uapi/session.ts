/*
 * One UAPI connection's byte stream, turned into requests and replies (the framing of wireguard-go's
 * IpcHandle): `get=1\n\n`, or `set=1\n` + key=value lines + a blank line; each reply ends `errno=N\n\n`, and
 * several requests may share a connection. Bounded: a line longer than MAX_LINE or a request with more than
 * MAX_REQUEST_LINES lines ends the connection, as does an unknown operation.
 */
import type { Device } from '../engine/device.js';
import { EINVAL, EIO, UAPI_OK, UapiError } from './errno.js';
import { formatGet } from './get.js';
import { type UapiTarget, applySet } from './set.js';

export const MAX_LINE = 4096;
/** Enough for a peer list with tens of thousands of allowed IPs; more is refused, not buffered. */
export const MAX_REQUEST_LINES = 200_000;

export class UapiSession {
  private pending = '';
  private operation: 'get' | 'set' | null = null;
  private lines: string[] = [];
  private closed = false;
  private readonly target: UapiTarget & { readonly device: Device };
  private readonly reply: (text: string) => void;
  private readonly close: (reason: string) => void;
  private readonly log: (message: string) => void;

  constructor(
    target: UapiTarget,
    io: { reply: (text: string) => void; close: (reason: string) => void; log?: (message: string) => void },
  ) {
    this.target = target;
    this.reply = io.reply;
    this.close = io.close;
    this.log = io.log ?? (() => {});
  }

  /** Feeds received bytes (as latin1/utf8 text); complete requests are answered at once. */
  feed(chunk: string): void {
    if (this.closed) return;
    this.pending += chunk;
    for (let newline = this.pending.indexOf('\n'); newline >= 0; newline = this.pending.indexOf('\n')) {
      const line = this.pending.slice(0, newline);
      this.pending = this.pending.slice(newline + 1);
      this.line(line);
      if (this.closed) return;
    }
    if (this.pending.length > MAX_LINE) this.end('line too long');
  }

  private line(line: string): void {
    if (line.length > MAX_LINE) return this.end('line too long');
    if (this.operation === null) {
      if (line === 'get=1') this.operation = 'get';
      else if (line === 'set=1') this.operation = 'set';
      else return this.end(`invalid UAPI operation: ${line.slice(0, 40)}`);
      return;
    }
    if (line !== '') {
      if (this.lines.length >= MAX_REQUEST_LINES) return this.end('request too large');
      this.lines.push(line);
      return;
    }
    const operation = this.operation;
    const lines = this.lines;
    this.operation = null;
    this.lines = [];
    this.reply(operation === 'get' ? this.get(lines) : this.set(lines));
  }

  private get(lines: string[]): string {
    if (lines.length > 0) return errno(EINVAL);
    return formatGet(this.target.device) + errno(UAPI_OK);
  }

  private set(lines: string[]): string {
    try {
      applySet(lines, this.target);
      return errno(UAPI_OK);
    } catch (error) {
      if (error instanceof UapiError) {
        this.log(`uapi set: ${error.message}`);
        return errno(error.errno);
      }
      this.log(`uapi set failed: ${(error as Error).message}`);
      return errno(EIO);
    }
  }

  private end(reason: string): void {
    this.closed = true;
    this.log(`uapi: ${reason}`);
    this.close(reason);
  }
}

function errno(code: number): string {
  return `errno=${code}\n\n`;
}
