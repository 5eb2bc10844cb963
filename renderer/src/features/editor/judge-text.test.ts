import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../shared/config/index.js';
import { judgeText, textLineOf } from './judge-text.js';

const PEER = 'CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=';
const KEY = 'BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=';
const PEERS = `[Peer]\nPublicKey = ${PEER}\nAllowedIPs = 0.0.0.0/0\n`;

describe('judgeText', () => {
  it('judges a text with its key exactly as `warren check` does', () => {
    const text = `[Interface]\nPrivateKey = ${KEY}\nAddress = 10.0.0.2/32\nMTU = 9000\n\n${PEERS}`;
    const judged = judgeText(text, 'new');
    expect(judged.result).toEqual(parseConfig(text));
    expect(judged).toMatchObject({ privateKeys: [KEY], keyMadeOnSave: false, insertedAfter: null });
    expect(judged.result.warnings.map((w) => w.line)).toEqual([4, 6, 8]);
  });

  it('judges a new text without a key as the helper will (with its key), at the lines as written', () => {
    const text = `# office\n[Interface]\nAddress = 10.0.0.2/32\nMTU = 9000\n\n${PEERS}`;
    const judged = judgeText(text, 'new');
    expect(judged).toMatchObject({ keyMadeOnSave: true, insertedAfter: 2, privateKeys: [] });
    expect(judged.result.ok).toBe(true);
    expect(judged.result.warnings.map((w) => [w.line, w.message.split(' ')[0]])).toEqual([
      [4, 'MTU'],
      [6, 'this'],
      [8, 'all'],
    ]);
    const broken = judgeText(text.replace('MTU = 9000', 'MTU = 70000'), 'new').result;
    expect(broken.ok).toBe(false);
    if (!broken.ok) expect(broken.errors.map((e) => [e.line, e.message.includes('MTU')])).toEqual([[4, true]]);
    // A finding about the section itself stays on its header.
    const lonely = judgeText('[Interface]\nAddress = 10.0.0.2/32\n', 'new');
    expect(lonely.result.warnings).toEqual([
      expect.objectContaining({ line: 1, message: expect.stringContaining('no [Peer]') }),
    ]);
  });

  it('says a new text has no [Interface] where it has none, rather than making one up', () => {
    const judged = judgeText(PEERS, 'new');
    expect(judged.keyMadeOnSave).toBe(false);
    expect(judged.result.ok).toBe(false);
    if (!judged.result.ok)
      expect(judged.result.errors[0]).toMatchObject({ line: 1, message: expect.stringContaining('no [Interface]') });
  });

  it('takes the placeholder for the stored key when editing, and for what it is in a new tunnel', () => {
    const text = `[Interface]\nPrivateKey = (hidden)\nAddress = 10.0.0.2/32\n\n${PEERS}`;
    expect(judgeText(text, 'edit').result.ok).toBe(true);
    const asNew = judgeText(text, 'new').result;
    expect(asNew.ok).toBe(false);
    if (!asNew.ok) expect(asNew.errors.map((e) => e.line)).toEqual([2]);
  });

  it('moves a line the helper named in its key-inserted text back to the text as written', () => {
    const judged = judgeText(`[Interface]\nAddress = 10.0.0.2/32\n\n${PEERS}`, 'new');
    expect([1, 2, 3, 7].map((line) => textLineOf(line, judged))).toEqual([1, 1, 2, 6]);
    expect(textLineOf(7, judgeText(`[Interface]\nPrivateKey = ${KEY}\n`, 'new'))).toBe(7);
  });
});
