import { describe, expect, it } from 'vitest';
import type { EditableTunnel, SaveOutcome } from '../../../../shared/bridge/types.js';
import { isValidKey } from '../../../../shared/config/index.js';
import { deferred, fakeApi } from '../../testing/fake-api.js';
import { Editor, TEMPLATE } from './editor.svelte.js';
import { publicKeyOf } from './keypair.js';

const KEY = 'BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=';
const PEER = 'CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=';
const BODY = `Address = 10.7.0.2/32\n\n[Peer]\nPublicKey = ${PEER}\nAllowedIPs = 10.7.0.0/24\nEndpoint = 192.0.2.1:51820\n`;
const VALID = `[Interface]\nPrivateKey = ${KEY}\n${BODY}`;
const KEYLESS = `[Interface]\n${BODY}`;
const HIDDEN = `[Interface]\nPrivateKey = (hidden)\n${BODY}`;
const STORED_PUBLIC = 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=';

function stored(name: string, text = HIDDEN): EditableTunnel {
  return {
    name,
    text,
    publicKey: STORED_PUBLIC,
    settings: {
      startWithSystem: false,
      blockUntunneled: false,
      allowBridges: false,
      allowScripts: false,
      excludePrivateIps: false,
      onDemand: { ethernet: false, wifi: 'never', ssids: [] },
    },
  };
}

describe('Editor, a new tunnel', () => {
  it('checks the text as it changes, findings at their lines, and knows when it differs from what was opened', () => {
    const editor = new Editor(fakeApi());
    editor.openNew(VALID);
    expect(editor.mode).toBe('new');
    expect(editor.result.ok).toBe(true);
    expect(editor.dirty).toBe(false);
    editor.text = VALID.replace('Address = 10.7.0.2/32', 'Address = 10.7.0.300/32');
    expect(editor.result.ok).toBe(false);
    expect(editor.findings[0]).toMatchObject({ severity: 'error', line: 3 });
    expect(editor.errorCount).toBe(1);
    expect(editor.dirty).toBe(true);
    editor.text = VALID;
    expect(editor.dirty).toBe(false);
    editor.name = 'home';
    expect(editor.dirty).toBe(true);
  });

  it('lists warnings from the linter, as `warren check` does', () => {
    const editor = new Editor(fakeApi());
    editor.openNew(VALID.replace('AllowedIPs = 10.7.0.0/24', 'AllowedIPs = 0.0.0.0/0'));
    expect(editor.result.ok).toBe(true);
    expect(editor.findings).toEqual([
      expect.objectContaining({ severity: 'warning', line: 7, message: expect.stringContaining('::/0') }),
    ]);
    expect(editor.warningCount).toBe(1);
  });

  it('accepts a text without PrivateKey (the helper makes the key) and keeps the findings on the lines as written', () => {
    const editor = new Editor(fakeApi());
    editor.openNew(KEYLESS);
    expect(editor.result.ok).toBe(true);
    expect(editor.key).toEqual({ kind: 'made-on-save' });
    editor.text = KEYLESS.replace('AllowedIPs = 10.7.0.0/24', 'AllowedIPs = 10.7.0.0/99');
    expect(editor.findings).toEqual([expect.objectContaining({ severity: 'error', line: 6 })]);
  });

  it('opens the template without a key and with the fields to fill in', () => {
    const editor = new Editor(fakeApi());
    editor.openNew();
    expect(editor.text).toBe(TEMPLATE);
    expect(editor.result.ok).toBe(false);
    expect(editor.findings.some((f) => /PrivateKey/.test(f.message))).toBe(false);
    expect(editor.canSave).toBe(false);
  });

  it('saves with createTunnel under a valid name, then holds the stored tunnel (key hidden) for further saves', async () => {
    const api = fakeApi({ getTunnel: async (name) => stored(name) });
    const editor = new Editor(api);
    editor.openNew(KEYLESS);
    expect(editor.canSave).toBe(false);
    editor.name = 'not a name!';
    expect(editor.nameError).not.toBeNull();
    expect(editor.canSave).toBe(false);
    editor.name = 'office';
    expect(editor.canSave).toBe(true);
    const generation = editor.generation;
    expect(await editor.save()).toBe(true);
    expect(api.calls.filter((c) => c.name === 'createTunnel').map((c) => c.args)).toEqual([['office', KEYLESS]]);
    expect(editor.saved).toBe('office');
    expect(editor.mode).toBe('edit');
    expect(editor.text).toBe(HIDDEN);
    expect(editor.dirty).toBe(false);
    expect(editor.generation).toBeGreaterThan(generation);
    expect(editor.key).toEqual({ kind: 'stored', publicKey: STORED_PUBLIC });
  });

  it("shows the helper's refusal at its line, moved back over the key line the helper inserted, until the text changes", async () => {
    const api = fakeApi({
      createTunnel: async () => ({
        ok: false,
        errors: ['office.conf:6: AllowedIPs overlaps the route of tunnel home'],
      }),
    });
    const editor = new Editor(api);
    editor.openNew(KEYLESS);
    editor.name = 'office';
    expect(await editor.save()).toBe(false);
    expect(editor.saveProblems).toEqual([
      { severity: 'error', line: 5, message: 'AllowedIPs overlaps the route of tunnel home' },
    ]);
    expect(editor.findings[0]).toEqual(editor.saveProblems[0]);
    expect(editor.mode).toBe('new');
    editor.text += '\n';
    expect(editor.saveProblems).toEqual([]);
  });

  it('shows a refusal without a line, and a failed call, as a finding without a line', async () => {
    const api = fakeApi({
      createTunnel: async () => {
        throw new Error('the helper is not running');
      },
    });
    const editor = new Editor(api);
    editor.openNew(VALID);
    editor.name = 'home';
    expect(await editor.save()).toBe(false);
    expect(editor.saveProblems).toEqual([{ severity: 'error', message: 'the helper is not running' }]);
    expect(editor.saving).toBe(false);
    const refusing = new Editor(
      fakeApi({ createTunnel: async () => ({ ok: false, errors: ['home: a tunnel named home already exists'] }) }),
    );
    refusing.openNew(VALID);
    refusing.name = 'home';
    expect(await refusing.save()).toBe(false);
    expect(refusing.saveProblems).toEqual([{ severity: 'error', message: 'a tunnel named home already exists' }]);
  });

  it('generates a key pair: the private key goes first into [Interface], the public key is shown', () => {
    const editor = new Editor(fakeApi());
    editor.openNew(KEYLESS);
    const publicKey = editor.generateKeypair();
    const keyLine = editor.text.split('\n')[1];
    expect(keyLine).toMatch(/^PrivateKey = [A-Za-z0-9+/]{43}=$/);
    const privateKey = keyLine!.slice('PrivateKey = '.length);
    expect(isValidKey(privateKey)).toBe(true);
    expect(publicKeyOf(privateKey)).toBe(publicKey);
    expect(editor.key).toEqual({ kind: 'written', publicKey, replacesStored: false });
    expect(editor.result.ok).toBe(true);
    expect(editor.text.split('\n').slice(2).join('\n')).toBe(BODY);
    // Again: replaced, not added.
    const second = editor.generateKeypair();
    expect(second).not.toBe(publicKey);
    expect(editor.text.match(/PrivateKey/g)).toHaveLength(1);
  });
});

