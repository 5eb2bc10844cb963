import { describe, expect, it } from 'vitest';
import { tunnelNameProblem } from './tunnel-name.js';

describe('tunnelNameProblem', () => {
  it("applies the helper's rule and refuses a name in use", () => {
    expect(tunnelNameProblem('wg0.home')).toBeNull();
    expect(tunnelNameProblem('')).toBe('Give the tunnel a name.');
    expect(tunnelNameProblem('a'.repeat(16))).toBe(
      'Names are 1–15 of a–z A–Z 0–9 _ = + . -, neither . nor .., and not starting with -.',
    );
    expect(tunnelNameProblem('home', ['home'])).toBe('There is already a tunnel named home.');
  });

  it('refuses a leading dash and keeps dashes elsewhere', () => {
    for (const name of ['-x', '--', '-']) expect(tunnelNameProblem(name), name).toMatch(/not starting with -/);
    expect(tunnelNameProblem('a-b')).toBeNull();
  });
});
