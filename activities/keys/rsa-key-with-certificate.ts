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
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  certificate.serialNumber = `01${forge.util.bytesToHex(forge.random.getBytesSync(15))}`;
  certificate.validity.notBefore = new Date();
  certificate.validity.notAfter = new Date(Date.now() + validDays * 86_400_000);
  const subject = [{ name: 'commonName', value: commonName }];
  certificate.setSubject(subject);
  certificate.setIssuer(subject);
  certificate.sign(forge.pki.privateKeyFromPem(privateKeyPem), forge.md.sha256.create());
  const certificatePem = forge.pki.certificateToPem(certificate);
  return {
    privateKey,
    publicKey,
    privateKeyPem,
    certificatePem,
    certificateDer: Buffer.from(new X509Certificate(certificatePem).raw),
  };
}
