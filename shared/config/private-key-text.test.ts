import { describe, expect, it } from 'vitest';
import { parseConfig } from './parse.js';
import {
  HIDDEN_PRIVATE_KEY_LINE,
  hasHiddenPrivateKey,
  hidePrivateKey,
  insertPrivateKey,
  restorePrivateKey,
  withStandInKey,
} from './private-key-text.js';

const KEY = 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=';
const PEER = 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=';
const TEXT = `# home\r\n[Interface]\r\nprivatekey=${KEY}   # mine\r\nAddress = 10.0.0.2/24\r\n\r\n[Peer]\r\nPublicKey = ${PEER}\r\nAllowedIPs = 0.0.0.0/0\r\n`;

describe('private key text', () => {
  it('hides the key and nothing else, keeping line endings', () => {
    const hidden = hidePrivateKey(TEXT);
    expect(hidden).toBe(TEXT.replace(`privatekey=${KEY}   # mine`, 'PrivateKey = (hidden)'));
    expect(hidden).not.toContain(KEY);
    expect(hasHiddenPrivateKey(hidden)).toBe(true);
    expect(hasHiddenPrivateKey(TEXT)).toBe(false);
  });

  it('puts the stored line back byte for byte, wherever the placeholder now is', () => {
    expect(restorePrivateKey(hidePrivateKey(TEXT), TEXT)).toBe(TEXT);
    const edited = `[Interface]\nAddress = 10.9.0.2/24\nPrivateKey = (hidden)\n`;
    expect(restorePrivateKey(edited, TEXT)).toBe(`[Interface]\nAddress = 10.9.0.2/24\nprivatekey=${KEY}   # mine\n`);
  });

  it('does not take a PrivateKey of a [Peer] section for the interface key', () => {
    const text = `[Peer]\nPrivateKey = (hidden)\n`;
    expect(hasHiddenPrivateKey(text)).toBe(false);
    expect(restorePrivateKey(text, TEXT)).toBe(text);
  });

  it('inserts a new key at the top of [Interface], or adds the section', () => {
    const body = `[Interface]\nAddress = 10.0.0.2/24\n`;
    const inserted = insertPrivateKey(body, KEY);
    expect(inserted).toEqual({ ok: true, text: `[Interface]\nPrivateKey = ${KEY}\nAddress = 10.0.0.2/24\n` });
    const peerOnly = insertPrivateKey(`[Peer]\nPublicKey = ${PEER}\nAllowedIPs = 10.0.0.0/24\n`, KEY);
    expect(peerOnly.ok && parseConfig(peerOnly.text).ok).toBe(true);
    const empty = insertPrivateKey('', KEY);
    expect(empty.ok && parseConfig(empty.text).ok).toBe(true);
    expect(insertPrivateKey('[Interface]', KEY)).toEqual({ ok: true, text: `[Interface]\nPrivateKey = ${KEY}\n` });
  });

  it('refuses to insert into a text that sets its own key', () => {
    const result = insertPrivateKey(TEXT, KEY);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/^line 3: leave PrivateKey out/);
  });
});

describe('withStandInKey', () => {
  it('puts a valid key where the placeholder is, so the rest parses, and keeps every other line', () => {
    const text = `# home\n[Interface]\n${HIDDEN_PRIVATE_KEY_LINE}\nAddress = 10.0.0.2/32\nAddress = nonsense\n`;
    const parsed = parseConfig(withStandInKey(text));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    // The only error is the one the user wrote, at its own line: the stand-in key is valid.
    expect(parsed.errors.map((e) => e.line)).toEqual([5]);
    expect(
      withStandInKey(text)
        .split('\n')
        .filter((_, i) => i !== 2),
    ).toEqual(text.split('\n').filter((_, i) => i !== 2));
  });

  it('leaves text without the placeholder alone', () => {
    const text = '[Interface]\nPrivateKey = abc\n';
    expect(withStandInKey(text)).toBe(text);
  });
});
