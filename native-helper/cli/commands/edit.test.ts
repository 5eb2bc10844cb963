// `warren edit`, in-process against the whole helper in memory, with the editor and the answers scripted (an
// EditorSession of the test's): the key stays hidden, a valid edit is saved with the key kept, an invalid one
// is shown and reopened or kept, and another owner's tunnel is refused before anything is opened.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keyPair, tunnelText } from '../../daemon/testing/memory-tunnels.js';
import type { EditorSession } from '../editor.js';
import { runCli } from '../run.js';
import { ALICE, BOB, MemoryHelper, ROOT } from '../testing/memory-helper.js';
import { memoryIo } from '../testing/memory-io.js';
import { editCommand } from './edit.js';

let helper: MemoryHelper;
let original: string;
const key = keyPair();
beforeEach(async () => {
  helper = await MemoryHelper.start();
  original = tunnelText({ key, address: '10.9.0.1/24', peer: keyPair(), allowedIps: '10.9.0.0/24' });
  const file = join(helper.directory, 'home.conf');
  writeFileSync(file, original);
  helper.as(ALICE);
  expect(await runCli(['import', file], memoryIo(), 'v')).toBe(0);
});
afterEach(async () => helper.close());

/** An editor that applies each edit in turn to the file, and answers each question in turn. */
function scripted(edits: ((text: string) => string)[], answers: boolean[] = []) {
  const seen: { text: string; mode: number; folderMode: number; path: string }[] = [];
  const questions: string[] = [];
  let closed = false;
  const session: EditorSession = {
    async edit(path) {
      const text = readFileSync(path, 'utf8');
      seen.push({ text, mode: statSync(path).mode & 0o777, folderMode: statSync(dirname(path)).mode & 0o777, path });
      const edit = edits.shift();
      if (edit === undefined) return { ok: false, message: 'the editor (scripted) exited with status 1' };
      writeFileSync(path, edit(text));
      return { ok: true };
    },
    async confirm(question) {
      questions.push(question);
      return answers.shift() ?? false;
    },
    close: () => void (closed = true),
  };
  return { session, seen, questions, closed: () => closed };
}

async function edit(uid: number, editor: ReturnType<typeof scripted>, name = 'home') {
  helper.as(uid);
  const io = memoryIo();
  const status = await editCommand(() => editor.session).run([name], io);
  return { status, out: io.out, err: io.err };
}

const stored = () => helper.call((client) => client.call('get', { name: 'home', includePrivateKey: true }));

describe('warren edit', () => {
  it('opens the text with the key hidden, in a private file, and saves the edit with the key kept', async () => {
    const editor = scripted([(text) => text.replace('Address = 10.9.0.1/24', 'Address = 10.9.0.5/24\nMTU = 1380')]);
    const result = await edit(ALICE, editor);
    expect(result).toMatchObject({ status: 0, out: 'home is saved\n' });
    expect(editor.seen[0]!.text).toContain('PrivateKey = (hidden)\n');
    expect(editor.seen[0]!.text).not.toContain(key.privateKey);
    expect([editor.seen[0]!.mode, editor.seen[0]!.folderMode]).toEqual([0o600, 0o700]);
    expect((await stored()).text).toBe(original.replace('Address = 10.9.0.1/24', 'Address = 10.9.0.5/24\nMTU = 1380'));
    expect(existsSync(editor.seen[0]!.path)).toBe(false);
    expect(editor.closed()).toBe(true);
  });

  it('says so when nothing changed', async () => {
    const result = await edit(ROOT, scripted([(text) => text]));
    expect(result).toMatchObject({ status: 0, out: 'home: no changes\n' });
    expect((await stored()).text).toBe(original);
  });

  it('shows the errors and reopens the text, then saves it once it is valid', async () => {
    const editor = scripted(
      [
        (text) => text.replace('Address =', 'Adress ='),
        (text) => text.replace('Adress = 10.9.0.1/24', 'Address = 10.9.0.1/24\nMTU = 1400'),
      ],
      [true],
    );
    const result = await edit(ALICE, editor);
    expect(result.status, result.err).toBe(0);
    // The parser's error before the second edit; the helper's warnings once it is saved.
    expect(result.err.split('\n')[0]).toBe('home.conf:3: unknown key `Adress` in [Interface], did you mean `Address`?');
    expect(result.err.split('\n')[1]).toMatch(/^home\.conf:\d+: warning: /);
    expect(editor.questions).toEqual(['Edit it again? [Y/n] ']);
    expect(editor.seen[1]!.text).toContain('Adress =');
    expect((await stored()).text).toBe(original.replace('Address = 10.9.0.1/24', 'Address = 10.9.0.1/24\nMTU = 1400'));
  });

  it('keeps the text and saves nothing when the user declines to edit again', async () => {
    const editor = scripted([(text) => text.replace('[Peer]', '[Peer]\nPublicKey = nonsense')], [false]);
    const result = await edit(ALICE, editor);
    expect(result.status).toBe(1);
    expect(result.err).toMatch(/PublicKey/);
    expect(result.err).toContain(`warren: nothing saved; your text is kept in ${editor.seen[0]!.path}\n`);
    expect(readFileSync(editor.seen[0]!.path, 'utf8')).toContain('PublicKey = nonsense');
    expect((await stored()).text).toBe(original);
  });

  it("refuses another owner's tunnel before opening anything, and a failed editor saves nothing", async () => {
    const editor = scripted([(text) => `${text}# never\n`]);
    const refused = await edit(BOB, editor);
    expect(refused).toMatchObject({ status: 1, out: '' });
    expect(refused.err).toBe('warren: home belongs to alice; only alice or an administrator may edit it\n');
    expect(editor.seen).toEqual([]);
    const failed = await edit(ALICE, scripted([]));
    expect(failed.status).toBe(1);
    expect(failed.err).toBe('warren: the editor (scripted) exited with status 1; nothing saved\n');
    expect((await stored()).text).toBe(original);
  });

  it('is a usage error without exactly one valid NAME', async () => {
    helper.as(ROOT);
    for (const args of [[], ['a', 'b'], ['-x']]) expect(await runCli(['edit', ...args], memoryIo(), 'v')).toBe(2);
  });
});
