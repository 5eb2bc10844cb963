import { describe, expect, it } from 'vitest';
import { LineFramer, encodeFrame } from './framing.js';

describe('LineFramer', () => {
  it('joins a line that arrives in pieces and splits lines that arrive together', () => {
    const framer = new LineFramer();
    expect(framer.push('{"a":')).toEqual([]);
    expect(framer.pendingLength).toBe(5);
    expect(framer.push('1}\n{"b"')).toEqual([{ ok: true, value: { a: 1 }, size: 7 }]);
    expect(framer.push(':2}\n\n  \n[3]\n')).toEqual([
      { ok: true, value: { b: 2 }, size: 7 },
      { ok: true, value: [3], size: 3 },
    ]);
    expect(framer.pendingLength).toBe(0);
  });

  it('reports a line that is not JSON and goes on', () => {
    const framer = new LineFramer();
    expect(framer.push('nope\n{}\n')).toEqual([
      { ok: false, error: 'message is not JSON', size: 4 },
      { ok: true, value: {}, size: 2 },
    ]);
  });

  it('reports a line over the bound once, as soon as it is over, drops the rest of it, and reads the next line', () => {
    const framer = new LineFramer(10);
    expect(framer.push('[1,2,3,4,')).toEqual([]);
    expect(framer.push('5,6]')).toEqual([{ ok: false, error: 'message larger than 10 bytes', size: 0 }]);
    expect(framer.pendingLength).toBe(0);
    expect(framer.push('x'.repeat(100))).toEqual([]);
    expect(framer.push('yyy\n[7]\n')).toEqual([{ ok: true, value: [7], size: 3 }]);
    // A complete line over the bound in one chunk.
    expect(framer.push('"' + 'z'.repeat(20) + '"\n')).toEqual([
      { ok: false, error: 'message larger than 10 bytes', size: 0 },
    ]);
  });

  it('encodes one message per line', () => {
    expect(encodeFrame({ a: 'x\ny' })).toBe('{"a":"x\\ny"}\n');
  });
});
