// A stored tunnel's endpoint addresses, remembered in the store's state (configure-device.ts falls back on them
// when a lookup fails); the writes are the store's, atomic. A failed write is logged, never thrown.
import type { TunnelStore } from '../store/index.js';
import type { EndpointMemory } from './configure-device.js';
import type { HelperLog } from './helper-log.js';

export function storeEndpointMemory(store: TunnelStore, name: string, log: HelperLog): EndpointMemory {
  return {
    recall: (host) => store.get(name)?.lastResolved[host],
    remember: (host, address) => {
      store.rememberResolved(name, host, address).catch((error: unknown) => {
        log.write('warn', `could not remember the address of ${host}: ${(error as Error).message}`, name);
      });
    },
  };
}
