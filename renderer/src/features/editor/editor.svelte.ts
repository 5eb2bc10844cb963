/*
 * The tunnel editor's state: a new tunnel ('new', saved with createTunnel) or a stored one ('edit', opened with
 * getTunnel and saved with updateTunnel). The text is judged on every change by the parser and linter
 * `warren check` uses (judge-text.ts), findings at their lines; the helper judges it again on save and its
 * refusal is shown at its lines the same way, until the text changes.
 *
 * The private key of a stored tunnel never reaches the window: its text says `PrivateKey = (hidden)` and saving
 * that keeps the stored key. "Generate keypair" makes a key here and writes it into the text; the public key of
 * whatever key the text holds is shown so it can be given to the peer.
 */
import type { WarrenApi } from '../../../../shared/bridge/schema.js';
import type { Diagnostic } from '../../../../shared/config/index.js';
import { messageOf } from '../../lib/session.svelte.js';
import { strings } from '../../lib/strings.js';
import { tunnelNameProblem } from '../../lib/tunnel-name.js';
import type { Problem } from '../import/outcome-view.js';
import { isPlaceholder, judgeText, textLineOf, type EditorMode, type Judgement } from './judge-text.js';
import { generateKeypair, publicKeyOf, withPrivateKey } from './keypair.js';

/** No PrivateKey: the helper makes one on save (or "Generate keypair" writes one now). */
export const TEMPLATE = '[Interface]\nAddress = \n\n[Peer]\nPublicKey = \nAllowedIPs = \nEndpoint = \n';

export type EditorApi = Pick<WarrenApi, 'getTunnel' | 'createTunnel' | 'updateTunnel'>;

/** What the editor can say about the tunnel's key. */
export type KeyState =
  /** A new tunnel without PrivateKey: the helper makes one when it is saved. */
  | { kind: 'made-on-save' }
  /** The stored key, kept (the text holds the placeholder). */
  | { kind: 'stored'; publicKey: string | null }
  /** A key written in the text: new for a new tunnel, a replacement for a stored one. */
  | { kind: 'written'; publicKey: string; replacesStored: boolean }
  /** No usable key (the parser says why at its line). */
  | { kind: 'none' };

interface Refusal {
  /** The text the helper refused: its problems are shown while the text is still this. */
  text: string;
  problems: Problem[];
}

export class Editor {
  mode = $state<EditorMode>('new');
  text = $state(TEMPLATE);
  name = $state('');
  /** Grows with each openNew and openExisting, so the view starts a new document (and undo history). */
  generation = $state(0);
  loading = $state(false);
  loadError = $state<string | null>(null);
  saving = $state(false);
  /** The name of the tunnel the last successful save stored. */
  saved = $state<string | null>(null);
  /** The public key of the stored tunnel's key, as getTunnel gave it. */
  storedPublicKey = $state<string | null>(null);

  /** What the text and name were when opened or last saved. */
  #baseline = $state({ text: TEMPLATE, name: '' });
  #refusal = $state<Refusal | null>(null);
  readonly #api: EditorApi;

  constructor(api: EditorApi) {
    this.#api = api;
  }

  judgement: Judgement = $derived(judgeText(this.text, this.mode));
  result = $derived(this.judgement.result);
  /** The parser's errors and warnings in line order, errors first on a line. */
  diagnostics: Diagnostic[] = $derived.by(() =>
    [...(this.result.ok ? [] : this.result.errors), ...this.result.warnings].sort(
      (a, b) => a.line - b.line || (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1),
    ),
  );
  /** The helper's refusal of the last save, while the text is the one it refused. */
  saveProblems: Problem[] = $derived(
    this.#refusal !== null && this.#refusal.text === this.text ? this.#refusal.problems : [],
  );
  /** Everything shown at the lines and in the list: the helper's answer first, then the parser's (none while
   * there is no tunnel's text to judge: opening, or failed to open). */
  findings: Problem[] = $derived(
    this.loading || this.loadError !== null ? [] : [...this.saveProblems, ...this.diagnostics],
  );
  errorCount = $derived(this.findings.filter((f) => f.severity === 'error').length);
  warningCount = $derived(this.findings.length - this.errorCount);

