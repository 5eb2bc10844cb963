// The polkit action (app.warren.policy): valid against polkit's own DTD, as xmllint reads it, and saying what
// the app's pkexec prompt needs. (polkitd and pkexec read it for real in test/packaging, from the installed
// package and from `warren service install`.)
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const POLICY = fileURLToPath(new URL('app.warren.policy', import.meta.url));
/** polkitd's DTD, as Debian's polkitd installs it. */
const DTD = '/usr/share/polkit-1/policyconfig-1.dtd';
const hasXmllint = spawnSync('sh', ['-c', 'command -v xmllint'], { stdio: 'ignore' }).status === 0;

const xmllint = (...args: string[]) => {
  const result = spawnSync('xmllint', ['--nonet', ...args, POLICY], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
};
// (xmllint ends some answers with a newline, some not.)
const xpath = (expression: string) => xmllint('--xpath', `string(${expression})`).stdout.replace(/\n$/, '');

describe.skipIf(!hasXmllint)('packaging/linux/app.warren.policy', () => {
  it.skipIf(!existsSync(DTD))("is valid against polkit's DTD", () => {
    expect(xmllint('--noout', '--dtdvalid', DTD)).toEqual({ status: 0, stdout: '', stderr: '' });
  });

  it('declares the one action app.warren.manage, for pkexec on /usr/bin/warren', () => {
    expect(xpath('count(/policyconfig/action)')).toBe('1');
    const action = '/policyconfig/action[@id="app.warren.manage"]';
    expect(xpath(`${action}/annotate[@key="org.freedesktop.policykit.exec.path"]`)).toBe('/usr/bin/warren');
    // No argv1: the same prompt for each thing the app asks an administrator for (scripts, the service).
    expect(xpath(`count(${action}/annotate)`)).toBe('1');
    expect(xpath(`${action}/message`)).toBe(
      "Authentication is required to let Warren run a tunnel's scripts as root or change the Warren service",
    );
    expect(xpath(`${action}/description`)).not.toBe('');
  });

  it('asks for an administrator every time, but keeps the answer a while at the active console', () => {
    const defaults = '/policyconfig/action[@id="app.warren.manage"]/defaults';
    expect([
      xpath(`${defaults}/allow_any`),
      xpath(`${defaults}/allow_inactive`),
      xpath(`${defaults}/allow_active`),
    ]).toEqual(['auth_admin', 'auth_admin', 'auth_admin_keep']);
  });

  it('is readable by everyone (polkitd runs as its own user)', () => {
    expect(statSync(POLICY).mode & 0o777).toBe(0o644);
  });
});
