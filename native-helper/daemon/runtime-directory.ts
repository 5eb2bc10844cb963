/*
 * The runtime directory (/run/warren): the control socket, the boot marker and the tunnel journal. Members of
 * the control group reach the socket through it, so it is 0755 and the helper's own however the helper was
 * started: systemd's RuntimeDirectoryMode, `sudo warren daemon` under a umask of 077, `warren up FILE` starting
 * a helper on demand, or a directory an older version made 0700. A directory of ours with another mode is
 * corrected; one owned by someone else, or anything but a directory (a symlink included), is refused: whoever
 * owns it could replace the socket with one of their own and read what the app sends.
 */
import { chmodSync, lstatSync, mkdirSync } from 'node:fs';

export const RUNTIME_DIRECTORY_MODE = 0o755;

/** Creates `path` (and its parents) or checks and corrects it; throws an Error that says what to do. */
export function prepareRuntimeDirectory(path: string, uid: number = process.geteuid?.() ?? 0): void {
  // Under a umask of 022 for the moment: every directory made on the way is 0755 too, or a member could not
  // pass through a parent the helper made (the mode below is only the last one's).
  const previous = process.umask(0o022);
  try {
    mkdirSync(path, { recursive: true, mode: RUNTIME_DIRECTORY_MODE });
  } finally {
    process.umask(previous);
  }
  const stats = lstatSync(path);
  if (!stats.isDirectory()) {
    throw new Error(
      `refusing to use ${path} as the runtime directory: it is not a directory (remove it, and start the helper again)`,
    );
  }
  if (stats.uid !== uid) {
    throw new Error(
      `refusing to use ${path} as the runtime directory: it is owned by uid ${stats.uid}, not ${uid === 0 ? 'root' : `uid ${uid}`}, ` +
        `so its owner could replace the helper's socket; remove it (\`sudo rm -r ${path}\`) and start the helper again`,
    );
  }
  // mkdir's mode went through the umask, and an existing directory keeps whatever mode it had.
  if ((stats.mode & 0o7777) !== RUNTIME_DIRECTORY_MODE) chmodSync(path, RUNTIME_DIRECTORY_MODE);
}
