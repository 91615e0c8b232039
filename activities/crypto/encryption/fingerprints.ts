/**
 * How Mastercard names an encryption key: the SHA-256 of the public key's DER SubjectPublicKeyInfo, in
 * hex. Integrators often send the certificate's fingerprint instead, or SHA-1: say which one it was.
 */
import { createHash, type KeyObject } from 'node:crypto';

export function publicKeyFingerprint(publicKey: KeyObject): string {
  return digest('sha256', publicKey.export({ type: 'spki', format: 'der' }), 'hex');
}

export interface FingerprintSubject {
  publicKey: KeyObject;
  /** The certificate that carries the key, DER-encoded, when there is one. */
  certificateDer?: Buffer;
}

/** A sentence saying what the sender's key id was, when it is a known confusion, and what is expected. */
export function explainFingerprintMismatch(sent: string | undefined, subject: FingerprintSubject): string {
  const expected = publicKeyFingerprint(subject.publicKey);
  const expectation = `the key id must be the SHA-256 fingerprint of the public key (DER SubjectPublicKeyInfo, hex): ${expected}`;
  if (!sent) return `The payload names no key id; ${expectation}`;
  const spki = subject.publicKey.export({ type: 'spki', format: 'der' });
  const candidates: [string, Buffer][] = [
    ['the SHA-256 fingerprint of the public key', spki],
    ['the SHA-1 fingerprint of the public key', spki],
    ...(subject.certificateDer
      ? ([
          ['the SHA-256 fingerprint of the certificate', subject.certificateDer],
          ['the SHA-1 fingerprint of the certificate', subject.certificateDer],
        ] as [string, Buffer][])
      : []),
  ];
  const normalized = sent.replaceAll(':', '').toLowerCase();
  for (const [name, bytes] of candidates) {
    const algorithm = name.includes('SHA-1') ? 'sha1' : 'sha256';
    const forms = [digest(algorithm, bytes, 'hex'), digest(algorithm, bytes, 'base64').toLowerCase()];
    if (forms.includes(normalized)) {
      if (algorithm === 'sha256' && bytes === spki) {
        return `The key id ${sent} is this key's fingerprint but not in hex; ${expectation}`;
      }
      return `The key id ${sent} is ${name}; ${expectation}`;
    }
  }
  return `The key id ${sent} is not a fingerprint of this key (is the payload encrypted for another key?); ${expectation}`;
}

function digest(algorithm: 'sha1' | 'sha256', bytes: Buffer, encoding: 'hex' | 'base64'): string {
  return createHash(algorithm).update(bytes).digest(encoding);
}
