// A machine whose libcrypto.so.3 is missing or not OpenSSL's: the helper keeps sodium-native's AEAD, slower and
// as correct, and says why when OpenSSL's is asked for by name. Played with a stand-in library of that name that
// the dynamic linker finds first (LD_LIBRARY_PATH), in a child process, since the addon loads libcrypto once.
// Needs a C compiler (test/setup-machine.mjs installs gcc).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LOADER = join(ROOT, 'test/netns/register-ts.mjs');
const CRYPTO = join(ROOT, 'native-helper/crypto/index.ts');

let dir = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'warren-libcrypto-'));
  writeFileSync(join(dir, 'stand-in.c'), 'int not_openssl = 1;\n');
  const cc = spawnSync('cc', ['-shared', '-fPIC', '-o', join(dir, 'libcrypto.so.3'), join(dir, 'stand-in.c')], {
    encoding: 'utf8',
  });
  if (cc.status !== 0) throw new Error(`cc failed: ${cc.stderr}`);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `body` (module code with loadCrypto in scope) with the stand-in first on the linker's path. */
function withStandIn(body: string, env: Record<string, string> = {}) {
  const script = `import { loadCrypto } from ${JSON.stringify(CRYPTO)};\n${body}`;
  return spawnSync(process.execPath, ['--import', LOADER, '--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, LD_LIBRARY_PATH: dir, ...env },
    timeout: 30_000,
  });
}

describe('without a usable libcrypto.so.3', () => {
  it('keeps sodium-native, whose AEAD seals and opens as before', () => {
    const run = withStandIn(`
      const crypto = loadCrypto({});
      const key = new Uint8Array(32).fill(7);
      const buf = new Uint8Array(100).fill(3);
      crypto.seal(buf, 0, key, 9, buf, 0, 60);
      const opened = crypto.open(buf, 0, key, 9, buf, 0, 76);
      console.log(JSON.stringify({ name: crypto.name, opened, intact: buf.subarray(0, 60).every((b) => b === 3) }));
    `);
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ name: 'sodium', opened: 60, intact: true });
  });

  it('says why when OpenSSL is asked for by name', () => {
    const run = withStandIn(`
      try { loadCrypto({ WARREN_CRYPTO: 'openssl' }); console.log('loaded'); }
      catch (error) { console.log(error.message); }
    `);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/libcrypto\.so\.3 lacks an EVP entry point/);
  });
});
