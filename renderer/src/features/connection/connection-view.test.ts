import { describe, expect, it } from 'vitest';
import { connectionView } from './connection-view.js';

describe('connectionView', () => {
  it('tells how to start a missing helper', () => {
    const view = connectionView({
      kind: 'helper-missing',
      message: 'The Warren helper is not running.',
      hint: 'Start it with `sudo systemctl start warren`.',
    });
    expect(view).toMatchObject({
      tone: 'problem',
      title: 'The Warren helper is not running.',
      detail: 'Start it with the command below.',
      command: 'sudo systemctl start warren',
      canRetry: true,
    });
  });

  it('names the group to join when not allowed', () => {
    const view = connectionView({
      kind: 'not-allowed',
      message:
        'user ann is not allowed to control Warren: ask an administrator to run `sudo usermod -aG warren ann`, then log out and in again',
    });
    expect(view.command).toBe('sudo usermod -aG warren ann');
    expect(view.detail).toBe(
      'User ann is not allowed to control Warren: ask an administrator to run the command below, then log out and in again',
    );
  });

  it('shows no banner while connected or connecting', () => {
    expect(connectionView({ kind: 'connected', helperVersion: '0.1.0' })).toMatchObject({
      tone: 'ok',
      label: 'Helper 0.1.0',
    });
    expect(connectionView({ kind: 'connecting' }).title).toBeUndefined();
  });
});
