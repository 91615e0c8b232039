/**
 * The issuer's keys for tests whose networks are never called: real signing and vault keys, and network
 * credentials whose addresses reach nothing (proof audiences `MDES` and `VTS`).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { IssuerKeyStore } from '../../activities/keys/key-store.js';
import { createRsaKeyWithCertificate } from '../../activities/keys/rsa-key-with-certificate.js';

export async function openPlaceholderIssuerKeys(dir: string): Promise<IssuerKeyStore> {
  const network = createRsaKeyWithCertificate('network');
  const jwks = { keys: [{ kty: 'RSA', kid: 'network', n: 'AQAB', e: 'AQAB' }] };
  const credentialsFile = path.join(dir, 'credentials.json');
  await writeFile(
    credentialsFile,
    JSON.stringify({
      issuerId: 'issuer-under-test',
      mdes: {
        baseUrl: 'http://127.0.0.1:9',
        consumerKey: 'key',
        signingKeyPem: network.privateKeyPem,
        encryptionCertificates: [network.certificatePem],
        networkJwks: jwks,
        proofAudience: 'MDES',
      },
      vts: {
        baseUrl: 'http://127.0.0.1:9',
        apiKey: 'API',
        sharedSecrets: ['a-shared-secret-of-length'],
        encryptionKeys: [
          { kid: 'k', publicKeyPem: network.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
        ],
        networkJwks: jwks,
        proofAudience: 'VTS',
      },
    }),
  );
  return IssuerKeyStore.open({
    keysDir: path.join(dir, 'keys'),
    networkCredentialsFile: credentialsFile,
    generateIfMissing: true,
  });
}
