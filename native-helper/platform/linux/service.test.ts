// The unit an AppImage install writes: the shipped one with its paths moved, or none at all. (Installing and
// removing for real runs in test/packaging/package.test.ts, in a throwaway root.)
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LINUX_SERVICE_PATHS, relocateUnit } from './service.js';

const SHIPPED = readFileSync(new URL('../../../packaging/systemd/warren.service', import.meta.url), 'utf8');

describe('relocateUnit', () => {
  it('moves every path of the shipped unit from /opt/Warren to the helper directory, and nothing else', () => {
    const moved = relocateUnit(SHIPPED, LINUX_SERVICE_PATHS.helperDirectory);
    expect(moved).toContain('\nExecStart=/opt/warren-helper/warren --max-semi-space-size=1 /opt/warren-helper/resources/app.asar.unpacked/bin/warren.js daemon\n');
    expect(moved).not.toContain('/opt/Warren/');
    expect(moved.replaceAll('/opt/warren-helper/', '/opt/Warren/')).toBe(SHIPPED);
  });

  it('refuses a unit that does not run the helper from /opt/Warren', () => {
    const changed = SHIPPED.replace('bin/warren.js daemon', 'bin/warren.js daemon --state-dir /x');
    expect(() => relocateUnit(changed, '/opt/warren-helper')).toThrow('the shipped unit does not run /opt/Warren/warren');
    expect(() => relocateUnit('[Service]\n', '/opt/warren-helper')).toThrow('the shipped unit does not run');
  });
});
