// Principals as Kafka's DefaultKafkaPrincipalBuilder names them: "User:ANONYMOUS" on PLAINTEXT (and SSL
// without a client certificate), "User:<name>" after SASL, and "User:<subject DN>" for an SSL client
// certificate, the DN in RFC 2253 form as Java's X500Principal.getName() renders it (most specific RDN first).
import type { X509Certificate } from 'node:crypto';

export const ANONYMOUS = 'User:ANONYMOUS';

export function userPrincipal(name: string): string {
  return `User:${name}`;
}

/** "User:alice" as Kafka's principal type and name. */
export function splitPrincipal(principal: string): { type: string; name: string } {
  const i = principal.indexOf(':');
  return { type: principal.slice(0, i), name: principal.slice(i + 1) };
}

// Attribute keywords Java's RFC 2253 output keeps; others are written as OID=#<DER hex>.
const JAVA_KEYWORDS: Record<string, string> = { CN: 'CN', C: 'C', L: 'L', ST: 'ST', O: 'O', OU: 'OU', DC: 'DC', UID: 'UID', street: 'STREET' };
// OIDs and DER string tags of the other attributes OpenSSL commonly prints by short name.
const OID_ATTRS: Record<string, [string, number]> = {
  emailAddress: ['1.2.840.113549.1.9.1', 0x16],
  serialNumber: ['2.5.4.5', 0x13],
  title: ['2.5.4.12', 0x0c],
  GN: ['2.5.4.42', 0x0c],
  SN: ['2.5.4.4', 0x0c],
  initials: ['2.5.4.43', 0x0c],
  pseudonym: ['2.5.4.65', 0x0c],
  description: ['2.5.4.13', 0x0c],
  postalCode: ['2.5.4.17', 0x0c],
  businessCategory: ['2.5.4.15', 0x0c],
};

function unescape2253(v: string): string {
  return v.replace(/\\([0-9A-Fa-f]{2}|.)/g, (_, e: string) => (e.length === 2 ? String.fromCharCode(parseInt(e, 16)) : e));
}

function derHex(tag: number, value: string): string {
  const body = Buffer.from(value, 'utf8');
  const len = body.length < 128 ? Buffer.from([body.length]) : body.length < 256 ? Buffer.from([0x81, body.length]) : Buffer.from([0x82, body.length >> 8, body.length & 0xff]);
  return '#' + Buffer.concat([Buffer.from([tag]), len, body]).toString('hex');
}

function attr(ava: string): string {
  const i = ava.indexOf('=');
  if (i <= 0) return ava;
  const key = ava.slice(0, i);
  const value = ava.slice(i + 1);
  if (JAVA_KEYWORDS[key]) return `${JAVA_KEYWORDS[key]}=${value}`;
  const oid = OID_ATTRS[key];
  if (oid) return `${oid[0]}=${derHex(oid[1], unescape2253(value))}`;
  return `${key}=${value}`;
}

/**
 * RFC 2253 name of a certificate subject. Node prints the subject one RDN per line in certificate order, values
 * already RFC 2253-escaped; Java lists the RDNs in reverse order, comma-separated, multi-valued RDNs joined by '+'.
 */
export function rfc2253(subject: string): string {
  return subject
    .split('\n')
    .filter(Boolean)
    .reverse()
    .map((rdn) => rdn.split(' + ').map(attr).join('+'))
    .join(',');
}

export function certificatePrincipal(cert: X509Certificate): string {
  return userPrincipal(rfc2253(cert.subject));
}
