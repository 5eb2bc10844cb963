import { describe, expect, it } from 'vitest';
import { fakeApi } from '../../testing/fake-api.js';
import { Editor, lineRange } from './editor.svelte.js';

const KEY = 'BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=';
const PEER = 'CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=';
const VALID = `[Interface]\nPrivateKey = ${KEY}\nAddress = 10.7.0.2/32\n\n[Peer]\nPublicKey = ${PEER}\nAllowedIPs = 10.7.0.0/24\nEndpoint = 192.0.2.1:51820\n`;

describe('Editor', () => {
  it('checks the text as it changes, findings at their lines', () => {
    const editor = new Editor(fakeApi());
    editor.text = VALID;
    expect(editor.result.ok).toBe(true);
    editor.text = VALID.replace('Address = 10.7.0.2/32', 'Address = 10.7.0.300/32');
    expect(editor.result.ok).toBe(false);
    expect(editor.diagnostics[0]).toMatchObject({ severity: 'error', line: 3 });
    expect(editor.marks.get(3)).toBe('error');
  });

  it('saves through importFiles under the name, only when text and name are valid', async () => {
    const api = fakeApi();
    const editor = new Editor(api);
    editor.text = VALID;
    expect(editor.canSave).toBe(false);
    editor.name = 'not a name!';
    expect(editor.nameError).not.toBeNull();
    editor.name = 'home';
    expect(editor.canSave).toBe(true);
    expect(await editor.save()).toBe(true);
    expect(api.calls.find((c) => c.name === 'importFiles')?.args).toEqual([[{ filename: 'home.conf', text: VALID, name: 'home' }]]);
    expect(editor.saved).toBe('home');
  });

  it('shows the helper refusal at its line', async () => {
    const api = fakeApi({ importFiles: async () => [{ filename: 'home.conf', ok: false, errors: ['home.conf:1: already exists'], warnings: [] }] });
    const editor = new Editor(api);
    editor.reset(VALID, 'home');
    expect(await editor.save()).toBe(false);
    expect(editor.saveProblems).toEqual([{ severity: 'error', line: 1, message: 'already exists', source: '[Interface]' }]);
  });

  it('finds a line in the text', () => {
    expect(lineRange('a\nbb\nccc', 2)).toEqual([2, 4]);
    expect(lineRange('a\nbb\nccc', 3)).toEqual([5, 8]);
    expect(lineRange('a', 5)).toEqual([1, 1]);
  });
});