describe('Editor, a stored tunnel', () => {
  it('opens it through getTunnel with the key hidden, judges the rest, and saves it with updateTunnel', async () => {
    const api = fakeApi({ getTunnel: async (name) => stored(name) });
    const editor = new Editor(api);
    expect(await editor.openExisting('home')).toBe(true);
    expect(api.calls.filter((c) => c.name === 'getTunnel').map((c) => c.args)).toEqual([['home']]);
    expect(editor).toMatchObject({
      mode: 'edit',
      name: 'home',
      text: HIDDEN,
      dirty: false,
      loading: false,
      nameError: null,
    });
    expect(editor.result.ok).toBe(true);
    expect(editor.key).toEqual({ kind: 'stored', publicKey: STORED_PUBLIC });
    editor.text = HIDDEN.replace('Endpoint = 192.0.2.1:51820', 'Endpoint = 192.0.2.7:51820');
    expect(editor.dirty).toBe(true);
    expect(await editor.save()).toBe(true);
    expect(api.calls.filter((c) => c.name === 'updateTunnel').map((c) => c.args)).toEqual([['home', editor.text]]);
    expect(editor.text).toContain('PrivateKey = (hidden)');
    expect(editor.dirty).toBe(false);
    expect(editor.saved).toBe('home');
  });

  it('warns that the peer must learn the public key of a generated key', async () => {
    const editor = new Editor(fakeApi({ getTunnel: async (name) => stored(name) }));
    await editor.openExisting('home');
    const publicKey = editor.generateKeypair();
    expect(editor.text).not.toContain('(hidden)');
    expect(editor.text.split('\n')[1]).toMatch(/^PrivateKey = /);
    expect(editor.key).toEqual({ kind: 'written', publicKey, replacesStored: true });
    expect(editor.dirty).toBe(true);
  });

  it("shows the helper's refusal of an update at the line it names", async () => {
    const api = fakeApi({
      getTunnel: async (name) => stored(name),
      updateTunnel: async () => ({
        ok: false,
        errors: ['home.conf:7: AllowedIPs 10.7.0.0/24 is routed by tunnel work'],
      }),
    });
    const editor = new Editor(api);
    await editor.openExisting('home');
    expect(await editor.save()).toBe(false);
    expect(editor.saveProblems).toEqual([
      { severity: 'error', line: 7, message: 'AllowedIPs 10.7.0.0/24 is routed by tunnel work' },
    ]);
  });

  it('keeps what was opened last when an earlier open or save answers late', async () => {
    const home = deferred<EditableTunnel>();
    const update = deferred<SaveOutcome>();
    const api = fakeApi({
      getTunnel: (name) => (name === 'home' ? home.promise : Promise.resolve(stored(name, VALID))),
      updateTunnel: () => update.promise,
    });
    const editor = new Editor(api);
    const slow = editor.openExisting('home');
    expect(editor.loading).toBe(true);
    expect(editor.findings).toEqual([]);
    expect(await editor.openExisting('work')).toBe(true);
    home.resolve(stored('home'));
    expect(await slow).toBe(false);
    expect(editor).toMatchObject({ name: 'work', text: VALID, loading: false });

    editor.text = VALID.replace('192.0.2.1', '192.0.2.2');
    const saving = editor.save();
    editor.openNew(KEYLESS);
    update.resolve({ ok: true, name: 'work', warnings: [] });
    expect(await saving).toBe(true);
    // The new tunnel stays as opened: unchanged, not the saved one.
    expect(editor).toMatchObject({ mode: 'new', text: KEYLESS, name: '', dirty: false, saved: 'work' });
  });

  it('says why a tunnel cannot be opened, and will not save in that state', async () => {
    const editor = new Editor(
      fakeApi({
        getTunnel: async () => {
          throw new Error('no tunnel named gone');
        },
      }),
    );
    expect(await editor.openExisting('gone')).toBe(false);
    expect(editor.loadError).toBe('Could not open gone: no tunnel named gone');
    expect(editor.findings).toEqual([]);
    expect(editor.canSave).toBe(false);
    expect(await editor.save()).toBe(false);
  });
});
