// The window's state, one instance per window: the session with main, each feature's state, and which pane shows.
import type { WarrenApi } from '../../../shared/bridge/schema.js';
import { Editor } from '../features/editor/editor.svelte.js';
import { Importer } from '../features/import/importer.svelte.js';
import { Tunnels } from '../features/tunnels/tunnels.svelte.js';
import { Session } from './session.svelte.js';

export type Pane = 'tunnel' | 'editor';

export class AppModel {
  readonly session: Session;
  readonly tunnels: Tunnels;
  readonly importer: Importer;
  readonly editor: Editor;
  pane = $state<Pane>('tunnel');

  constructor(api: WarrenApi) {
    this.session = new Session(api);
    this.tunnels = new Tunnels(this.session, api);
    this.importer = new Importer(api);
    this.editor = new Editor(api);
  }

  start(): () => void {
    const stops = [this.session.start(), this.importer.start()];
    return () => stops.forEach((stop) => stop());
  }

  showTunnel(name: string): void {
    this.tunnels.select(name);
    this.pane = 'tunnel';
  }

  /** The editor, empty or with pasted text. */
  newTunnel(text?: string): void {
    this.editor.reset(text);
    this.pane = 'editor';
  }

  async saveEditor(): Promise<void> {
    if (await this.editor.save()) this.showTunnel(this.editor.saved!);
  }
}

export function createAppModel(api: WarrenApi): AppModel {
  return new AppModel(api);
}
