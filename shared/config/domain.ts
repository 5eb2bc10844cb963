// Domain-name syntax for Endpoint hosts and DNS search domains: letters, digits, `-` and `_` in labels of 1-63
// characters, 253 in all, an optional final dot. The last label may not be all digits, so a mistyped IPv4
// address such as `10.0.0.256` is never taken for a name.
import { quote } from './diagnostics.js';

export function domainError(text: string): string | null {
  const name = text.endsWith('.') ? text.slice(0, -1) : text;
  if (name.length === 0) return `${quote(text)} is not a domain name`;
  if (name.length > 253) return `domain name is ${name.length} characters; at most 253 are allowed`;
  const labels = name.split('.');
  for (const label of labels) {
    if (label.length === 0) return `${quote(text)} has an empty label (two dots in a row)`;
    if (label.length > 63) return `${quote(text)} has a label longer than 63 characters`;
    for (let i = 0; i < label.length; i++) {
      const c = label.charCodeAt(i);
      const ok =
        (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 /* - */ || c === 95; /* _ */
      if (!ok) return `${quote(text)} is not a domain name (\`${label[i]}\` is not allowed)`;
    }
    if (label.startsWith('-') || label.endsWith('-')) {
      return `${quote(text)} is not a domain name (a label cannot start or end with \`-\`)`;
    }
  }
  // split gives one label at least.
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) {
    return `${quote(text)} is neither an IP address nor a domain name`;
  }
  return null;
}
