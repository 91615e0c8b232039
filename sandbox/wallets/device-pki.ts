/**
 * A simulated wallet's PKI, as the sandbox's wallets hold it: a root CA (EC P-384) the engine is told to
 * trust, a sub-CA (EC P-256) under it, and the device certificates PassKit would hand the issuer's app
 * (leaf first, then the sub-CA), with the ways a real device's material goes wrong. Node makes the keys;
 * @peculiar/x509 (Node cannot) builds the certificates.
 */
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectKeyIdentifierExtension,
  X509CertificateGenerator,
  type Extension,
  type X509Certificate as PeculiarCertificate,
  type JsonName,
} from '../../activities/crypto/x509.js';
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  webcrypto,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import type { PassKitScheme } from '../../domain/wallets.js';

export interface DeviceCertificateOptions {
  expired?: boolean;
  notYetValid?: boolean;
  /** A leaf whose key usage lacks keyAgreement (ECC_V2) or keyEncipherment (RSA_V2), or digitalSignature. */
  keyUsage?: 'missing-agreement' | 'missing-signature';
  /** Issued under a root of the same names that nobody trusts. */
  selfIssued?: boolean;
  /** The device's clock; now by default. */
  now?: Date;
}

export interface DeviceCertificate {
  /** DER, the leaf then the sub-CA, as PassKit hands them over. */
  certificates: Buffer[];
  privateKey: KeyObject;
}

/** What the sandbox persists: the root's key is not kept, the sub-CA issues every device certificate. */
export interface WalletPkiDocument {
  name: string;
  rootCertificatePem: string;
  subCaCertificatePem: string;
  subCaPrivateKeyPem: string;
}

const day = 86_400_000;
const year = 365 * day;

export async function createWalletPki(name: string, now: Date = new Date()): Promise<WalletPki> {
  return new WalletPki(await createAuthorities(name, now));
}

export function exportWalletPki(pki: WalletPki): WalletPkiDocument {
  return pki.toDocument();
}

/** A persisted PKI, checked to hang together. */
export function importWalletPki(document: WalletPkiDocument): WalletPki {
  const subCaCertificate = new X509Certificate(document.subCaCertificatePem);
  if (!subCaCertificate.checkPrivateKey(createPrivateKey(document.subCaPrivateKeyPem))) {
    throw new TypeError("The wallet PKI's sub-CA key is not the key of its certificate");
  }
  if (!subCaCertificate.verify(new X509Certificate(document.rootCertificatePem).publicKey)) {
    throw new TypeError("The wallet PKI's sub-CA is not issued by its root");
  }
  return new WalletPki({ ...document });
}

export class WalletPki {
  constructor(private readonly document: WalletPkiDocument) {}

  get name(): string {
    return this.document.name;
  }

  /** What the engine is configured to trust for this wallet. */
  get rootCertificatePem(): string {
    return this.document.rootCertificatePem;
  }

  async issueDeviceCertificate(
    scheme: PassKitScheme,
    options: DeviceCertificateOptions = {},
  ): Promise<DeviceCertificate> {
    const now = options.now ?? new Date();
    const authorities = options.selfIssued ? await createAuthorities(this.document.name, now) : this.document;
    return issueLeaf(authorities, scheme, options, now);
  }

  toDocument(): WalletPkiDocument {
    return { ...this.document };
  }
}

/** A CA of this PKI: it may issue certificates (under the sub-CA, only leaves) and their revocation lists. */
async function caExtensions(publicKey: KeyObject, pathLength?: number): Promise<Extension[]> {
  return [
    new BasicConstraintsExtension(true, pathLength, true),
    new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
    await SubjectKeyIdentifierExtension.create(spkiOf(publicKey)),
  ];
}

