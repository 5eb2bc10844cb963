import { describe, expect, it } from 'vitest';
import { runCli } from './run.js';
import { memoryIo as memory } from './testing/memory-io.js';

const memoryIo = (stdin = '') => memory({ stdin });

describe('warren dispatch', () => {
  it('prints the command list for --help and exits 0', async () => {
    const io = memoryIo();
    expect(await runCli(['--help'], io, '1.2.3')).toBe(0);
    expect(io.out).toContain('Warren 1.2.3');
    for (const name of ['check', 'genkey', 'genpsk', 'pubkey', 'help'])
      expect(io.out).toMatch(new RegExp(`^  ${name} `, 'm'));
  });

  it('prints the version', async () => {
    const io = memoryIo();
    expect(await runCli(['--version'], io, '1.2.3')).toBe(0);
    expect(io.out).toBe('warren 1.2.3\n');
  });

  it('shows a command help with `help COMMAND` and `COMMAND --help`', async () => {
    const a = memoryIo();
    const b = memoryIo();
    expect(await runCli(['help', 'check'], a, 'v')).toBe(0);
    expect(await runCli(['check', '--help'], b, 'v')).toBe(0);
    expect(a.out).toMatch(/^Usage: warren check FILE\.\.\./);
    expect(b.out).toBe(a.out);
  });

  it('is a usage error (exit 2) without a command', async () => {
    const io = memoryIo();
    expect(await runCli([], io, 'v')).toBe(2);
    expect(io.err).toContain('Usage: warren COMMAND');
  });

  it('suggests the closest command for a typo and exits 2', async () => {
    const io = memoryIo();
    expect(await runCli(['chek', 'x.conf'], io, 'v')).toBe(2);
    expect(io.err).toContain('unknown command `chek`, did you mean `check`?');
  });

  it('rejects unknown global and command options with exit 2 and the usage line', async () => {
    const global = memoryIo();
    expect(await runCli(['--frobnicate'], global, 'v')).toBe(2);
    expect(global.err).toContain('unknown option `--frobnicate`');
    const local = memoryIo();
    expect(await runCli(['check', '--frobnicate', 'a.conf'], local, 'v')).toBe(2);
    expect(local.err).toContain('Usage: warren check FILE...');
  });

  it('is a usage error to call help for an unknown command, or genkey with arguments', async () => {
    expect(await runCli(['help', 'nope'], memoryIo(), 'v')).toBe(2);
    expect(await runCli(['genkey', 'extra'], memoryIo(), 'v')).toBe(2);
    expect(await runCli(['check'], memoryIo(), 'v')).toBe(2);
  });
});

describe('warren pubkey (in-process)', () => {
  // RFC 7748 section 6.1: Alice's private key and public key.
  const alicePrivate = Buffer.from('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a', 'hex').toString(
    'base64',
  );
  const alicePublic = Buffer.from('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a', 'hex').toString(
    'base64',
  );

  it('derives the RFC 7748 public key, allowing trailing whitespace', async () => {
    const io = memoryIo(`${alicePrivate}\n \t\n`);
    expect(await runCli(['pubkey'], io, 'v')).toBe(0);
    expect(io.out).toBe(`${alicePublic}\n`);
  });

  it('fails with exit 1 for trailing characters, a short key, bad base64 or leading space', async () => {
    for (const input of [`${alicePrivate}x`, alicePrivate.slice(0, 40), `${'!'.repeat(43)}=`, ` ${alicePrivate}`, '']) {
      const io = memoryIo(input);
      expect(await runCli(['pubkey'], io, 'v'), JSON.stringify(input)).toBe(1);
      expect(io.out).toBe('');
      expect(io.err).toMatch(/Key is not the correct length or format|Trailing characters found after key/);
    }
  });
});

describe('warren genkey / genpsk (in-process)', () => {
  it('prints distinct canonical base64 keys; genkey clamps', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const io = memoryIo();
      expect(await runCli(['genkey'], io, 'v')).toBe(0);
      expect(io.out).toMatch(/^[A-Za-z0-9+/]{43}=\n$/);
      const key = Buffer.from(io.out.trim(), 'base64');
      expect(key[0]! & 7).toBe(0);
      expect(key[31]! & 0xc0).toBe(0x40);
      seen.add(io.out);
    }
    expect(seen.size).toBe(20);
    const psk = memoryIo();
    expect(await runCli(['genpsk'], psk, 'v')).toBe(0);
    expect(Buffer.from(psk.out.trim(), 'base64')).toHaveLength(32);
  });
});
