import { describe, expect, it } from 'vitest';
import { configNote, ownerNote, settingsNote } from './ownership.js';

describe("the words for another owner's tunnel", () => {
  it('names the owner, and calls root an administrator', () => {
    expect(ownerNote('alice')).toBe(
      'Owned by alice: only alice or an administrator can change it. You can switch it on and off.',
    );
    expect(ownerNote('root')).toBe(
      'Owned by an administrator: only an administrator can change it. You can switch it on and off.',
    );
    expect(ownerNote(undefined)).toBe(
      'Owned by another user: only its owner or an administrator can change it. You can switch it on and off.',
    );
    expect(configNote('alice')).toBe(
      'Its configuration belongs to alice: its addresses, DNS and MTU show only to alice and administrators.',
    );
    expect(configNote('root')).toBe(
      'Its configuration belongs to an administrator: its addresses, DNS and MTU show only to administrators.',
    );
    expect(settingsNote('alice')).toBe('Only alice or an administrator can change these settings.');
    expect(settingsNote('root')).toBe('Only an administrator can change these settings.');
  });
});
