import { describe, expect, it } from 'vitest';
import { tunnelNameProblem } from './tunnel-name.js';

describe('tunnelNameProblem', () => {
  it('applies the helper\'s rule and refuses a name in use', () => {
    expect(tunnelNameProblem('wg0.home')).toBeNull();
    expect(tunnelNameProblem('')).toBe('Give the tunnel a name.');
    expect(tunnelNameProblem('a'.repeat(16))).toMatch(/^Names are/);
    expect(tunnelNameProblem('home', ['home'])).toBe('There is already a tunnel named home.');
  });
});