async function createAuthorities(name: string, now: Date): Promise<WalletPkiDocument> {
  const root = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const rootName = distinguishedName(`${name} Root CA`, name);
  const rootCertificate = await signCertificate(
    { subject: rootName, publicKey: root.publicKey, notBefore: now, lifetime: 10 * year },
    { name: rootName, privateKey: root.privateKey },
    await caExtensions(root.publicKey),
  );
  const subCa = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const subCaCertificate = await signCertificate(
    { subject: subCaName(name), publicKey: subCa.publicKey, notBefore: now, lifetime: 5 * year },
    { name: rootName, privateKey: root.privateKey },
    await caExtensions(subCa.publicKey, 0),
  );
  return {
    name,
    rootCertificatePem: rootCertificate.toString('pem'),
    subCaCertificatePem: subCaCertificate.toString('pem'),
    subCaPrivateKeyPem: subCa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** The key pair a device makes for each scheme. */
const leafKeyPair: Record<PassKitScheme, () => { publicKey: KeyObject; privateKey: KeyObject }> = {
  ECC_V2: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  RSA_V2: () => generateKeyPairSync('rsa', { modulusLength: 2048 }),
};

/** What the leaf's key does besides signing the nonce. */
const leafUsage: Record<PassKitScheme, KeyUsageFlags> = {
  ECC_V2: KeyUsageFlags.keyAgreement,
  RSA_V2: KeyUsageFlags.keyEncipherment,
};

async function issueLeaf(
  authorities: WalletPkiDocument,
  scheme: PassKitScheme,
  options: DeviceCertificateOptions,
  now: Date,
): Promise<DeviceCertificate> {
  const { publicKey, privateKey } = leafKeyPair[scheme]();
  const usage =
    (options.keyUsage === 'missing-signature' ? 0 : KeyUsageFlags.digitalSignature) |
    (options.keyUsage === 'missing-agreement' ? 0 : leafUsage[scheme]);
  const deviceName = `${authorities.name} device ${randomBytes(4).toString('hex')}`;
  const leaf = await signCertificate(
    {
      subject: distinguishedName(deviceName, authorities.name),
      publicKey,
      notBefore: leafNotBefore(options, now),
      lifetime: year,
    },
    { name: subCaName(authorities.name), privateKey: createPrivateKey(authorities.subCaPrivateKeyPem) },
    [new BasicConstraintsExtension(false, undefined, true), new KeyUsagesExtension(usage, true)],
  );
  const subCa = new X509Certificate(authorities.subCaCertificatePem);
  return { certificates: [Buffer.from(leaf.rawData), Buffer.from(subCa.raw)], privateKey };
}

interface CertificateSubject {
  subject: JsonName;
  publicKey: KeyObject;
  notBefore: Date;
  /** milliseconds */
  lifetime: number;
}

/** Signed with the issuer's EC key: ECDSA with SHA-384 for the P-384 root, SHA-256 for the P-256 sub-CA. */
async function signCertificate(
  { subject, publicKey, notBefore, lifetime }: CertificateSubject,
  issuer: { name: JsonName; privateKey: KeyObject },
  extensions: Extension[],
): Promise<PeculiarCertificate> {
  const p384 = issuer.privateKey.asymmetricKeyDetails?.namedCurve === 'secp384r1';
  const pkcs8 = issuer.privateKey.export({ type: 'pkcs8', format: 'der' });
  const algorithm = { name: 'ECDSA', namedCurve: p384 ? 'P-384' : 'P-256' };
  return X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject,
    issuer: issuer.name,
    notBefore,
    notAfter: new Date(notBefore.getTime() + lifetime),
    publicKey: spkiOf(publicKey),
    signingKey: await webcrypto.subtle.importKey('pkcs8', pkcs8, algorithm, false, ['sign']),
    signingAlgorithm: { name: 'ECDSA', hash: p384 ? 'SHA-384' : 'SHA-256' },
    extensions: [
      ...extensions,
      await AuthorityKeyIdentifierExtension.create(spkiOf(createPublicKey(issuer.privateKey))),
    ],
  });
}

const subCaName = (walletName: string): JsonName => distinguishedName(`${walletName} Device Sub-CA`, walletName);

/** A year's validity, starting now, tomorrow (not yet valid) or two years ago (expired). */
function leafNotBefore({ expired, notYetValid }: DeviceCertificateOptions, now: Date): Date {
  if (notYetValid) return new Date(now.getTime() + day);
  if (expired) return new Date(now.getTime() - 2 * year);
  return now;
}

function distinguishedName(commonName: string, organisation: string): JsonName {
  return [{ CN: [commonName] }, { O: [`${organisation} (pushprov sandbox)`] }];
}

/** Positive, 16 bytes: RFC 5280 serial numbers are positive integers of at most 20 octets. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes.toString('hex');
}

function spkiOf(publicKey: KeyObject): Buffer {
  return publicKey.export({ type: 'spki', format: 'der' });
}
