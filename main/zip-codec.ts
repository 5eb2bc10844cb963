// Zip archives for import and export, through fflate (no dependencies, synchronous zip and unzip in one small,
// maintained package). Unzipping is bounded before anything is inflated: only `.conf` entries no larger than a
// config may be, and at most MAX_ENTRIES of them, so a zip bomb costs nothing.
import { unzipSync, zipSync } from 'fflate';
import { MAX_CONFIG_BYTES } from '../shared/config/parse.js';
import type { ZipCodec, ZipEntry } from './import-export.js';

const MAX_ENTRIES = 256;

export const fflateZip: ZipCodec = {
  unzip(archive) {
    let accepted = 0;
    const files = unzipSync(archive, {
      filter: (file) => {
        const wanted = file.name.toLowerCase().endsWith('.conf') && file.originalSize <= MAX_CONFIG_BYTES && accepted < MAX_ENTRIES;
        if (wanted) accepted++;
        return wanted;
      },
    });
    // The declared size is the archive's claim; the inflated size is checked too.
    return Object.entries(files)
      .filter(([, data]) => data.length <= MAX_CONFIG_BYTES)
      .map(([name, data]): ZipEntry => ({ name, data }));
  },
  zip(entries) {
    return zipSync(Object.fromEntries(entries.map((e) => [e.name, [e.data, { level: 6 }]])));
  },
};