  nameError: string | null = $derived(this.mode === 'new' ? tunnelNameProblem(this.name) : null);
  dirty = $derived(this.text !== this.#baseline.text || this.name !== this.#baseline.name);
  canSave = $derived(
    this.result.ok && this.nameError === null && !this.saving && !this.loading && this.loadError === null,
  );

  /** The first PrivateKey value, alone so the key below is derived again only when it changes. */
  #privateKey: string | null = $derived(this.judgement.privateKeys[0] ?? null);
  key: KeyState = $derived.by(() => {
    const value = this.#privateKey;
    if (value === null)
      return this.mode === 'new' && this.judgement.keyMadeOnSave ? { kind: 'made-on-save' } : { kind: 'none' };
    if (isPlaceholder(value))
      return this.mode === 'edit' ? { kind: 'stored', publicKey: this.storedPublicKey } : { kind: 'none' };
    const publicKey = publicKeyOf(value);
    return publicKey === null ? { kind: 'none' } : { kind: 'written', publicKey, replacesStored: this.mode === 'edit' };
  });

  /** A new tunnel from `text` (pasted, say) or the template. */
  openNew(text: string = TEMPLATE): void {
    this.#open('new', text, '');
    this.storedPublicKey = null;
  }

  /**
   * A stored tunnel, its key hidden; false (and loadError) when it cannot be read, or when something else was
   * opened while it was being read (that one stays).
   */
  async openExisting(name: string): Promise<boolean> {
    this.#open('edit', '', name);
    this.storedPublicKey = null;
    this.loading = true;
    const generation = this.generation;
    try {
      const tunnel = await this.#api.getTunnel(name);
      if (this.generation !== generation) return false;
      this.#open('edit', tunnel.text, tunnel.name);
      this.storedPublicKey = tunnel.publicKey;
      return true;
    } catch (error) {
      if (this.generation === generation) this.loadError = strings.editor.openFailed(name, messageOf(error));
      return false;
    } finally {
      // A later open has its own loading state (and #open above already ended this one's on success).
      if (this.generation === generation) this.loading = false;
    }
  }

  #open(mode: EditorMode, text: string, name: string): void {
    this.loading = false;
    this.mode = mode;
    this.text = text;
    this.name = name;
    this.#baseline = { text, name };
    this.#refusal = null;
    this.saved = null;
    this.loadError = null;
    this.generation++;
  }

  /**
   * A new key pair: the private key replaces the one in the text (or is put first in [Interface]); `key` then
   * shows its public key. For a stored tunnel this replaces its key on save, so the peer must learn it.
   */
  generateKeypair(): string {
    const pair = generateKeypair();
    this.text = withPrivateKey(this.text, pair.privateKey);
    return pair.publicKey;
  }

  /**
   * Creates or updates the tunnel through the bridge. After a create the stored tunnel is opened again, so the
   * editor holds its text with the key hidden (the helper may have made the key) and further saves update it.
   */
  async save(): Promise<boolean> {
    if (!this.canSave) return false;
    const { mode, text, judgement, generation } = this;
    const name = mode === 'new' ? this.name : this.#baseline.name;
    this.saving = true;
    this.#refusal = null;
    this.saved = null;
    try {
      const outcome =
        mode === 'new' ? await this.#api.createTunnel(name, text) : await this.#api.updateTunnel(name, text);
      if (this.generation !== generation) {
        // Another tunnel was opened meanwhile: the answer is about a text no longer in the editor.
        if (outcome.ok) this.saved = outcome.name;
        return outcome.ok;
      }
      if (!outcome.ok) {
        this.#refusal = { text, problems: outcome.errors.map((e) => refusalProblem(e, name, judgement)) };
        return false;
      }
      this.saved = outcome.name;
      this.#baseline = { text, name: outcome.name };
      if (mode === 'new') await this.#reopenCreated(outcome.name);
      return true;
    } catch (error) {
      this.#refusal = { text, problems: [{ severity: 'error', message: messageOf(error) }] };
      return false;
    } finally {
      this.saving = false;
    }
  }

  async #reopenCreated(name: string): Promise<void> {
    const generation = this.generation;
    try {
      const tunnel = await this.#api.getTunnel(name);
      if (this.generation !== generation) return;
      const saved = this.saved;
      this.#open('edit', tunnel.text, tunnel.name);
      this.storedPublicKey = tunnel.publicKey;
      this.saved = saved;
    } catch {
      // Stored all the same; the editor stays on the text as typed, and the tunnel's own view shows the key.
    }
  }
}

/** One of the helper's `FILE:LINE: message` lines (FILE being the name or NAME.conf) at its line in the text. */
function refusalProblem(raw: string, name: string, judgement: Judgement): Problem {
  const withLine = /^([^:\n]*):(\d+):\s*(?:warning:\s*)?([\s\S]*)$/.exec(raw);
  if (withLine !== null && (withLine[1] === name || withLine[1] === `${name}.conf`)) {
    return { severity: 'error', line: textLineOf(Number(withLine[2]), judgement), message: withLine[3]! };
  }
  const prefix = [`${name}.conf: `, `${name}: `].find((p) => raw.startsWith(p));
  return { severity: 'error', message: prefix === undefined ? raw : raw.slice(prefix.length) };
}
