// The table names ip(8) knows: the file format and the directory rules on temporary directories, then, as root,
// the real ip(8) in a network namespace whose /etc/iproute2 is ours (`ip netns exec` bind-mounts
// /etc/netns/NS/iproute2 over it), asked about each name.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { canCreateNamespaces, createNamespace, type TestNamespace } from '../../../test/netns/namespace.js';
import { BUILT_IN_TABLE_NAMES, readRouteTableNames, tableNamesFromText } from './route-tables.js';

describe('tableNamesFromText', () => {
  it('reads `NUMBER NAME` lines, decimal or 0x hex, skipping comments, blank lines and negative numbers', () => {
    const text = [
      '#',
      '# reserved values',
      '255\tlocal',
      '  254  main # trailing words are ignored',
      '\t0x10 hexed',
      '',
      '   ',
      '-5 negative',
      '100 vpn\r',
      '200corp',
    ].join('\n');
    expect(tableNamesFromText(text)).toEqual(['local', 'main', 'hexed', 'vpn', 'corp']);
  });

  it('stops at the first malformed line, keeping the names before it, as iproute2 does', () => {
    expect(tableNamesFromText('100 first\nnot a table line\n200 second\n')).toEqual(['first']);
    expect(tableNamesFromText('300\n400 fourth\n')).toEqual([]);
    expect(tableNamesFromText('0x10abc\n')).toEqual(['x10abc']); // sscanf: `0x%x` wants a name, `%d` reads 0
  });
});

describe('readRouteTableNames', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'warren-rt-tables-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function tree(name: string, files: Record<string, string>): Promise<string> {
    const base = join(root, name);
    for (const [path, text] of Object.entries(files)) {
      await mkdir(join(base, path, '..'), { recursive: true });
      await writeFile(join(base, path), text);
    }
    return base;
  }

  it('knows the built-in names with no files at all', async () => {
    const base = join(root, 'nothing');
    expect(await readRouteTableNames({ etc: join(base, 'etc'), usr: [join(base, 'usr')] })).toEqual([
      ...BUILT_IN_TABLE_NAMES,
    ]);
  });

  it("reads /etc's rt_tables, else /usr's, and rt_tables.d/*.conf from both, /etc's file winning by name", async () => {
    const base = await tree('layered', {
      'etc/rt_tables': '100 etc-main\n',
      'usr/rt_tables': '101 usr-main\n',
      'etc/rt_tables.d/site.conf': '102 etc-site\n',
      'usr/rt_tables.d/site.conf': '103 usr-site-shadowed\n',
      'usr/rt_tables.d/vendor.conf': '104 usr-vendor\n',
      'etc/rt_tables.d/notes.txt': '105 not-conf\n',
      'etc/rt_tables.d/.hidden.conf': '106 hidden\n',
      'etc/rt_tables.d/.conf': '107 bare-suffix\n',
    });
    const dirs = { etc: join(base, 'etc'), usr: [join(base, 'usr')] };
    expect((await readRouteTableNames(dirs)).sort()).toEqual(
      ['default', 'etc-main', 'etc-site', 'local', 'main', 'usr-vendor'].sort(),
    );
    await rm(join(base, 'etc', 'rt_tables'));
    expect(await readRouteTableNames(dirs)).toContain('usr-main');
  });

  it('takes a directory, a FIFO or an unreadable path for no file, without waiting or failing', async () => {
    const base = await tree('odd', { 'etc/rt_tables.d/real.conf': '110 real\n' });
    await mkdir(join(base, 'etc', 'rt_tables'));
    await mkdir(join(base, 'etc', 'rt_tables.d', 'dir.conf'));
    // Nobody ever writes to it: a blocking open or read would hang here.
    execFileSync('mkfifo', [join(base, 'etc', 'rt_tables.d', 'fifo.conf')]);
    expect((await readRouteTableNames({ etc: join(base, 'etc'), usr: [] })).sort()).toEqual(
      ['default', 'local', 'main', 'real'].sort(),
    );
  });
});

describe.skipIf(!canCreateNamespaces)('readRouteTableNames against the real ip(8)', () => {
  let ns: TestNamespace | undefined;
  afterEach(async () => {
    await ns?.remove();
  });

  it('accepts exactly the names ip(8) accepts', async () => {
    const namespace = (ns = await createNamespace());
    const etc = namespace.etcPath('iproute2');
    await mkdir(join(etc, 'rt_tables.d'), { recursive: true });
    await writeFile(join(etc, 'rt_tables'), '255 local\n254 main\n253 default\n100 vpn\nbroken line\n101 lost\n');
    await writeFile(join(etc, 'rt_tables.d', 'site.conf'), '0x66 corp\n');
    await writeFile(join(etc, 'rt_tables.d', 'notes.txt'), '103 ignored\n');
    const names = await readRouteTableNames({ etc, usr: [] });
    // A route that needs no link, in a table named so; ip(8) refuses an unknown name before asking the kernel.
    const accepts = async (name: string) =>
      namespace.exec(['ip', 'route', 'add', 'unreachable', '192.0.2.0/24', 'table', name]).then(
        () => true,
        (error: Error) => {
          expect(error.message).toContain(`argument "${name}" is wrong`);
          return false;
        },
      );
    for (const name of ['vpn', 'corp', 'main', 'local', 'default', 'lost', 'ignored', 'Main', 'nosuch']) {
      expect(names.includes(name), name).toBe(await accepts(name));
    }
  });
});
