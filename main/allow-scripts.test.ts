// Asking an administrator to allow scripts: the exact pkexec command line, and each way it can end in words for
// the user. The runner is a stand-in that records argv (pkexec's dialog cannot run here); tunnel-editing.test.ts
// runs a stand-in pkexec against the real helper.
import { describe, expect, it } from 'vitest';
import { type Administrator, INSTALLED_WARREN, allowScriptsAsAdministrator, installedWarren } from './allow-scripts.js';
import type { ProcessResult } from './pkexec.js';

function administrator(result: ProcessResult | Error, warren: string | null = '/usr/bin/warren') {
  const ran: (readonly string[])[] = [];
  const admin: Administrator = {
    isRoot: false,
    warrenCommand: () => warren,
    run: async (argv) => {
      ran.push(argv);
      if (result instanceof Error) throw result;
      return result;
    },
  };
  return { admin, ran };
}

describe('allowScriptsAsAdministrator', () => {
  it('runs pkexec on the installed warren command with the tunnel and --allow-scripts on', async () => {
    const { admin, ran } = administrator({ code: 0, stderr: '' }, '/usr/local/bin/warren');
    await allowScriptsAsAdministrator('home', admin);
    expect(ran).toEqual([['pkexec', '/usr/local/bin/warren', 'set', 'home', '--allow-scripts', 'on']]);
  });

  it('says scripts stay off when the dialog was dismissed or authentication failed (126)', async () => {
    const { admin } = administrator({ code: 126, stderr: '' });
    await expect(allowScriptsAsAdministrator('home', admin)).rejects.toThrow(
      new Error('Scripts stay off: administrator authentication was cancelled or failed.'),
    );
  });

  it("says polkit refused (127), in pkexec's words, and gives the command to run instead", async () => {
    const { admin } = administrator({
      code: 127,
      stderr: 'Error executing command as another user: No authentication agent found.\n',
    });
    await expect(allowScriptsAsAdministrator('home', admin)).rejects.toThrow(
      new Error(
        'Scripts stay off: polkit did not let Warren ask for an administrator (Error executing command as another user: No authentication agent found.); ' +
          'run `sudo warren set home --allow-scripts on` in a terminal instead.',
      ),
    );
  });

  it('passes on what the command said when it failed otherwise', async () => {
    const { admin } = administrator({ code: 1, stderr: 'warren: there is no stored tunnel named home\n' });
    await expect(allowScriptsAsAdministrator('home', admin)).rejects.toThrow(
      new Error('warren: there is no stored tunnel named home'),
    );
    const { admin: silent } = administrator({ code: null, stderr: '' });
    await expect(allowScriptsAsAdministrator('home', silent)).rejects.toThrow(
      '`pkexec /usr/bin/warren set home --allow-scripts on` was stopped',
    );
  });

  it('without pkexec or an installed warren command, runs nothing it cannot and says what to type instead', async () => {
    const { admin } = administrator(Object.assign(new Error('spawn pkexec ENOENT'), { code: 'ENOENT' }));
    await expect(allowScriptsAsAdministrator('home', admin)).rejects.toThrow(
      'Scripts stay off: pkexec (polkit) is not installed, so Warren cannot ask for an administrator’s password; run `sudo warren set home --allow-scripts on` in a terminal instead.',
    );
    const { admin: none, ran } = administrator({ code: 0, stderr: '' }, null);
    await expect(allowScriptsAsAdministrator('home', none)).rejects.toThrow(
      'there is none at /usr/bin/warren or /usr/local/bin/warren; run `sudo warren set home --allow-scripts on` in a terminal instead.',
    );
    expect(ran).toEqual([]);
  });
});

describe('installedWarren', () => {
  it("takes the .deb's /usr/bin/warren first, then the AppImage's /usr/local/bin/warren, else none", () => {
    expect(INSTALLED_WARREN).toEqual(['/usr/bin/warren', '/usr/local/bin/warren']);
    expect(installedWarren(() => true)).toBe('/usr/bin/warren');
    expect(installedWarren((path) => path === '/usr/local/bin/warren')).toBe('/usr/local/bin/warren');
    expect(installedWarren(() => false)).toBeNull();
  });
});
