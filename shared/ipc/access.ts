/*
 * Who may use the helper's control socket, in the words both ends use: root, and the members of one group
 * ('warren' unless the helper is told otherwise). The helper checks it on every connection
 * (native-helper/daemon/authorization.ts) and answers a 'forbidden' error; a client whose connect() the socket
 * file itself refuses (EACCES: it is 0660 root:GROUP) says the same (control-client.ts).
 */

export const DEFAULT_CONTROL_GROUP = 'warren';

/** The error code of a refused connection. */
export const FORBIDDEN = 'forbidden';

/**
 * What a refused user reads: the command that grants access. Without the group, creating it comes first, and
 * the helper must start again to give its socket to the group. Logging out and in is what puts the group into
 * the user's processes (the socket file checks those).
 */
export function notAllowedMessage(user: string, group: string, groupExists = true): string {
  const command = groupExists
    ? `sudo usermod -aG ${group} ${user}`
    : `sudo groupadd --system ${group} && sudo usermod -aG ${group} ${user}`;
  const restart = groupExists ? '' : ' and restart the Warren helper';
  return `user ${user} is not allowed to control Warren: ask an administrator to run \`${command}\`${restart}, then log out and in again`;
}

/** The error code of a connection refused because its user (or all members together) holds too many. */
export const TOO_MANY_CONNECTIONS = 'too-many-connections';

/** The error code of a request this caller may not make (another owner's tunnel, scripts as a member). */
export const NOT_PERMITTED = 'not-permitted';
