// The files the user picks in the app's dialogs, or opens with it from the file manager. An import reads no more
// of a file than a config or an archive of them may be, and never a FIFO (whose open() would hang the app). An
// export holds private keys: it replaces the chosen file by a new one of mode 0600, written beside it and renamed
// over it, so an existing file of mode 0644 does not keep its mode (writeFile's `mode` applies only to a file it
// creates), and a reader never sees a torn file.
//
// Both are the helper's and the CLI's own code, which main's build includes (tsconfig.build.json compiles
// native-helper/ with main/ and shared/, and the package unpacks build/native-helper/ beside build/shared/).
import { readBounded } from '../native-helper/cli/read-bounded.js';
import { writeFileAtomic } from '../native-helper/store/atomic-write.js';
import { importReadLimit } from './import-export.js';

/** A file to import: at most importReadLimit(path) + 1 bytes, so a larger one is told without being read whole. */
export function readImportFile(path: string): Promise<Uint8Array> {
  return readBounded(path, importReadLimit(path));
}

/** An export (key material) to the path the save dialog gave: mode 0600, whether the file existed or not. */
export function writeExportFile(path: string, data: Uint8Array): Promise<void> {
  return writeFileAtomic(path, data, 0o600);
}
