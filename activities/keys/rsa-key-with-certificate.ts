/**
 * An RSA key pair with a self-signed X.509 certificate: how a network hands out its encryption key, and
 * what Mastercard's client library expects. Node generates the key; node-forge (Node cannot) builds
 * the certificate around it.
 */
import { generateKeyPairSync, X509Certificate, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

export interface RsaKeyWithCertificate {
  privateKey: KeyObject;
  publicKey: KeyObject;
  privateKeyPem: string;
  certificatePem: string;
  certificateDer: Buffer;
}

export function createRsaKeyWithCertificate(commonName: string, validDays = 365): RsaKeyWithCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const certificatePem = certificateFor(publicKey, commonName, { commonName, privateKeyPem }, validDays);
  return {
    privateKey,
    publicKey,
    privateKeyPem,
    certificatePem,
    certificateDer: Buffer.from(new X509Certificate(certificatePem).raw),
  };
}

/**
 * A certificate for someone else's RSA public key, signed by `issuer` (RSA): what a network's portal hands back
 * for a key the issuer generated in its HSM, of which it uploaded only the public half.
 */
export function certificateFor(
  publicKey: KeyObject,
  commonName: string,
  issuer: { commonName: string; privateKeyPem: string },
  validDays = 365,
): string {
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  certificate.serialNumber = `01${forge.util.bytesToHex(forge.random.getBytesSync(15))}`;
  certificate.validity.notBefore = new Date();
  certificate.validity.notAfter = new Date(Date.now() + validDays * 86_400_000);
  certificate.setSubject([{ name: 'commonName', value: commonName }]);
  certificate.setIssuer([{ name: 'commonName', value: issuer.commonName }]);
  certificate.sign(forge.pki.privateKeyFromPem(issuer.privateKeyPem), forge.md.sha256.create());
  return forge.pki.certificateToPem(certificate);
}
