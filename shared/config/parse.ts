// parseConfig: wg-quick text to a TunnelConfig, or every error in the text. One linear pass over the lines
// (lexer -> section state machine -> per-key checks), then whole-file checks (required keys, duplicate peers,
// what `up` would fail on: up-rules.ts), then, for a valid file only, the linter's warnings. Nothing here throws
// on any input.
import { byLine, error, quote, warning } from './diagnostics.js';
import { lex } from './lexer.js';
import { lintConfig } from './lint.js';
import type { ConfigLines, Diagnostic, ParseResult } from './model.js';
import {
  canonicalKey,
  foreignKeyFlavour,
  INTERFACE_KEYS,
  PEER_KEYS,
  SECTIONS,
  suggest,
  type SectionName,
} from './schema.js';
import {
  applyInterfaceEntry,
  applyPeerEntry,
  newInterface,
  newPeer,
  type Entry,
  type InterfaceState,
  type PeerState,
  type Sink,
} from './sections.js';
import { upRuleErrors } from './up-rules.js';

/** A real config is a few KiB; 256 KiB holds thousands of peers and keeps a hostile file cheap to reject. */
export const MAX_CONFIG_BYTES = 256 * 1024;

/**
 * Past this many errors the rest of a file is not read: it is not a config (a binary, a log), the first ones say
 * so, and every further one would cost memory for nothing (a 256 KiB file can have 131,000 bad lines).
 */
export const MAX_PARSE_ERRORS = 1000;

export interface ParseOptions {
  maxBytes?: number;
  /**
   * The routing table names ip(8) knows where the tunnel will run (native-helper/platform/linux/route-tables.ts
   * reads them): a Table name not among them is an error. Absent, any name passes: the window cannot read them.
   */
  routeTableNames?: readonly string[];
}

/** UTF-8 size of `text`, counting no further than just past `limit`. */
function utf8Size(text: string, limit: number): number {
  if (text.length > limit) return text.length;
  let size = 0;
  for (let i = 0; i < text.length && size <= limit; i++) {
    const c = text.charCodeAt(i);
    // A surrogate pair is two units of two bytes each: four, as in UTF-8.
    size += c < 0x80 ? 1 : c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 2 : 3;
  }
  return size;
}

type Current =
  | { kind: 'none' }
  | { kind: 'interface'; state: InterfaceState }
  | { kind: 'peer'; state: PeerState }
  /** an unknown section, already reported: its keys are skipped rather than reported one by one */
  | { kind: 'skip' };

class Reader implements Sink {
  readonly errors: Diagnostic[] = [];
  readonly warnings: Diagnostic[] = [];
  iface: InterfaceState | null = null;
  readonly peers: PeerState[] = [];
  private current: Current = { kind: 'none' };

  error(line: number, message: string): void {
    this.errors.push(error(line, message));
  }

  warning(line: number, message: string): void {
    this.warnings.push(warning(line, message));
  }

  section(line: number, name: string): void {
    const known = SECTIONS.find((s) => s.toLowerCase() === name.toLowerCase());
    if (known === 'Interface') {
      if (this.iface === null) {
        this.iface = newInterface(line);
        this.current = { kind: 'interface', state: this.iface };
      } else {
        this.error(
          line,
          `a second [Interface] section (the first is on line ${this.iface.lines.section}); there can be only one`,
        );
        // Its keys are still checked, against a copy that is then dropped.
        this.current = { kind: 'interface', state: newInterface(line) };
      }
      return;
    }
    if (known === 'Peer') {
      const peer = newPeer(line);
      this.peers.push(peer);
      this.current = { kind: 'peer', state: peer };
      return;
    }
    this.current = { kind: 'skip' };
    const trimmed = name.trim();
    const exact = SECTIONS.find((s) => s.toLowerCase() === trimmed.toLowerCase());
    if (exact !== undefined) {
      this.error(line, `write the section header as \`[${exact}]\`, without spaces inside the brackets`);
      return;
    }
    const near = suggest(trimmed, SECTIONS);
    const hint = near === undefined ? '; the sections are [Interface] and [Peer]' : `, did you mean \`[${near}]\`?`;
    this.error(line, `unknown section ${quote(`[${name}]`)}${hint}`);
  }

