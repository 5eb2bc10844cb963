// Writing a file that holds private keys (`warren export -o`): made 0600 under a temporary name beside the
// target, written and synced, then renamed over it. So it is never readable by others, not even for a moment,
// an existing file of another mode is replaced whole rather than written into, and a failure leaves no half file.
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

export async function writePrivateFile(path: string, data: Uint8Array): Promise<void> {
  const target = resolve(path);
  const temporary = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temporary, 'wx', 0o600);
  try {
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
