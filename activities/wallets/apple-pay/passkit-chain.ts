/**
 * Apple Pay in-app provisioning: whether the device material PassKit handed the issuer's app (the leaf
 * certificate and the wallet's sub-CA, a nonce and its signature) comes from a wallet the engine trusts,
 * and the leaf key the payload is then encrypted for. Every refusal names what is wrong, never a value sent.
 *
 * The nonce signature is our public construction: in Apple's programme it comes from the device and its
 * exact use is confidential. Here it is ECDSA P-256 / SHA-256 (DER) for an EC leaf, RSASSA-PKCS1-v1_5 /
 * SHA-256 for an RSA leaf, over the nonce bytes; a certified implementation replaces
 * `nonceSignatureVerifies` and `signPassKitNonce`.
 */
import { KeyUsageFlags, KeyUsagesExtension, X509Certificate as ParsedCertificate } from '../../crypto/x509.js';
import { constants, sign, verify, X509Certificate, type KeyObject, type SignKeyObjectInput } from 'node:crypto';
import { WalletRefusalReason, WalletRequestRefused, type PassKitScheme } from '../../../domain/wallets.js';

export interface PassKitDeviceMaterial {
  /** DER X.509, the leaf first, then the wallet's sub-CA. */
  certificates: Uint8Array[];
  /** 1 to 64 bytes; the API's schema bounds it, and anything else is refused as NONCE_SIGNATURE_INVALID. */
  nonce: Uint8Array;
  nonceSignature: Uint8Array;
  scheme: PassKitScheme;
}

export interface PassKitTrust {
  /** The wallet roots the engine trusts (several while one is rotated). */
  roots: X509Certificate[];
}

export const passKitNonceBytes = { min: 1, max: 64 } as const;

/** What the leaf may be used for besides signing the nonce: agreeing an ECDH key, or unwrapping an AES key. */
const leafKeyUsageByScheme: Record<PassKitScheme, { flag: KeyUsageFlags; name: string }> = {
  ECC_V2: { flag: KeyUsageFlags.keyAgreement, name: 'keyAgreement' },
  RSA_V2: { flag: KeyUsageFlags.keyEncipherment, name: 'keyEncipherment' },
};

const minimumRsaBits = 2048;

/** The leaf key each scheme encrypts for. */
const leafKeyByScheme: Record<PassKitScheme, { fits: (key: KeyObject) => boolean; needs: string }> = {
  ECC_V2: {
    fits: (key) => key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1',
    needs: 'an EC P-256 key',
  },
  RSA_V2: {
    fits: (key) => key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= minimumRsaBits,
    needs: `an RSA key of at least ${minimumRsaBits} bits`,
  },
};

interface ChainCertificate {
  role: string;
  certificate: X509Certificate;
  keyUsage: KeyUsageFlags | undefined;
}

/**
 * Checks the chain (shape, roles, signatures up to a trusted root, validity at `now`), the leaf key against
 * the scheme, and the nonce signature; returns the leaf's public key or throws WalletRequestRefused.
 */
export function verifyPassKitDeviceMaterial(
  input: PassKitDeviceMaterial,
  trust: PassKitTrust,
  now: Date,
): { leafPublicKey: KeyObject } {
  const [leaf, subCa] = parseChain(input.certificates);
  if (input.nonce.length < passKitNonceBytes.min || input.nonce.length > passKitNonceBytes.max) {
    refuse(
      WalletRefusalReason.NonceSignatureInvalid,
      `The nonce must be ${passKitNonceBytes.min} to ${passKitNonceBytes.max} bytes`,
    );
  }
  // Roles before signatures: OpenSSL's checkIssued refuses an issuer without keyCertSign, which would
  // report a sub-CA that may not sign certificates as an untrusted chain.
  checkRoles(leaf, subCa);
  const root = trustedRootOf(leaf, subCa, trust.roots, now);
  for (const link of [leaf, subCa, { role: 'wallet root certificate', certificate: root }]) checkValidAt(link, now);
  const leafPublicKey = leaf.certificate.publicKey;
  checkSchemeKey(leafPublicKey, input.scheme);
  checkLeafKeyUsage(leaf.keyUsage, input.scheme);
  if (!nonceSignatureVerifies(leafPublicKey, input.nonce, input.nonceSignature)) {
    refuse(
      WalletRefusalReason.NonceSignatureInvalid,
      "The nonce signature does not verify with the leaf certificate's key",
    );
  }
  return { leafPublicKey };
}

/** The device's side of the nonce signature (the sandbox wallet's): see the module comment. */
export function signPassKitNonce(privateKey: KeyObject, nonce: Uint8Array): Buffer {
  return sign('sha256', nonce, signatureOptions(privateKey));
}

function signatureOptions<Key extends KeyObject>(key: Key): SignKeyObjectInput & { key: Key } {
  if (key.asymmetricKeyType === 'ec') return { key, dsaEncoding: 'der' };
  if (key.asymmetricKeyType === 'rsa') return { key, padding: constants.RSA_PKCS1_PADDING };
  throw new TypeError('A PassKit nonce is signed with an EC or an RSA key');
}