  entry(line: number, key: string, value: string, rawValue: string): void {
    const current = this.current;
    if (current.kind === 'skip') return;
    if (current.kind === 'none') {
      const home = canonicalKey('Interface', key) ? 'Interface' : canonicalKey('Peer', key) ? 'Peer' : undefined;
      const where = home === undefined ? 'add an [Interface] or [Peer] header above it' : `it belongs under [${home}]`;
      this.error(line, `${quote(key)} comes before any section; ${where}`);
      return;
    }
    const section: SectionName = current.kind === 'interface' ? 'Interface' : 'Peer';
    const canonical = canonicalKey(section, key);
    if (canonical === undefined) {
      this.unknownKey(line, section, key);
      return;
    }
    const entry: Entry = { line, key: canonical, value, rawValue };
    if (current.kind === 'interface') applyInterfaceEntry(current.state, entry, this);
    else applyPeerEntry(current.state, entry, this);
  }

  private unknownKey(line: number, section: SectionName, key: string): void {
    const other: SectionName = section === 'Interface' ? 'Peer' : 'Interface';
    const elsewhere = canonicalKey(other, key);
    if (elsewhere !== undefined) {
      this.error(line, `\`${elsewhere}\` belongs in [${other}], not [${section}]`);
      return;
    }
    const flavour = foreignKeyFlavour(key);
    if (flavour !== undefined) {
      this.error(
        line,
        `unknown key ${quote(key)} in [${section}] (a ${flavour} setting; Warren speaks standard WireGuard)`,
      );
      return;
    }
    const near = suggest(key, section === 'Interface' ? INTERFACE_KEYS : PEER_KEYS);
    this.error(
      line,
      `unknown key ${quote(key)} in [${section}]${near === undefined ? '' : `, did you mean \`${near}\`?`}`,
    );
  }

  /** Whole-file rules, once every line is read. */
  finish(routeTableNames: readonly string[] | undefined): void {
    if (this.iface === null) {
      this.error(1, 'no [Interface] section; a config needs one, with a PrivateKey');
    } else {
      if (!this.iface.seen.has('PrivateKey')) this.error(this.iface.lines.section, '[Interface] has no PrivateKey');
      upRuleErrors(this.iface, this.peers, routeTableNames, (line, message) => this.error(line, message));
    }
    const keyLines = new Map<string, number>();
    for (const peer of this.peers) {
      if (!peer.seen.has('PublicKey')) {
        this.error(peer.lines.section, '[Peer] has no PublicKey');
        continue;
      }
      const key = peer.config.publicKey;
      const line = peer.lines.publicKey;
      if (key === '' || line === undefined) continue;
      const first = keyLines.get(key);
      if (first === undefined) keyLines.set(key, line);
      else this.error(line, `this PublicKey is already used by the peer on line ${first}; each peer needs its own`);
    }
  }
}

export function parseConfig(text: string, options: ParseOptions = {}): ParseResult {
  const maxBytes = options.maxBytes ?? MAX_CONFIG_BYTES;
  if (utf8Size(text, maxBytes) > maxBytes) {
    return {
      ok: false,
      errors: [
        error(1, `the file is larger than ${maxBytes} bytes, the limit for a config file; is it the right file?`),
      ],
      warnings: [],
    };
  }
  const reader = new Reader();
  let stopped = false;
  for (const line of lex(text)) {
    if (reader.errors.length >= MAX_PARSE_ERRORS) {
      reader.error(
        line.line,
        `more than ${MAX_PARSE_ERRORS} errors: the rest of the file is not checked; is it a WireGuard configuration?`,
      );
      stopped = true;
      break;
    }
    switch (line.kind) {
      case 'blank':
        break;
      case 'invalid':
        reader.error(line.line, line.message);
        break;
      case 'section':
        reader.section(line.line, line.name);
        break;
      case 'entry':
        reader.entry(line.line, line.key, line.value, line.rawValue);
        break;
    }
  }
  // The whole-file checks would judge a file not read to its end.
  if (!stopped) reader.finish(options.routeTableNames);
  const iface = reader.iface;
  if (reader.errors.length > 0 || iface === null) {
    return { ok: false, errors: byLine(reader.errors), warnings: byLine(reader.warnings) };
  }
  const config = { interface: iface.config, peers: reader.peers.map((p) => p.config) };
  const lines: ConfigLines = { interface: iface.lines, peers: reader.peers.map((p) => p.lines) };
  return { ok: true, config, lines, warnings: byLine([...reader.warnings, ...lintConfig(config, lines)]) };
}
