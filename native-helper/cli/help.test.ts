// The command table as the scripts and the manual read it: each command's declared syntax says what its help
// says (so completion cannot drift from the commands), the exit statuses are listed, and the completion scripts
// and the man page made from the table are what the shells and man accept.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { EXIT_FAILURE, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE } from './command.js';
import { bashCompletion } from './completion/bash.js';
import { completedCommands } from './completion/spec.js';
import { COMMANDS, EXIT_STATUSES, VISIBLE_COMMANDS, overview } from './help.js';
import { escapeGroff, manPage } from './man-page.js';
import { catalogFor } from './messages/index.js';
import { en } from './messages/en.js';

/** The options a help text defines: in its usage lines, and at the start of its indented option lines. */
function optionsInHelp(help: string): Set<string> {
  const [usage = '', ...rest] = help.split('\n\n');
  const optionLines = rest
    .join('\n')
    .split('\n')
    .filter((line) => /^\s+-/.test(line));
  const found = [usage, ...optionLines].join('\n').match(/(?<![\w-])--?[a-z][a-z-]*/g) ?? [];
  return new Set(found);
}

describe('the command table', () => {
  for (const command of COMMANDS) {
    it(`declares the options \`warren ${command.name}\`'s help shows, and no other`, () => {
      const declared = new Set((command.syntax.options ?? []).map((option) => option.name));
      expect(declared).toEqual(optionsInHelp(command.help));
      expect(command.help).toMatch(new RegExp(`^Usage: warren ${command.name}\\b`));
    });
  }

  it('has words for completion that the scripts can carry (no comma, space or quote)', () => {
    const lists = COMMANDS.flatMap((c) => [
      ...(c.syntax.operands ?? []),
      ...(c.syntax.options ?? []).map((o) => o.value),
    ]);
    for (const kind of lists) if (Array.isArray(kind)) for (const word of kind) expect(word).toMatch(/^[\w.-]+$/);
  });

  it('lists every visible command and every exit status in `warren help`', () => {
    const text = overview('1.0.0');
    for (const command of VISIBLE_COMMANDS) expect(text).toMatch(new RegExp(`^  ${command.name} +\\S`, 'm'));
    expect(text).not.toContain('__complete');
    expect(EXIT_STATUSES.map(([code]) => code)).toEqual([EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INTERNAL]);
    for (const [code, meaning] of EXIT_STATUSES) expect(text).toContain(`  ${code}`.padEnd(14) + meaning);
  });
});

describe('the message catalog', () => {
  it('speaks English for every locale until a translation is added', () => {
    for (const env of [{}, { LANG: 'de_DE.UTF-8' }, { LC_ALL: 'C' }, { LC_MESSAGES: 'en_GB' }])
      expect(catalogFor(env)).toBe(en);
  });
});

describe('the bash completion script', () => {
  const script = bashCompletion(completedCommands(COMMANDS, en.help.summary));
  /** What the script offers for a command line (the word being typed is the last). */
  const complete = (...words: string[]) => {
    const result = spawnSync(
      'bash',
      // --norc: bash reads ~/.bashrc when its standard input is a socket, as if started by rshd.
      [
        '--norc',
        '--noprofile',
        '-c',
        `${script}\nCOMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _warren; printf '%s\\n' "\${COMPREPLY[@]}"`,
        'bash',
        ...words,
      ],
      // No `warren` on PATH: tunnel names complete to nothing, the rest comes from the script alone.
      { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } },
    );
    expect(result.stderr).toBe('');
    return result.stdout.split('\n').filter(Boolean);
  };

  it('completes commands, options, option values and word operands from the table', () => {
    expect(complete('warren', 'co')).toEqual(['completion']);
    expect(complete('warren', 'he')).toEqual(['help']);
    expect(complete('warren', 'help', 'ex')).toEqual(['export']);
    expect(complete('warren', 'set', 'home', '--al')).toEqual(['--allow-bridges', '--allow-scripts']);
    expect(complete('warren', 'set', 'home', '--autostart', '')).toEqual(['on', 'off']);
    expect(complete('warren', 'demo', '--peer', '')).toEqual(['wireguard-go', 'warren']);
    expect(complete('warren', 'service', '')).toEqual(['install', 'uninstall', 'status']);
    expect(complete('warren', 'service', 'install', '')).toEqual([]);
    expect(complete('warren', 'completion', 'z')).toEqual(['zsh']);
    expect(complete('warren', 'list', '--')).toEqual(['--json', '--help']);
  });

  it('counts operands past options and their values', () => {
    // export -o FILE NAME...: the word after -o is a file, then tunnel names (none here), never files again.
    expect(complete('warren', 'export', '-o', '/et')).toEqual(['/etc']);
    expect(complete('warren', 'export', '-o', '/tmp/x.zip', '/et')).toEqual([]);
    expect(complete('warren', 'check', 'a.conf', '/et')).toEqual(['/etc']);
  });
});

describe('the manual page', () => {
  const page = manPage({ version: '1.2.3', commands: COMMANDS, exitStatuses: EXIT_STATUSES });

  it('has a section for every visible command, the exit statuses and its title', () => {
    expect(page.startsWith('.TH WARREN 1 "" "Warren 1.2.3" "User Commands"\n')).toBe(true);
    for (const command of VISIBLE_COMMANDS) expect(page).toContain(`\n.SS ${command.name}\n`);
    expect(page).not.toContain('__complete');
    for (const [code] of EXIT_STATUSES) expect(page).toContain(`\n.TP\n.B ${code}\n`);
  });

  it('escapes what groff would read as its own', () => {
    expect(escapeGroff('.hidden')).toBe('\\&.hidden');
    expect(escapeGroff("'quoted")).toBe("\\&'quoted");
    expect(escapeGroff('a\\b --json')).toBe('a\\eb \\-\\-json');
    expect(page.split('\n').filter((line) => /^[.'](?![A-Z]{1,2}\b|nh\b|nf\b|fi\b|br\b)/.test(line))).toEqual([]);
  });
});
