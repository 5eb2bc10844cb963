// Kill-test child: rewrites TARGET with the bytes of FILE_A, then FILE_B, then FILE_A, ... until killed, using
// writeFileAtomic from MODULE_URL (atomic-write.ts transpiled to JavaScript, so that this starts in a few tens
// of milliseconds). Prints `ready` once the first write is complete.
//   node rewrite-loop.mjs MODULE_URL TARGET FILE_A FILE_B
import { readFile } from 'node:fs/promises';

const [moduleUrl, target, fileA, fileB] = process.argv.slice(2);
const { writeFileAtomic } = await import(moduleUrl);
const versions = [await readFile(fileA), await readFile(fileB)];
for (let i = 0; ; i++) {
  await writeFileAtomic(target, versions[i % 2]);
  if (i === 0) process.stdout.write('ready\n');
}
