// The RFC 2253 form of a certificate subject, which Kafka's DefaultKafkaPrincipalBuilder reads from Java's
// X500Principal.getName() and hands to the SslPrincipalMapper.

import type { X509Certificate } from 'node:crypto';

/**
 * The RFC 2253 string of `cert`'s subject, e.g. `CN=alice,OU=eng+L=Paris,O=Acme\, Inc,C=US`: relative
 * distinguished names from the most specific (last in the certificate) to the least, `,` between them, `+` between
 * the attributes of a multi-valued one, values escaped as RFC 2253 says (OpenSSL's ESC_2253 escaping, which Node's
 * `X509Certificate.subject` applies, one RDN per line and ` + ` inside a multi-valued one).
 *
 * Attributes RFC 2253 has a keyword for (CN, C, L, ST, O, OU, DC, UID, STREET) read as Java writes them. Others are
 * written with OpenSSL's short name (e.g. `emailAddress=a@b`) where Java writes the OID and the hex of the DER value
 * (`1.2.840.113549.1.9.1=#16...`): principal mapping rules on such attributes differ from Kafka's.
 */
export function rfc2253SubjectName(cert: X509Certificate): string {
  const subject = cert.subject;
  if (subject === '') return '';
  return subject
    .split('\n')
    .reverse()
    .map((rdn) => rdn.split(' + ').join('+'))
    .join(',');
}
