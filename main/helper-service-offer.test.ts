// The AppImage's offer to install the helper service: when it is made (once, in an AppImage, with no helper
// answering), what it says, the pkexec command it runs, and what the user is told for each outcome. The dialog
// and the process runner are the seams; staging is real (files copied, modes kept, removed after).
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConnectionState } from '../shared/bridge/types.js';
import {
  HelperServiceOffer,
  type OfferQuestion,
  type ServiceOfferOptions,
  installCommand,
  offerQuestion,
  stageAppDirectory,
  unstageAppDirectory,
} from './helper-service-offer.js';
import type { ProcessResult } from './pkexec.js';

const missing: ConnectionState = { kind: 'helper-missing', message: 'The Warren helper is not running.', hint: '' };

function harness(overrides: Partial<ServiceOfferOptions> & { answer?: boolean; result?: ProcessResult | Error } = {}) {
  const log: string[] = [];
  const questions: OfferQuestion[] = [];
  const told: Array<{ kind: string; message: string; detail: string }> = [];
  const options: ServiceOfferOptions = {
    appImage: '/home/alice/Warren-0.1.0-x86_64.AppImage',
    appDirectory: '/tmp/.mount_WarrenAbc',
    user: 'alice',
    ask: async (question) => {
      questions.push(question);
      return overrides.answer ?? true;
    },
    inform: (kind, message, detail) => void told.push({ kind, message, detail }),
    stage: async (directory) => {
      log.push(`stage ${directory}`);
      return '/tmp/warren-install-x/app';
    },
    unstage: async (directory) => void log.push(`unstage ${directory}`),
    run: async (argv) => {
      log.push(argv.join(' '));
      if (overrides.result instanceof Error) throw overrides.result;
      return overrides.result ?? { code: 0, stderr: '' };
    },
    retry: () => void log.push('retry'),
    ...overrides,
  };
  return { offer: new HelperServiceOffer(options), log, questions, told };
}

describe('HelperServiceOffer', () => {
  it('offers once, in an AppImage, when the first answer is that no helper runs, and installs through pkexec', async () => {
    const { offer, log, questions, told } = harness();
    expect(await offer.consider({ kind: 'connecting' })).toBe('not-offered');
    expect(await offer.consider(missing)).toBe('installed');
    expect(questions).toHaveLength(1);
    expect(log).toEqual([
      'stage /tmp/.mount_WarrenAbc',
      'pkexec env ELECTRON_RUN_AS_NODE=1 /tmp/warren-install-x/app/warren ' +
        '/tmp/warren-install-x/app/resources/app.asar.unpacked/bin/warren.js service install --from /tmp/warren-install-x/app --user alice',
      'retry',
      'unstage /tmp/warren-install-x/app',
    ]);
    expect(told).toEqual([
      {
        kind: 'info',
        message: 'The Warren helper is installed and running.',
        detail: expect.stringContaining('log out and in again'),
      },
    ]);
    // Later states, even the helper missing again, do not ask again in this run of the app.
    expect(await offer.consider(missing)).toBe('not-offered');
    expect(questions).toHaveLength(1);
  });

  it('does not offer outside an AppImage, nor when a helper answers or refuses us', async () => {
    expect(await harness({ appImage: undefined }).offer.consider(missing)).toBe('not-offered');
    expect(await harness().offer.consider({ kind: 'connected', helperVersion: '0.1.0' })).toBe('not-offered');
    const refused = harness();
    expect(await refused.offer.consider({ kind: 'not-allowed', message: 'no' })).toBe('not-offered');
    expect(await refused.offer.consider(missing)).toBe('not-offered');
    expect(refused.questions).toHaveLength(0);
  });

  it('does nothing when declined', async () => {
    const { offer, log, told } = harness({ answer: false });
    expect(await offer.consider(missing)).toBe('declined');
    expect(log).toEqual([]);
    expect(told).toEqual([]);
  });

  it("says the password was not given when pkexec is dismissed, and shows the install's own error otherwise", async () => {
    const dismissed = harness({ result: { code: 126, stderr: '' } });
    expect(await dismissed.offer.consider(missing)).toBe('failed');
    expect(dismissed.told).toEqual([
      { kind: 'error', message: 'The helper was not installed.', detail: 'The administrator password was not given.' },
    ]);
    expect(dismissed.log.at(-1)).toBe('unstage /tmp/warren-install-x/app');
    expect(dismissed.log).not.toContain('retry');

    const failed = harness({ result: { code: 1, stderr: 'warren: no such user: alice\n' } });
    expect(await failed.offer.consider(missing)).toBe('failed');
    expect(failed.told[0]).toEqual({
      kind: 'error',
      message: 'The helper could not be installed.',
      detail: 'warren: no such user: alice',
    });
  });

  it('gives the terminal command when there is no pkexec', async () => {
    const noPkexec = harness({ result: Object.assign(new Error('spawn pkexec ENOENT'), { code: 'ENOENT' }) });
    expect(await noPkexec.offer.consider(missing)).toBe('failed');
    expect(noPkexec.told[0]!.detail).toContain('pkexec (polkit) is not installed');
    expect(noPkexec.told[0]!.detail).toContain(
      'sudo env ELECTRON_RUN_AS_NODE=1 "/tmp/.mount_WarrenAbc/warren" "/tmp/.mount_WarrenAbc/resources/app.asar.unpacked/bin/warren.js" service install --user alice',
    );
  });

  it('says every change the install makes, and how to undo it', () => {
    const { detail, buttons } = offerQuestion('alice');
    for (const part of [
      '/opt/warren-helper',
      'warren.service',
      'as root',
      '/usr/local/bin/warren',
      'group "warren"',
      '(alice)',
      'next login',
      'sudo warren service uninstall',
      '/etc/warren',
    ]) {
      expect(detail).toContain(part);
    }
    expect(buttons).toEqual(['Install…', 'Not now']);
    expect(installCommand('/s/app', 'bob').slice(0, 3)).toEqual(['pkexec', 'env', 'ELECTRON_RUN_AS_NODE=1']);
  });
});

describe('staging and running', () => {
  const work = mkdtempSync(join(tmpdir(), 'warren-offer-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('stages a private copy of the app directory, modes kept, and removes it whole', async () => {
    const app = join(work, 'mount');
    mkdirSync(join(app, 'resources'), { recursive: true });
    writeFileSync(join(app, 'warren'), '#!/bin/sh\n');
    chmodSync(join(app, 'warren'), 0o755);
    writeFileSync(join(app, 'resources', 'warren.service'), '[Unit]\n');
    const staged = await stageAppDirectory(app, work);
    expect(statSync(join(staged, '..')).mode & 0o777).toBe(0o700);
    expect(statSync(join(staged, 'warren')).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(staged, 'resources', 'warren.service'), 'utf8')).toBe('[Unit]\n');
    await unstageAppDirectory(staged);
    expect(existsSync(join(staged, '..'))).toBe(false);
    expect(existsSync(app)).toBe(true);
  });
});
