#!/usr/bin/env node
// Makes sure this machine has the system tools the test suites drive for real (wg, wireguard-go, ip, ...).
// As root it installs what is missing from Debian's packages (without recommends: wireguard-tools would
// otherwise pull in a kernel image); otherwise it says exactly what to install and fails.
import { execFileSync, spawnSync } from 'node:child_process';

/** command on PATH -> the Debian package that provides it */
const NEEDED = [
  ['wg', 'wireguard-tools'],
  ['wireguard-go', 'wireguard-go'],
  ['ip', 'iproute2'],
  ['ping', 'iputils-ping'],
  ['iperf3', 'iperf3'],
  ['nft', 'nftables'],
  ['dbus-daemon', 'dbus-daemon'],
  ['systemd-analyze', 'systemd'],
  ['runuser', 'util-linux'],
  ['unshare', 'util-linux'],
  ['groupadd', 'passwd'],
  ['desktop-file-validate', 'desktop-file-utils'],
  ['update-mime-database', 'shared-mime-info'],
  // the polkit action: xmllint against polkitd's DTD, polkitd and pkexec reading it as installed (test/packaging)
  ['xmllint', 'libxml2-utils'],
  ['pkaction', 'polkitd'],
  ['pkexec', 'pkexec'],
  ['chromium', 'chromium'],
  ['cc', 'gcc'], // the addon's build, and gso-split-asan.test.ts (AddressSanitizer's runtime comes with it)
  // `warren man` rendered by man -l, and the completion scripts loaded in their shells (test/e2e/cli-binary)
  ['man', 'man-db'],
  ['groff', 'groff-base'],
  ['zsh', 'zsh'],
  ['fish', 'fish'],
  // test/netns/network-manager-real.test.ts: the real NetworkManager beside Warren, and a DHCP server for its lease
  ['NetworkManager', 'network-manager'],
  ['dnsmasq', 'dnsmasq-base'],
];

/** shared library (as the dynamic linker names it) -> the Debian package that provides it */
const LIBRARIES = [
  // the data path's ChaCha20-Poly1305 (native-helper/addon/src/aead.c loads it; crypto/openssl.test.ts)
  ['libcrypto.so.3', 'libssl3'],
];

const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
const ldconfig =
  spawnSync('sh', ['-c', 'ldconfig -p 2>/dev/null || /sbin/ldconfig -p'], { encoding: 'utf8' }).stdout ?? '';
const hasLibrary = (name) => ldconfig.includes(`${name} `);
const missing = [
  ...new Set([
    ...NEEDED.filter(([command]) => !has(command)).map(([, pkg]) => pkg),
    ...LIBRARIES.filter(([name]) => !hasLibrary(name)).map(([, pkg]) => pkg),
  ]),
];

if (missing.length === 0) process.exit(0);

const install = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot || !has('apt-get')) {
  console.error(`The tests need these Debian packages: ${missing.join(', ')}.`);
  console.error(`Install them as root:  apt-get update && ${install}`);
  process.exit(1);
}

console.error(`Installing the packages the tests need: ${missing.join(', ')}`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'], env });
execFileSync('sh', ['-c', install], { stdio: ['ignore', 'ignore', 'inherit'], env });
