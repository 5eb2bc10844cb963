// The guard on every interface name that reaches the platform layer. The name ends up in argv, in nft scripts,
// in hook scripts (`%i`, unquoted, as wg-quick does) and in resolvconf record names; the rule itself (wg-quick's
// characters, no leading `-`) lives in shared/config/interface-name.ts.
import { TUNNEL_NAME_RULE, isValidTunnelName } from '../../shared/config/interface-name.js';

export function isValidInterfaceName(name: string): boolean {
  return isValidTunnelName(name);
}

export function assertInterfaceName(name: string): void {
  if (!isValidTunnelName(name)) {
    throw new Error(`invalid interface name ${JSON.stringify(name)}: it must be ${TUNNEL_NAME_RULE}`);
  }
}
