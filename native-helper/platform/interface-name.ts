// The guard on every interface name that reaches the platform layer. The name ends up in argv, in nft scripts,
// in hook scripts (`%i`, unquoted, as wg-quick does) and in resolvconf record names, so only wg-quick's
// characters are let through: 1-15 of letters, digits and `_ = + . -` (15 is IFNAMSIZ minus the NUL).
const NAME = /^[a-zA-Z0-9_=+.-]{1,15}$/;

export function isValidInterfaceName(name: string): boolean {
  // The kernel refuses `.` and `..` (dev_valid_name) though the pattern allows them.
  return NAME.test(name) && name !== '.' && name !== '..';
}

export function assertInterfaceName(name: string): void {
  if (!isValidInterfaceName(name)) {
    throw new Error(
      `invalid interface name ${JSON.stringify(name)}: it must be 1-15 letters, digits or _ = + . - (and not . or ..)`,
    );
  }
}
