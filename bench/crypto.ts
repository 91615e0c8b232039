/**
 * Crypto throughput: the JWE the engine encrypts card data with (RSA-OAEP-256 + A256GCM) and the JWS it
 * signs authentication proofs with (ES256), through jose, against the same operations done with
 * node:crypto directly. The ratio is what the library costs.
 */
import {
  constants,
  createCipheriv,
  generateKeyPairSync,
  publicEncrypt,
  randomBytes,
  sign,
  type KeyObject,
} from 'node:crypto';
import { CompactEncrypt, importPKCS8, importSPKI, SignJWT, type CryptoKey } from 'jose';

export interface CryptoResult {
  operation: string;
  joseOpsPerSecond: number;
  nodeOpsPerSecond: number;
  /** jose's rate over node:crypto's: 1 means no overhead. */
  ratio: number;
}

const plaintext = new TextEncoder().encode(
  JSON.stringify([
    {
      pushAccountId: '2f1c1a0e-6b1e-4d0b-9a51-0e5b7f0c9d11',
      fundingAccountData: {
        cardAccountData: { accountNumber: '5204731600014792', expiryMonth: '09', expiryYear: '31' },
      },
    },
  ]),
);

/** Operations per second of `operation`, `parallel` of them in flight, for about `durationMs` after a warm-up. */
export async function rate(operation: () => unknown, durationMs: number, parallel = 1): Promise<number> {
  for (let warm = 0; warm < 50; warm += 1) await operation();
  let count = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (performance.now() - started < durationMs) {
        await operation();
        count += 1;
      }
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

/** A compact JWE by hand, as jose writes it: the same work without the library. */
function nodeJwe(publicKey: KeyObject): string {
  const header = b64url(Buffer.from(JSON.stringify({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'k' })));
  const contentKey = randomBytes(32);
  const encryptedKey = publicEncrypt(
    { key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
    contentKey,
  );
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', contentKey, iv);
  cipher.setAAD(Buffer.from(header));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return [header, b64url(encryptedKey), b64url(iv), b64url(ciphertext), b64url(cipher.getAuthTag())].join('.');
}

/** A compact JWS (ES256) by hand. */
function nodeJws(privateKey: KeyObject): string {
  const header = b64url(Buffer.from(JSON.stringify({ alg: 'ES256', kid: 'k', typ: 'JWT' })));
  const now = Math.floor(Date.now() / 1000);
  const payload = b64url(
    Buffer.from(
      JSON.stringify({
        iss: 'issuer',
        sub: 'push-account',
        aud: 'MDES',
        iat: now,
        exp: now + 300,
        jti: randomBytes(16).toString('hex'),
        amr: ['otp'],
      }),
    ),
  );
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${header}.${payload}.${b64url(signature)}`;
}

export async function benchmarkCrypto(durationMs = 2_000): Promise<CryptoResult[]> {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  // The same keys also imported once as WebCrypto keys, to see whether key conversion is jose's cost.
  const rsaCryptoKey = await importSPKI(
    rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    'RSA-OAEP-256',
  );
  const ecCryptoKey = await importPKCS8(ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'ES256');
  const joseJwe = (key: KeyObject | CryptoKey) => (): Promise<string> =>
    new CompactEncrypt(plaintext).setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'k' }).encrypt(key);
  const joseJws = (key: KeyObject | CryptoKey) => (): Promise<string> =>
    new SignJWT({ amr: ['otp'] })
      .setProtectedHeader({ alg: 'ES256', kid: 'k', typ: 'JWT' })
      .setIssuer('issuer')
      .setSubject('push-account')
      .setAudience('MDES')
      .setIssuedAt()
      .setExpirationTime('5m')
      .setJti(randomBytes(16).toString('hex'))
      .sign(key);

  const results: CryptoResult[] = [];
  for (const [operation, viaJose, viaNode] of [
    ['JWE encrypt (RSA-OAEP-256 + A256GCM), KeyObject', joseJwe(rsa.publicKey), () => nodeJwe(rsa.publicKey)],
    ['JWE encrypt, key imported once (CryptoKey)', joseJwe(rsaCryptoKey), () => nodeJwe(rsa.publicKey)],
    ['JWS sign (ES256), KeyObject', joseJws(ec.privateKey), () => nodeJws(ec.privateKey)],
    ['JWS sign (ES256), key imported once (CryptoKey)', joseJws(ecCryptoKey), () => nodeJws(ec.privateKey)],
  ] as const) {
    const joseOpsPerSecond = await rate(viaJose, durationMs);
    const nodeOpsPerSecond = await rate(viaNode, durationMs);
    results.push({ operation, joseOpsPerSecond, nodeOpsPerSecond, ratio: joseOpsPerSecond / nodeOpsPerSecond });
  }
  return results;
}
