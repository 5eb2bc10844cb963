import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { MAX_CONTROL_MESSAGE_BYTES, METHODS, controlRequest } from './control.js';
import { LineFramer, encodeFrame } from './framing.js';
import { MAX_IMPORT_FILES, importBatches, tooLargeToSend } from './import-batches.js';

type File = { filename: string; text: string };
const file = (i: number, text = '[Interface]\n'): File => ({ filename: `t${i}.conf`, text });

/** The request line a client writes for a batch, as the helper receives it. */
function requestLine(files: File[]): string {
  return encodeFrame({ v: 1, id: Number.MAX_SAFE_INTEGER, method: 'import', params: { files } });
}

/** Every batch is a request the helper's framer and schema accept. */
function expectAccepted(batches: ReturnType<typeof importBatches<File>>): void {
  for (const batch of batches.filter((b) => b.sendable)) {
    const line = requestLine(batch.files);
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(MAX_CONTROL_MESSAGE_BYTES);
    const frames = new LineFramer().push(line);
    expect(frames).toHaveLength(1);
    expect(frames[0]!.ok).toBe(true);
    expect(controlRequest.safeParse((frames[0] as { value: unknown }).value).success).toBe(true);
  }
}

describe('importBatches', () => {
  it("agrees with the protocol's bound on files per request", () => {
    const files = Array.from({ length: MAX_IMPORT_FILES + 1 }, (_, i) => file(i));
    expect(METHODS.import.params.safeParse({ files: files.slice(0, MAX_IMPORT_FILES) }).success).toBe(true);
    expect(METHODS.import.params.safeParse({ files }).success).toBe(false);
  });

  it('splits by count, keeping the order', () => {
    const files = Array.from({ length: 600 }, (_, i) => file(i));
    const batches = importBatches(files);
    expect(batches.map((b) => [b.files.length, b.sendable])).toEqual([
      [256, true],
      [256, true],
      [88, true],
    ]);
    expect(batches.flatMap((b) => b.files)).toEqual(files);
    expectAccepted(batches);
  });

  it('splits by encoded bytes: JSON escapes and multi-byte characters count for what they become', () => {
    // 400,000 control characters are 2.4 MB as JSON; 700,000 euro signs are 2.1 MB as UTF-8: two never fit in one request.
    const files = [
      file(0, '\u0001'.repeat(400_000)),
      file(1, '€'.repeat(700_000)),
      file(2, '\u0001'.repeat(400_000)),
      file(3),
      file(4),
    ];
    const batches = importBatches(files);
    expect(batches.map((b) => b.files.map((f) => f.filename))).toEqual([
      ['t0.conf'],
      ['t1.conf'],
      ['t2.conf', 't3.conf', 't4.conf'],
    ]);
    expect(batches.every((b) => b.sendable)).toBe(true);
    expectAccepted(batches);
  });

  it('sets a file too large for any request apart, in its place', () => {
    const files = [file(0), file(1, '\u0001'.repeat(1024 * 1024)), file(2)];
    const batches = importBatches(files);
    expect(batches.map((b) => [b.files.map((f) => f.filename), b.sendable])).toEqual([
      [['t0.conf'], true],
      [['t1.conf'], false],
      [['t2.conf'], true],
    ]);
    expect(Buffer.byteLength(requestLine([files[1]!]))).toBeGreaterThan(MAX_CONTROL_MESSAGE_BYTES);
    expectAccepted(batches);
    expect(tooLargeToSend('t1.conf')).toMatch(/^t1\.conf: too large to send to the Warren helper/);
  });

  it('makes no batch of nothing', () => {
    expect(importBatches([])).toEqual([]);
  });
});