function nonceSignatureVerifies(leafPublicKey: KeyObject, nonce: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify('sha256', nonce, signatureOptions(leafPublicKey), signature);
  } catch {
    return false;
  }
}

function refuse(reason: WalletRefusalReason, message: string): never {
  throw new WalletRequestRefused(reason, message);
}

function parseChain(certificates: readonly Uint8Array[]): [ChainCertificate, ChainCertificate] {
  if (certificates.length !== 2) {
    refuse(
      WalletRefusalReason.CertificateChainMalformed,
      'The certificate chain must be exactly two DER certificates: the leaf, then the sub-CA',
    );
  }
  return [
    parseCertificate(certificates[0]!, 'leaf certificate'),
    parseCertificate(certificates[1]!, 'sub-CA certificate'),
  ];
}

function parseCertificate(der: Uint8Array, role: string): ChainCertificate {
  if (der instanceof Uint8Array && der.length === 0) {
    refuse(WalletRefusalReason.CertificateChainMalformed, `The ${role} is empty`);
  }
  try {
    const certificate = new X509Certificate(der);
    // Node also reads PEM, and ignores bytes after the certificate: only the exact DER encoding is taken.
    if (!Buffer.from(certificate.raw).equals(der)) throw new Error('not exactly one DER certificate');
    return { role, certificate, keyUsage: new ParsedCertificate(der).getExtension(KeyUsagesExtension)?.usages };
  } catch {
    return refuse(WalletRefusalReason.CertificateChainMalformed, `The ${role} is not a DER X.509 certificate`);
  }
}

function checkRoles(leaf: ChainCertificate, subCa: ChainCertificate): void {
  if (!subCa.certificate.ca) {
    refuse(
      WalletRefusalReason.CertificateKeyUsage,
      'The sub-CA certificate is not a CA (its basicConstraints lack cA=true)',
    );
  }
  if (subCa.keyUsage === undefined || (subCa.keyUsage & KeyUsageFlags.keyCertSign) === 0) {
    refuse(
      WalletRefusalReason.CertificateKeyUsage,
      'The sub-CA certificate may not sign certificates (its key usage lacks keyCertSign)',
    );
  }
  if (leaf.certificate.ca) {
    refuse(
      WalletRefusalReason.CertificateKeyUsage,
      'The leaf certificate is a CA (basicConstraints cA=true); a device key is no CA',
    );
  }
}

function issued(issuer: X509Certificate, subject: X509Certificate): boolean {
  try {
    return subject.checkIssued(issuer) && subject.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** The root that issued the sub-CA; of several (a root re-issued), one valid at `now` if there is one. */
function trustedRootOf(
  leaf: ChainCertificate,
  subCa: ChainCertificate,
  roots: readonly X509Certificate[],
  now: Date,
): X509Certificate {
  if (!issued(subCa.certificate, leaf.certificate)) {
    refuse(
      WalletRefusalReason.CertificateNotTrusted,
      'The leaf certificate is not issued by the sub-CA certificate sent with it',
    );
  }
  const issuers = roots.filter((root) => issued(root, subCa.certificate));
  const root = issuers.find((candidate) => validityAt(candidate, now) === 'valid') ?? issuers[0];
  if (!root) {
    refuse(
      WalletRefusalReason.CertificateNotTrusted,
      'The sub-CA certificate is not issued by a wallet root the engine trusts',
    );
  }
  return root;
}

function validityAt(certificate: X509Certificate, now: Date): 'valid' | 'expired' | 'not yet valid' {
  if (now.getTime() < Date.parse(certificate.validFrom)) return 'not yet valid';
  if (now.getTime() > Date.parse(certificate.validTo)) return 'expired';
  return 'valid';
}

function checkValidAt({ role, certificate }: Pick<ChainCertificate, 'role' | 'certificate'>, now: Date): void {
  const validity = validityAt(certificate, now);
  if (validity === 'expired') {
    refuse(WalletRefusalReason.CertificateNotValidNow, `The ${role} has expired (past its notAfter)`);
  }
  if (validity === 'not yet valid') {
    refuse(
      WalletRefusalReason.CertificateNotValidNow,
      `The ${role} is not yet valid (its notBefore is later than now)`,
    );
  }
}

function checkSchemeKey(key: KeyObject, scheme: PassKitScheme): void {
  const { fits, needs } = leafKeyByScheme[scheme];
  if (!fits(key)) {
    refuse(
      WalletRefusalReason.SchemeKeyMismatch,
      `${scheme} needs ${needs} in the leaf certificate; its key is not one`,
    );
  }
}

function checkLeafKeyUsage(keyUsage: KeyUsageFlags | undefined, scheme: PassKitScheme): void {
  const needed = [{ flag: KeyUsageFlags.digitalSignature, name: 'digitalSignature' }, leafKeyUsageByScheme[scheme]];
  const missing = needed.filter(({ flag }) => keyUsage === undefined || (keyUsage & flag) === 0);
  if (missing.length > 0) {
    refuse(
      WalletRefusalReason.CertificateKeyUsage,
      `The leaf certificate's key usage lacks ${missing.map(({ name }) => name).join(' and ')}, which ${scheme} needs`,
    );
  }
}
