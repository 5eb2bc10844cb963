import { describe, expect, it } from 'vitest';
import { fakeApi } from '../testing/fake-api.js';
import { AppModel } from './app-model.svelte.js';

function model() {
  const api = fakeApi();
  const app = new AppModel(api);
  app.start();
  api.emitState({
    connection: { kind: 'connected', helperVersion: '1' },
    tunnels: [
      { name: 'home', phase: 'on', stored: true, canChange: true },
      { name: 'work', phase: 'off', stored: true, canChange: true },
    ],
  });
  return { api, app };
}

describe('AppModel', () => {
  it('moves between panes freely while the editor has no changes', () => {
    const { app } = model();
    app.newTunnel();
    expect(app.pane).toBe('editor');
    app.showTunnel('work');
    expect([app.pane, app.tunnels.selected?.name, app.pendingLeave]).toEqual(['tunnel', 'work', null]);
    app.showLogs();
    expect(app.pane).toBe('logs');
  });

  it('parks a move away from unsaved changes until the user discards them or keeps editing', () => {
    const { app } = model();
    app.newTunnel();
    app.editor.text += '# changed\n';
    app.showTunnel('work');
    expect(app.pane).toBe('editor');
    expect(app.pendingLeave).not.toBeNull();
    app.keepEditing();
    expect([app.pane, app.pendingLeave]).toEqual(['editor', null]);

    app.newTunnel('[Interface]\n');
    expect(app.editor.text).not.toBe('[Interface]\n');
    app.discardAndLeave();
    expect(app.pane).toBe('editor');
    expect(app.editor.text).toBe('[Interface]\n');

    app.editor.text += '# again\n';
    app.cancelEditor();
    expect(app.pane).toBe('editor');
    app.discardAndLeave();
    expect(app.pane).toBe('tunnel');
  });

  it('guards Import… too, and only starts the dialog once the move is allowed', async () => {
    const { api, app } = model();
    app.newTunnel();
    app.editor.text += '# changed\n';
    app.importWithDialog();
    expect(api.calls.some((c) => c.name === 'importWithDialog')).toBe(false);
    app.discardAndLeave();
    expect(api.calls.some((c) => c.name === 'importWithDialog')).toBe(true);
    expect(app.pane).toBe('tunnel');
  });

  it('opens a stored tunnel in the editor, and selects a renamed or forgets a deleted one', async () => {
    const { api, app } = model();
    await app.editTunnel('home');
    expect(app.pane).toBe('editor');
    expect(api.calls.filter((c) => c.name === 'getTunnel')).toEqual([{ name: 'getTunnel', args: ['home'] }]);
    app.showTunnel('work');
    app.actions.startRename('work');
    app.actions.draft = 'office';
    await app.renameSelected();
    expect(app.tunnels.selectedName).toBe('office');
    expect(await app.deleteTunnel('office')).toBe(true);
    expect(app.tunnels.selectedName).toBeNull();
  });

  it("shows what main asks for (the tray's Preferences…, a notification's Show), minding unsaved changes", () => {
    const { api, app } = model();
    api.emitShow({ view: 'preferences' });
    expect(app.pane).toBe('preferences');
    api.emitShow({ view: 'tunnel', name: 'work' });
    expect([app.pane, app.tunnels.selected?.name]).toEqual(['tunnel', 'work']);
    app.newTunnel();
    app.editor.text += '# changed\n';
    api.emitShow({ view: 'tunnel', name: 'home' });
    expect(app.pane).toBe('editor');
    app.discardAndLeave();
    expect([app.pane, app.tunnels.selected?.name]).toEqual(['tunnel', 'home']);
  });
});
