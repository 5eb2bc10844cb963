// The comma lists of Address, DNS and AllowedIPs. wg-quick splits Address and DNS on commas and blanks alike (it
// word-splits them in bash), so an empty entry there (`10.0.0.2/24,`) is nothing; wg strips every blank from
// AllowedIPs and refuses an empty entry, and `10.0.0.0/8 10.1.0.0/16` there becomes one garbled entry: we report
// both instead of guessing.
import { quote } from './diagnostics.js';
import { domainError } from './domain.js';
import { canonicalIp, maskAddress, parseIpAddress, parsePrefix, toIpPrefix } from './ip.js';
import { ipv4FormError, type Ipv4Reader } from './ipv4-readings.js';
import { trimBlanks } from './lexer.js';
import type { IpPrefix } from './model.js';

/** An entry of a list: a value (perhaps with a warning), an error, or nothing worth a value but a warning. */
export type ListItem<T> =
  { ok: true; value: T; warning?: string } | { ok: false; error: string } | { ok: 'skip'; warning: string };

interface ListRule {
  key: string;
  /** wg-quick word-splits the list (Address, DNS); wg does not (AllowedIPs). */
  wordSplit: boolean;
}

function splitList(rule: ListRule, value: string): ListItem<string>[] {
  const { key, wordSplit } = rule;
  const items: ListItem<string>[] = [];
  for (const piece of value.split(',')) {
    const item = trimBlanks(piece);
    if (item === '') {
      items.push(
        wordSplit
          ? { ok: 'skip', warning: `empty entry in ${key} (a stray comma?): wg-quick skips it, and so does Warren` }
          : { ok: false, error: `empty entry in ${key} (a stray comma?), which wg refuses` },
      );
    } else if (/[ \t]/.test(item)) {
      if (wordSplit) {
        for (const word of item.split(/[ \t]+/)) items.push({ ok: true, value: word });
      } else {
        items.push({ ok: false, error: `${key} entry ${quote(item)} contains a space; separate entries with commas` });
      }
    } else {
      items.push({ ok: true, value: item });
    }
  }
  return items;
}

/** The message for an address in a form only some programs read (`010.0.0.1`, `10.1`), with the program that
 *  reads this key; null for any other text. */
function formError(key: string, text: string, reader: Ipv4Reader, who: string): string | null {
  const slash = text.indexOf('/');
  const problem = ipv4FormError(slash < 0 ? text : text.slice(0, slash), reader, who);
  return problem === null ? null : `${key} ${problem}`;
}

/** Interface addresses keep their host part: `10.0.0.2/24` is host 10.0.0.2 on subnet 10.0.0.0/24. */
export function parseAddressList(value: string): ListItem<IpPrefix>[] {
  return splitList({ key: 'Address', wordSplit: true }, value).map((item) => {
    if (item.ok !== true) return item;
    const parsed = parsePrefix(item.value);
    if (!parsed.ok) {
      const error = formError('Address', item.value, 'ip', 'ip(8), which wg-quick adds addresses with,');
      return { ok: false, error: error ?? `Address ${parsed.error}` };
    }
    return { ok: true, value: toIpPrefix(parsed.value.address, parsed.value.prefix) };
  });
}

/** Routes: host bits are masked off as wg masks them, with a warning since they usually mean a typo. */
export function parseAllowedIpsList(value: string): ListItem<IpPrefix>[] {
  return splitList({ key: 'AllowedIPs', wordSplit: false }, value).map((item) => {
    if (item.ok !== true) return item;
    if (item.value.startsWith('+') || item.value.startsWith('-')) {
      const error = `AllowedIPs entry ${quote(item.value)}: \`+\`/\`-\` entries are for \`wg set\`, not a config file`;
      return { ok: false, error };
    }
    const parsed = parsePrefix(item.value);
    if (!parsed.ok) {
      return {
        ok: false,
        error: formError('AllowedIPs', item.value, 'inet_pton', 'wg') ?? `AllowedIPs ${parsed.error}`,
      };
    }
    const { address, prefix, hostBitsSet } = parsed.value;
    const network = toIpPrefix(maskAddress(address, prefix), prefix);
    if (!hostBitsSet) return { ok: true, value: network };
    return {
      ok: true,
      value: network,
      warning: `AllowedIPs ${quote(item.value)} has host bits set; wg uses ${network.address}/${prefix}`,
    };
  });
}

export type DnsEntry = { kind: 'server'; address: string } | { kind: 'search'; domain: string };

/** wg-quick's rule: digits and dots, or any colon, is a resolver address; anything else is a search domain. */
export function parseDnsList(value: string): ListItem<DnsEntry>[] {
  return splitList({ key: 'DNS', wordSplit: true }, value).map((item): ListItem<DnsEntry> => {
    if (item.ok !== true) return item;
    const text = item.value;
    const slash = text.indexOf('/');
    if (slash >= 0 && parseIpAddress(text.slice(0, slash)).ok) {
      return { ok: false, error: `DNS server ${quote(text)} must be an address without a prefix length` };
    }
    if (text.includes(':') || text.includes('%') || /^[0-9.]+$/.test(text)) {
      const parsed = parseIpAddress(text);
      if (!parsed.ok) {
        const error = formError('DNS server', text, 'inet_aton', 'the resolver (glibc), which wg-quick passes it to,');
        return { ok: false, error: error ?? `DNS server ${parsed.error}` };
      }
      return { ok: true, value: { kind: 'server', address: canonicalIp(text)! } };
    }
    const problem = domainError(text);
    if (problem !== null) return { ok: false, error: `DNS search domain ${problem}` };
    return { ok: true, value: { kind: 'search', domain: text } };
  });
}
