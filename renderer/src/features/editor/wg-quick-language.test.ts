import { ensureSyntaxTree } from '@codemirror/language';
import { EditorState } from '@codemirror/state';
import { highlightTree, tagHighlighter, tags } from '@lezer/highlight';
import { describe, expect, it } from 'vitest';
import { TOKENS, wgQuick } from './wg-quick-language.js';

const names = new Map<unknown, string>(Object.entries(TOKENS).map(([name, tag]) => [tag, name]));
const classify = tagHighlighter(Object.entries(TOKENS).map(([name, tag]) => ({ tag, class: name })));

/** Each highlighted piece of `text` as `token:text`, blanks left out. */
function tokens(text: string): string[] {
  const state = EditorState.create({ doc: text, extensions: [wgQuick()] });
  const tree = ensureSyntaxTree(state, state.doc.length, 5000)!;
  const out: string[] = [];
  highlightTree(tree, classify, (from, to, cls) => out.push(`${cls}:${text.slice(from, to).trim()}`));
  return out;
}

describe('wg-quick highlighting', () => {
  it('tells sections, known keys, `=`, values and comments apart', () => {
    expect(tokens('[Interface]  # me\nAddress = 10.0.0.2/32 # home\n[Peer]\nEndpoint=vpn.example:51820\n')).toEqual([
      'section:[Interface]',
      'comment:# me',
      'key:Address',
      'operator:=',
      'value:10.0.0.2/32',
      'comment:# home',
      'section:[Peer]',
      'key:Endpoint',
      'operator:=',
      'value:vpn.example:51820',
    ]);
  });

  it('marks keys the section does not take, unknown sections and text after a header', () => {
    expect(tokens('[Interface]\nPublicKey = x\nAddres = 1\n[Peers]\nfoo\n[Peer] junk\n')).toEqual([
      'section:[Interface]',
      'unknownKey:PublicKey',
      'operator:=',
      'value:x',
      'unknownKey:Addres',
      'operator:=',
      'value:1',
      'unknownSection:[Peers]',
      'unknownKey:foo',
      'section:[Peer]',
      'unknownKey:junk',
    ]);
  });

  it("keeps `#` in a hook's value (bash gets it whole) and shows the hidden key as a placeholder", () => {
    expect(tokens("[Interface]\nPrivateKey = (hidden)\nPostUp = echo '#1' > /tmp/x\n")).toEqual([
      'section:[Interface]',
      'key:PrivateKey',
      'operator:=',
      'placeholder:(hidden)',
      'key:PostUp',
      'operator:=',
      "value:echo '#1' > /tmp/x",
    ]);
  });

  it('highlights every token kind with a distinct tag', () => {
    expect(names.size).toBe(Object.keys(TOKENS).length);
    expect(TOKENS.unknownKey).toBe(tags.invalid);
  });
});
