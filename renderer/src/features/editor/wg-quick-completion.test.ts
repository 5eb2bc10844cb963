import { CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import { EditorState } from '@codemirror/state';
import { describe, expect, it } from 'vitest';
import { wgQuickCompletions } from './wg-quick-completion.js';
import { wgQuick } from './wg-quick-language.js';

/** The completions at `|` in `text`. */
function complete(text: string, explicit = false): { from: number; labels: string[] } | null {
  const pos = text.indexOf('|');
  const state = EditorState.create({ doc: text.replace('|', ''), extensions: [wgQuick()] });
  const result = wgQuickCompletions(new CompletionContext(state, pos, explicit)) as CompletionResult | null;
  return result && { from: result.from, labels: result.options.map((o) => o.label) };
}

describe('wg-quick completion', () => {
  it("offers the section's keys while a key is typed, less those set once already", () => {
    const text = '[Interface]\nPrivateKey = x\nAddress = 10.0.0.2/32\nM|\n\n[Peer]\nEndpoint = e:1\n';
    expect(complete(text)).toEqual({
      from: text.indexOf('M|'),
      labels: [
        'ListenPort',
        'FwMark',
        'Address',
        'DNS',
        'MTU',
        'Table',
        'PreUp',
        'PostUp',
        'PreDown',
        'PostDown',
        'SaveConfig',
      ],
    });
    expect(complete('[Peer]\nEndpoint = e:1\n  A|')?.labels).toEqual([
      'PublicKey',
      'PresharedKey',
      'AllowedIPs',
      'PersistentKeepalive',
    ]);
  });

  it('offers section headers after `[`, and nothing in values, comments or outside a section', () => {
    expect(complete('[Interface]\n\n[P|')).toEqual({ from: 13, labels: ['[Interface]', '[Peer]'] });
    expect(complete('[Interface]\nAddress = 10|')).toBeNull();
    expect(complete('[Interface]\n# Add|')).toBeNull();
    expect(complete('Add|')).toBeNull();
  });

  it('waits for a letter unless asked (Ctrl+Space)', () => {
    expect(complete('[Peer]\n|')).toBeNull();
    expect(complete('[Peer]\n|', true)?.labels).toContain('PublicKey');
  });

  it('is what the language offers', () => {
    const state = EditorState.create({ doc: '[Peer]\nPub', extensions: [wgQuick()] });
    expect(state.languageDataAt('autocomplete', 9)).toEqual([wgQuickCompletions]);
  });
});
