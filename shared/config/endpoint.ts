// Endpoint text: `host:port`, `[IPv6]:port`, `hostname:port`. wg itself splits an unbracketed value at the last
// `:`, so `2001:db8::1:51820` would silently become host `2001:db8::1` port 51820; we refuse it and ask for
// brackets, which say what was meant.
import { quote } from './diagnostics.js';
import { domainError } from './domain.js';
import { formatIpAddress, parseIpAddress, parseIpv6, type Parsed } from './ip.js';
import { ipv4FormError } from './ipv4-readings.js';
import type { Endpoint } from './model.js';

function parsePort(text: string, whole: string): Parsed<number> {
  if (text === '') return { ok: false, error: `Endpoint ${quote(whole)} has no port after \`:\`` };
  if (!/^[0-9]+$/.test(text)) return { ok: false, error: `Endpoint port ${quote(text)} is not a number` };
  const port = text.length > 5 ? Infinity : Number(text);
  if (port < 1 || port > 65535) return { ok: false, error: `Endpoint port ${quote(text)} is outside 1-65535` };
  return { ok: true, value: port };
}

function parseHost(text: string): Parsed<string> {
  if (text === '') return { ok: false, error: 'Endpoint has no host before the port' };
  // wg resolves the host with getaddrinfo, which takes `010.0.0.1`, `10.1` and `0x0a.0.0.1` as inet_aton does.
  const form = ipv4FormError(text, 'inet_aton', 'wg');
  if (form !== null) return { ok: false, error: `Endpoint ${form}` };
  // Digits and dots only, or any colon: meant as an address, so it must be a valid one.
  if (text.includes(':') || /^[0-9.]+$/.test(text)) {
    const ip = parseIpAddress(text);
    return ip.ok ? { ok: true, value: formatIpAddress(ip.value) } : ip;
  }
  const problem = domainError(text);
  return problem === null ? { ok: true, value: text } : { ok: false, error: `Endpoint host: ${problem}` };
}

export function parseEndpoint(text: string): Parsed<Endpoint> {
  let hostText: string;
  let portText: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return { ok: false, error: `Endpoint ${quote(text)} has \`[\` without a matching \`]\`` };
    hostText = text.slice(1, close);
    const after = text.slice(close + 1);
    if (!after.startsWith(':')) return { ok: false, error: `Endpoint ${quote(text)} needs \`:port\` after \`]\`` };
    portText = after.slice(1);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0) return { ok: false, error: `Endpoint ${quote(text)} has no port; write \`host:port\`` };
    hostText = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (hostText.includes(':')) {
      const wholeIsIpv6 = parseIpv6(text).ok;
      return {
        ok: false,
        error: wholeIsIpv6
          ? `Endpoint ${quote(text)} looks like an IPv6 address without a port; write \`[address]:port\``
          : `Endpoint ${quote(text)}: an IPv6 address must be in brackets, as \`[address]:port\``,
      };
    }
  }
  const host = parseHost(hostText);
  if (!host.ok) return host;
  const port = parsePort(portText, text);
  if (!port.ok) return port;
  return { ok: true, value: { host: host.value, port: port.value } };
}

export function formatEndpoint(endpoint: Endpoint): string {
  return endpoint.host.includes(':') ? `[${endpoint.host}]:${endpoint.port}` : `${endpoint.host}:${endpoint.port}`;
}
