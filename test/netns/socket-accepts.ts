// Whether a helper's unix socket is up yet: the netns suites wait on it after starting a helper.
import { connect } from 'node:net';

/** Whether a unix socket at path accepts a connection (closed at once). */
export function accepts(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
