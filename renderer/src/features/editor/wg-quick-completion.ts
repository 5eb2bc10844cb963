/*
 * Completion for wg-quick text: at the start of a line, the keys the section above accepts (less those already
 * set that may appear only once), and section headers after `[`. Keys come from shared/config's schema, the
 * list the parser checks against, so the editor never proposes a key `warren check` would refuse.
 */
import type { Completion, CompletionContext, CompletionResult } from '@codemirror/autocomplete';
import type { EditorState } from '@codemirror/state';
import {
  INTERFACE_KEYS,
  PEER_KEYS,
  REPEATABLE,
  SECTIONS,
  canonicalKey,
  type SectionName,
} from '../../../../shared/config/schema.js';

const SECTION_LINE = /^\s*\[([^\]#]*)\]/;
const ENTRY_KEY = /^\s*([^=#\s][^=#]*?)\s*=/;

/** The section that 1-based `line` is in, and the keys already set in it (above and below). */
function sectionAt(state: EditorState, line: number): { section: SectionName | null; used: Set<string> } {
  const { doc } = state;
  let start = line;
  let section: SectionName | null = null;
  for (; start >= 1; start--) {
    const header = SECTION_LINE.exec(doc.line(start).text);
    if (header === null) continue;
    const name = header[1]!.trim().toLowerCase();
    section = SECTIONS.find((s) => s.toLowerCase() === name) ?? null;
    break;
  }
  const used = new Set<string>();
  if (section === null) return { section, used };
  for (let n = start + 1; n <= doc.lines && !SECTION_LINE.test(doc.line(n).text); n++) {
    const key = n === line ? null : ENTRY_KEY.exec(doc.line(n).text);
    const canonical = key ? canonicalKey(section, key[1]!) : undefined;
    if (canonical !== undefined) used.add(canonical);
  }
  return { section, used };
}

export function wgQuickCompletions(context: CompletionContext): CompletionResult | null {
  const line = context.state.doc.lineAt(context.pos);
  const before = line.text.slice(0, context.pos - line.from);
  const header = /^(\s*)\[\w*$/.exec(before);
  if (header !== null) {
    return {
      from: line.from + header[1]!.length,
      options: SECTIONS.map((s): Completion => ({ label: `[${s}]`, type: 'namespace' })),
      validFor: /^\[\w*$/,
    };
  }
  const key = /^(\s*)(\w*)$/.exec(before);
  if (key === null || (key[2] === '' && !context.explicit)) return null;
  const { section, used } = sectionAt(context.state, line.number);
  if (section === null) return null;
  const keys: readonly string[] = section === 'Interface' ? INTERFACE_KEYS : PEER_KEYS;
  return {
    from: line.from + key[1]!.length,
    options: keys
      .filter((k) => REPEATABLE.has(k) || !used.has(k))
      .map((k): Completion => ({ label: k, type: 'property', detail: `[${section}]`, apply: `${k} = ` })),
    validFor: /^\w*$/,
  };
}
