// The wg-quick configuration model and the code that reads, writes and judges it.
export type {
  ConfigLines,
  Diagnostic,
  Endpoint,
  InterfaceConfig,
  InterfaceLines,
  IpPrefix,
  ParseResult,
  PeerConfig,
  PeerLines,
  TunnelConfig,
} from './model.js';
export { MAX_CONFIG_BYTES, MAX_PARSE_ERRORS, parseConfig, type ParseOptions } from './parse.js';
export { serializeConfig, renderConfig } from './serialize.js';
export { lintConfig } from './lint.js';
export { displayName, formatDiagnostic, formatDiagnostics, MAX_REPORTED_DIAGNOSTICS } from './diagnostics.js';
export {
  TUNNEL_NAME_MAX_LENGTH,
  TUNNEL_NAME_RULE,
  interfaceNameFromPath,
  isValidTunnelName,
  tunnelNameError,
} from './interface-name.js';
export { decodeKey, encodeKey, isValidKey, keyError, KEY_BASE64_LENGTH, KEY_BYTES } from './keys.js';
export {
  canonicalIp,
  formatPrefix,
  maskAddress,
  parseIpAddress,
  parsePrefix,
  prefixContains,
  prefixesOverlap,
  type IpAddress,
} from './ip.js';
export { formatEndpoint, parseEndpoint } from './endpoint.js';
export { MAX_MTU, MIN_MTU } from './values.js';
export {
  HIDDEN_PRIVATE_KEY_LINE,
  PRIVATE_KEY_PLACEHOLDER,
  hasHiddenPrivateKey,
  hidePrivateKey,
  insertPrivateKey,
  restorePrivateKey,
  withStandInKey,
} from './private-key-text.js';
export {
  EXCLUDED_PRIVATE_IPV4,
  excludePrivateIps,
  excludePrivateIpsFromConfig,
  excludesPrivateIps,
  formatAllowedIps,
  publicIpv4Networks,
  subtractPrefixes,
  type ExcludePrivateIpsOptions,
} from './exclude-private-ips.js';
