import { describe, expect, it } from 'vitest';
import { UsageError } from '../command.js';
import { memoryIo } from '../testing/memory-io.js';
import { parseSettings, set } from './set.js';

describe('warren set', () => {
  it('reads each --OPTION on|off into the option it sets', () => {
    expect(parseSettings(['--allow-scripts', 'on', '--block-untunneled', 'off', '--autostart', 'on'])).toEqual({
      allowScripts: true,
      blockUntunneled: false,
      autostart: true,
    });
    expect(parseSettings(['--allow-bridges', 'off', '--exclude-private-ips', 'on'])).toEqual({
      allowBridges: false,
      excludePrivateIps: true,
    });
  });

  for (const [args, message] of [
    [[], 'set needs at least one --OPTION on|off'],
    [['--autostart'], '--autostart takes on or off'],
    [['--autostart', 'yes'], '--autostart takes on or off'],
    [['--autostart', 'on', '--autostart', 'off'], '--autostart is given twice'],
    [['--frobnicate', 'on'], 'unknown option `--frobnicate`'],
  ] as const) {
    it(`refuses ${JSON.stringify(args)}`, () => {
      expect(() => parseSettings(args)).toThrow(new UsageError(message));
    });
  }

  it('needs a valid tunnel name first', async () => {
    const io = memoryIo();
    await expect(set.run(['-x', '--autostart', 'on'], io)).rejects.toThrow('set needs a tunnel NAME first');
    await expect(set.run([], io)).rejects.toThrow('set needs a tunnel NAME first');
  });

  it('lists every flag in its help', () => {
    for (const flag of [
      '--autostart',
      '--block-untunneled',
      '--allow-bridges',
      '--exclude-private-ips',
      '--allow-scripts',
    ])
      expect(set.help).toContain(`${flag} on|off`);
  });
});
