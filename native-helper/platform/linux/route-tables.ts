// The routing table names ip(8) knows, read as iproute2 reads them (lib/rt_names.c), so that the config checker
// can refuse a `Table = NAME` that `ip route add ... table NAME` would refuse (ParseOptions.routeTableNames):
//   - `main`, `local` and `default` are built in;
//   - /etc/iproute2/rt_tables, or, when there is none, the distribution's copy under /usr (iproute2 6.5 and later);
//   - every `*.conf` in rt_tables.d under /usr whose name /etc's rt_tables.d does not also have, then every one
//     under /etc.
// A line is `NUMBER NAME` (decimal or 0x hex); one starting with `#` is a comment; a malformed line ends its file,
// the lines before it counting, as in iproute2. A file that cannot be read counts as empty, as it does for ip(8).
// The shared parser cannot read files (it also runs in the window), so this is read on the Node side: by the
// CLI's `check` and by the helper for `up` and import.
import { constants } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** The tables iproute2 names without any file. */
export const BUILT_IN_TABLE_NAMES: readonly string[] = ['default', 'main', 'local'];

export interface RouteTableDirs {
  /** The administrator's directory: /etc/iproute2. */
  etc: string;
  /** The distribution's, where iproute2 6.5 and later look when /etc has no rt_tables: /usr/share/iproute2 upstream,
   *  /usr/lib/iproute2 on some distributions; all are read, so a name in any of them passes. */
  usr: readonly string[];
}

export const IPROUTE2_DIRS: RouteTableDirs = {
  etc: '/etc/iproute2',
  usr: ['/usr/share/iproute2', '/usr/lib/iproute2'],
};

/** A real rt_tables is a few lines; the bounds keep a hostile or broken directory cheap. */
const MAX_FILE_BYTES = 256 * 1024;
const MAX_DIRECTORY_FILES = 256;

// fread_id_name's sscanf patterns: `0x%x %s`, then `%d %s` (a number takes every digit it can, the name is the
// next word). A negative number is skipped, not an error.
const HEX_LINE = /^0x([0-9a-fA-F]+)(?![0-9a-fA-F])\s*(\S+)/;
const DECIMAL_LINE = /^([+-]?[0-9]+)(?![0-9])\s*(\S+)/;

/** The names an rt_tables file defines, up to its first malformed line. */
export function tableNamesFromText(text: string): string[] {
  const names: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/^[ \t]+/, '');
    if (line === '' || line.startsWith('#')) continue;
    const match = HEX_LINE.exec(line) ?? DECIMAL_LINE.exec(line);
    if (match === null) break;
    if (!match[1]!.startsWith('-')) names.push(match[2]!);
  }
  return names;
}

/** The text of a regular file, at most MAX_FILE_BYTES of it; null when there is none or it cannot be read. */
async function readText(path: string): Promise<string | null> {
  let handle;
  try {
    // O_NONBLOCK: a FIFO planted here must not hang the caller; it is refused below.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    if (!(await handle.stat()).isFile()) return null;
    const buffer = Buffer.alloc(MAX_FILE_BYTES);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled).toString('utf8');
  } catch {
    return null;
  } finally {
    await handle.close();
  }
}

/** The `*.conf` files of a directory (not hidden, more than the suffix), sorted; none when it cannot be read. */
async function confFiles(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir);
    return entries
      .filter((name) => !name.startsWith('.') && name.length > '.conf'.length && name.endsWith('.conf'))
      .sort()
      .slice(0, MAX_DIRECTORY_FILES);
  } catch {
    return [];
  }
}

/** Every table name ip(8) would accept, built-in ones included, each once. */
export async function readRouteTableNames(dirs: RouteTableDirs = IPROUTE2_DIRS): Promise<string[]> {
  const names = new Set(BUILT_IN_TABLE_NAMES);
  const add = (text: string | null) => {
    if (text !== null) for (const name of tableNamesFromText(text)) names.add(name);
  };

  let main = await readText(join(dirs.etc, 'rt_tables'));
  for (const usr of dirs.usr) {
    if (main !== null) break;
    main = await readText(join(usr, 'rt_tables'));
  }
  add(main);

  const etcFiles = await confFiles(join(dirs.etc, 'rt_tables.d'));
  for (const usr of dirs.usr) {
    for (const file of await confFiles(join(usr, 'rt_tables.d'))) {
      if (!etcFiles.includes(file)) add(await readText(join(usr, 'rt_tables.d', file)));
    }
  }
  for (const file of etcFiles) add(await readText(join(dirs.etc, 'rt_tables.d', file)));
  return [...names];
}
