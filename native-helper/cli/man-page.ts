/*
 * The manual page, warren(1), in groff's man macros, made from the same texts `warren help` prints (the catalog,
 * messages/): the overview, each command's help, the exit statuses. A help text is read as its usage lines, then
 * paragraphs of prose (filled by man) and blocks indented by two spaces (kept as written: option lists).
 */
import type { Command } from './command.js';
import { text } from './messages/index.js';

/** Text made safe for groff: backslashes, minus signs (options stay typeable), a control character at a line start. */
export function escapeGroff(line: string): string {
  return line
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/^([.'])/, '\\&$1');
}

/** A help text as man source: usage lines in bold, then its paragraphs and kept blocks. */
function helpToMan(help: string): string[] {
  const [usage = '', ...blocks] = help.trimEnd().split('\n\n');
  const out = [
    '.nf',
    ...usage.split('\n').map((line) => `\\fB${escapeGroff(line.replace(/^Usage: |^ +/, ''))}\\fR`),
    '.fi',
  ];
  for (const block of blocks) {
    let prose: string[] = [];
    let kept: string[] = [];
    const flush = () => {
      if (prose.length > 0) out.push('.PP', escapeGroff(prose.join(' ')));
      if (kept.length > 0)
        out.push('.PP', '.RS 2', '.nf', ...kept.map((line) => escapeGroff(line.slice(2))), '.fi', '.RE');
      prose = [];
      kept = [];
    };
    for (const line of block.split('\n')) {
      if (line.startsWith('  ')) {
        if (prose.length > 0) flush();
        kept.push(line);
      } else {
        if (kept.length > 0) flush();
        prose.push(line.trim());
      }
    }
    flush();
  }
  return out;
}

export interface ManPageSource {
  version: string;
  commands: readonly Command[];
  exitStatuses: readonly (readonly [code: number, meaning: string])[];
}

export function manPage({ version, commands, exitStatuses }: ManPageSource): string {
  const m = text.man;
  const section = (title: string) => `.SH "${title}"`;
  const lines = [
    `.TH WARREN 1 "" "Warren ${escapeGroff(version)}" "User Commands"`,
    // No hyphenation: commands, options and names are typed as they are shown.
    '.nh',
    section(m.sections.name),
    m.name,
    section(m.sections.synopsis),
    '.B warren',
    '.I COMMAND',
    '.RI [ ARGUMENTS ]',
    '.br',
    '.B warren',
    '.BR \\-\\-help " | " \\-\\-version',
    section(m.sections.description),
    escapeGroff(m.description),
    section(m.sections.commands),
  ];
  for (const command of commands.filter((c) => !c.hidden)) {
    lines.push(`.SS ${command.name}`, ...helpToMan(command.help));
  }
  lines.push(section(m.sections.exitStatus));
  for (const [code, meaning] of exitStatuses) lines.push('.TP', `.B ${code}`, escapeGroff(meaning));
  lines.push(section(m.sections.environment));
  for (const [name, meaning] of m.environment) lines.push('.TP', `.B ${escapeGroff(name)}`, escapeGroff(meaning));
  lines.push(section(m.sections.files));
  for (const [path, meaning] of m.files) lines.push('.TP', `.I ${escapeGroff(path)}`, escapeGroff(meaning));
  lines.push(section(m.sections.seeAlso), '.BR wg (8),', '.BR wg\\-quick (8)');
  return lines.join('\n') + '\n';
}
