// A UAPI target over an engine Device with no sockets behind it: listen port and fwmark are recorded, and a
// port can be marked taken to exercise EADDRINUSE.
import { loadCrypto } from '../crypto/index.js';
import { Device } from '../engine/device.js';
import type { DeviceOptions, DeviceSink } from '../engine/device-types.js';
import type { UapiTarget } from './set.js';

export interface RecordingTarget extends UapiTarget {
  readonly sent: { endpoint: Uint8Array; bytes: Uint8Array }[];
  takenPort: number;
  marks: number[];
}

/** `device` options beyond crypto and the wall clock (a small maxPeers, say). */
export function recordingTarget(device: Partial<DeviceOptions> = {}): RecordingTarget {
  const sent: { endpoint: Uint8Array; bytes: Uint8Array }[] = [];
  const sink: DeviceSink = {
    sendDatagram(endpoint, buf, off, len) {
      sent.push({ endpoint: endpoint.slice(), bytes: buf.slice(off, off + len) });
    },
    writeTun() {},
  };
  const target: RecordingTarget = {
    device: new Device({ crypto: loadCrypto(), wallClock: () => Date.now(), ...device }),
    sent,
    takenPort: -1,
    marks: [],
    run: (operation) => operation(performance.now(), sink),
    setListenPort(port) {
      if (port === target.takenPort) throw Object.assign(new Error('taken'), { code: 'EADDRINUSE' });
      // As the system does for 0: some free port.
      return port === 0 ? 40000 : port;
    },
    setFwmark(mark) {
      target.marks.push(mark);
    },
  };
  return target;
}
