/*
 * wg-quick highlighting for CodeMirror: section headers, keys (those the section accepts apart from the rest),
 * `=`, values and comments, read line by line the way shared/config's lexer reads them: `#` starts a comment
 * anywhere except in a hook's value (PreUp and friends go to bash whole), and the key belongs to the section
 * above it. Only colours come from here; what is wrong and why comes from the parser (line-diagnostics.ts).
 */
import { HighlightStyle, LanguageSupport, StreamLanguage, type StringStream } from '@codemirror/language';
import { tags } from '@lezer/highlight';
import { PRIVATE_KEY_PLACEHOLDER } from '../../../../shared/config/index.js';
import { canonicalKey, type SectionName } from '../../../../shared/config/schema.js';
import { wgQuickCompletions } from './wg-quick-completion.js';

const HOOKS = new Set(['preup', 'postup', 'predown', 'postdown']);

interface LineState {
  section: SectionName | null;
  /** Where on the current line the tokenizer is. */
  at: 'start' | 'operator' | 'value' | 'rest';
  /** The key of the current line, lower case. */
  key: string;
}

/** Token names this language emits, each with the tag it is highlighted as. */
export const TOKENS = {
  section: tags.heading,
  unknownSection: tags.special(tags.invalid),
  key: tags.propertyName,
  unknownKey: tags.invalid,
  operator: tags.definitionOperator,
  value: tags.string,
  placeholder: tags.special(tags.string),
  comment: tags.lineComment,
} as const;

type Token = keyof typeof TOKENS;

function sectionOf(name: string): SectionName | null {
  const lower = name.trim().toLowerCase();
  return lower === 'interface' ? 'Interface' : lower === 'peer' ? 'Peer' : null;
}

function token(stream: StringStream, state: LineState): Token | null {
  if (stream.sol()) {
    state.at = 'start';
    state.key = '';
  }
  if (stream.eatSpace()) return null;
  if (state.at !== 'value' || !HOOKS.has(state.key)) {
    if (stream.peek() === '#') {
      stream.skipToEnd();
      return 'comment';
    }
  }
  switch (state.at) {
    case 'start': {
      if (stream.peek() === '[') {
        const header = stream.match(/^\[([^\]#]*)\]?/) as RegExpMatchArray;
        state.section = sectionOf(header[1]!);
        state.at = 'rest';
        return state.section === null || !header[0].endsWith(']') ? 'unknownSection' : 'section';
      }
      stream.eatWhile(/[^=#]/);
      const key = stream.current().trim();
      state.key = key.toLowerCase();
      state.at = 'operator';
      return state.section !== null && canonicalKey(state.section, key) !== undefined ? 'key' : 'unknownKey';
    }
    case 'operator':
      state.at = 'value';
      if (stream.eat('=')) return 'operator';
      stream.skipToEnd();
      return 'unknownKey';
    case 'value': {
      state.at = 'rest';
      if (HOOKS.has(state.key)) stream.skipToEnd();
      else stream.eatWhile(/[^#]/);
      const isPlaceholder = state.key === 'privatekey' && stream.current().trim() === PRIVATE_KEY_PLACEHOLDER;
      return isPlaceholder ? 'placeholder' : 'value';
    }
    case 'rest':
      // Text after a section header (other than a comment) is an error the parser reports.
      stream.eatWhile(/[^#]/);
      return 'unknownKey';
  }
}

export const wgQuickLanguage = StreamLanguage.define<LineState>({
  name: 'wg-quick',
  startState: () => ({ section: null, at: 'start', key: '' }),
  token,
  tokenTable: TOKENS,
  languageData: { commentTokens: { line: '#' } },
});

/** The language with its completions (wg-quick-completion.ts). */
export function wgQuick(): LanguageSupport {
  return new LanguageSupport(wgQuickLanguage, wgQuickLanguage.data.of({ autocomplete: wgQuickCompletions }));
}

/**
 * Colours from CSS variables the editor's container sets for light and dark (EditorPane.svelte), so the theme
 * follows the system like the rest of the window.
 */
export const wgQuickHighlight = HighlightStyle.define([
  { tag: tags.heading, color: 'var(--syntax-section)', fontWeight: '600' },
  { tag: tags.propertyName, color: 'var(--syntax-key)' },
  { tag: tags.definitionOperator, color: 'var(--muted)' },
  { tag: tags.string, color: 'var(--text)' },
  { tag: tags.special(tags.string), color: 'var(--muted)', fontStyle: 'italic' },
  { tag: tags.lineComment, color: 'var(--syntax-comment)', fontStyle: 'italic' },
  { tag: tags.invalid, color: 'var(--bad)', textDecoration: 'underline dotted' },
]);
