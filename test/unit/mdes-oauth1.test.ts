import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  mdesAuthorizationHeader,
  verifyMdesRequest,
  type OAuthVerification,
} from '../../activities/networks/mdes/oauth1.js';
import { CryptoFailure, CryptoFailureCode } from '../../domain/crypto-failure.js';
import { rejectionOf } from '../support/rejection.js';

const issuer = generateKeyPairSync('rsa', { modulusLength: 2048 });
const credentials = {
  consumerKey: 'L5BsiPgaF-O3qA36znUATgQXwJB6MRoMSdhjd7wt50c97279!50596e52466e3966546d434b7354584c4975693238513d3d',
  signingKeyPem: issuer.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
};
const url = 'http://127.0.0.1:4010/mdes/connect/1/0/pushMultipleAccounts?format=json';
const body = JSON.stringify({ requestId: '123456', tokenRequestorId: '50110030273' });

function request(overrides: Partial<OAuthVerification> = {}): OAuthVerification {
  return {
    method: 'POST',
    url,
    body,
    authorization: mdesAuthorizationHeader(url, 'POST', body, credentials),
    consumerPublicKey: (key) => (key === credentials.consumerKey ? issuer.publicKey : undefined),
    ...overrides,
  };
}

function refusal(options: OAuthVerification): Promise<CryptoFailure> {
  return rejectionOf(verifyMdesRequest(options), CryptoFailure);
}

describe('MDES OAuth 1.0a', () => {
  it('signs with Mastercard signer and verifies on the network side', async () => {
    const header = mdesAuthorizationHeader(url, 'POST', body, credentials);
    expect(header).toMatch(
      /^OAuth oauth_body_hash="[^"]+",oauth_consumer_key="[^"]+",oauth_nonce="\w+",oauth_signature_method="RSA-SHA256",oauth_timestamp="\d+",oauth_version="1.0",oauth_signature="[^"]+"$/,
    );
    expect(await verifyMdesRequest(request({ authorization: header }))).toBe(credentials.consumerKey);
  });

  it('refuses a body changed after signing', async () => {
    const failure = await refusal(request({ body: body.replace('123456', '654321') }));
    expect(failure.code).toBe(CryptoFailureCode.BodyHashMismatch);
  });

  it('refuses a request sent to another path or with another query than signed', async () => {
    expect(
      (await refusal(request({ url: url.replace('pushMultipleAccounts', 'getEligibleTokenRequestors') }))).code,
    ).toBe(CryptoFailureCode.SignatureInvalid);
    expect((await refusal(request({ url: url.replace('format=json', 'format=xml') }))).code).toBe(
      CryptoFailureCode.SignatureInvalid,
    );
  });

  it('refuses a signature made with another private key', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = mdesAuthorizationHeader(url, 'POST', body, {
      ...credentials,
      signingKeyPem: other.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    });
    expect((await refusal(request({ authorization: forged }))).code).toBe(CryptoFailureCode.SignatureInvalid);
  });

  it('refuses a stale timestamp, an unknown consumer key and a missing header', async () => {
    const stale = await refusal(request({ now: new Date(Date.now() + 10 * 60_000) }));
    expect(stale.code).toBe(CryptoFailureCode.Expired);
    expect(stale.message).toMatch(/5 minutes allowed/);
    expect((await refusal(request({ consumerPublicKey: () => undefined }))).code).toBe(CryptoFailureCode.UnknownKeyId);
    expect((await refusal(request({ authorization: undefined }))).code).toBe(CryptoFailureCode.Malformed);
  });

  it('refuses RSA-PSS, which MDES does not take', async () => {
    const header = mdesAuthorizationHeader(url, 'POST', body, credentials).replace('RSA-SHA256', 'RSA-PSS');
    expect((await refusal(request({ authorization: header }))).code).toBe(CryptoFailureCode.AlgorithmNotAllowed);
  });

  it('refuses a replayed nonce', async () => {
    const seen = new Set<string>();
    const claimNonce = (key: string, nonce: string): Promise<boolean> =>
      Promise.resolve(!seen.has(`${key}:${nonce}`) && Boolean(seen.add(`${key}:${nonce}`)));
    const signed = request({ claimNonce });
    await verifyMdesRequest(signed);
    expect((await refusal(signed)).code).toBe(CryptoFailureCode.Replayed);
  });
});
