import { generateKeyPairSync, verify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fileSigningKey } from '../../activities/keys/file-key-handles.js';
import { createTav, verifyTav, type TavVerdict } from '../../activities/networks/mdes/tav.js';
import { rejectionOf } from '../support/rejection.js';

// A test card number; no reason may repeat it, nor its last four.
const account = {
  accountNumber: '5204731600014792',
  expiryMonth: '09',
  expiryYear: '29',
  tokenUniqueReference: 'DWSPMC000000000132d72d4fcb2f4136a0532d3093ff1a45',
};
const issuerKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
const issuerSigner = fileSigningKey(issuerKey.privateKey);
const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 });

const base64Json = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64');
const decoded = (tav: string): Record<string, string> =>
  JSON.parse(Buffer.from(tav, 'base64').toString('utf8')) as Record<string, string>;

function refusedFor(verdict: TavVerdict): string {
  if (verdict.valid) throw new Error('expected the TAV to be refused');
  expect(verdict.reason).not.toContain(account.accountNumber);
  expect(verdict.reason).not.toContain(account.accountNumber.slice(-4));
  return verdict.reason;
}

describe('Tokenization Authentication Value', () => {
  it('is base64 of the version 2 JSON, signed with RSA-SHA256 over number, MMYY and token reference', async () => {
    const tav = await createTav(account, issuerSigner);
    const envelope = decoded(tav);
    expect(Object.keys(envelope)).toEqual([
      'version',
      'expirationDateIncluded',
      'tokenUniqueReferenceIncluded',
      'signatureAlgorithm',
      'signature',
    ]);
    expect(envelope).toMatchObject({
      version: '2',
      expirationDateIncluded: 'true',
      tokenUniqueReferenceIncluded: 'true',
      signatureAlgorithm: 'RSA-SHA256',
    });
    const signedData = Buffer.from(`5204731600014792` + `0929` + account.tokenUniqueReference);
    expect(verify('sha256', signedData, issuerKey.publicKey, Buffer.from(envelope.signature!, 'base64'))).toBe(true);
    expect(tav).not.toContain(account.accountNumber);
    expect(verifyTav(tav, account, [issuerKey.publicKey])).toEqual({ valid: true });
  });

  it('leaves the token reference out when it is not known yet', async () => {
    const { tokenUniqueReference: _unknown, ...card } = account;
    const tav = await createTav(card, issuerSigner);
    expect(decoded(tav).tokenUniqueReferenceIncluded).toBe('false');
    expect(verifyTav(tav, card, [issuerKey.publicKey])).toEqual({ valid: true });
    expect(verifyTav(tav, account, [issuerKey.publicKey])).toEqual({ valid: true });
  });

  it("is accepted under any of the issuer's keys while one is rotated", async () => {
    const tav = await createTav(account, fileSigningKey(otherKey.privateKey));
    expect(verifyTav(tav, account, [issuerKey.publicKey, otherKey.publicKey])).toEqual({ valid: true });
  });

  it('is refused under another key, or for another number, expiry or token', async () => {
    const tav = await createTav(account, issuerSigner);
    const mismatch = /signature does not verify over this account/;
    expect(refusedFor(verifyTav(tav, account, [otherKey.publicKey]))).toMatch(mismatch);
    expect(refusedFor(verifyTav(tav, account, []))).toMatch(mismatch);
    for (const altered of [
      { ...account, accountNumber: '5204731600014800' },
      { ...account, expiryYear: '30' },
      { ...account, expiryMonth: '10' },
      { ...account, tokenUniqueReference: `${account.tokenUniqueReference}0` },
    ]) {
      expect(refusedFor(verifyTav(tav, altered, [issuerKey.publicKey]))).toMatch(mismatch);
    }
    const { tokenUniqueReference: _unknown, ...withoutToken } = account;
    expect(refusedFor(verifyTav(tav, withoutToken, [issuerKey.publicKey]))).toMatch(/none is known/);
  });

  it('is refused when its version, algorithm, flags or signature are not what version 2 says', async () => {
    const envelope = decoded(await createTav(account, issuerSigner));
    const cases: [object, RegExp][] = [
      [{ ...envelope, version: '1' }, /not version "2"/],
      [{ ...envelope, version: 2 }, /not version "2"/],
      [{ ...envelope, signatureAlgorithm: 'RSA-SHA1' }, /signatureAlgorithm is not "RSA-SHA256"/],
      [{ ...envelope, expirationDateIncluded: true }, /expirationDateIncluded is not "true" or "false"/],
      [{ ...envelope, tokenUniqueReferenceIncluded: 'yes' }, /tokenUniqueReferenceIncluded is not/],
      [{ ...envelope, signature: 'not base64!' }, /signature is not base64/],
      [{ ...envelope, signature: undefined }, /signature is not base64/],
      [{ ...envelope, expirationDateIncluded: 'false' }, /signature does not verify/],
    ];
    for (const [altered, reason] of cases) {
      expect(refusedFor(verifyTav(base64Json(altered), account, [issuerKey.publicKey]))).toMatch(reason);
    }
  });

  it('never throws on hostile input, and no reason repeats the card number', async () => {
    const hostile: unknown[] = [
      '',
      'not base64!',
      'YQ',
      base64Json(null),
      base64Json([account.accountNumber]),
      base64Json(account.accountNumber),
      base64Json({ version: account.accountNumber }),
      base64Json({ version: '2', signatureAlgorithm: 'RSA-SHA256', signature: account.accountNumber }),
      Buffer.from('{"version":'.repeat(10_000)).toString('base64'),
      'A'.repeat(1_000_000),
      undefined,
      42,
      { version: '2' },
    ];
    for (const tav of hostile) refusedFor(verifyTav(tav, account, [issuerKey.publicKey]));
    const notRsa = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    refusedFor(verifyTav(await createTav(account, issuerSigner), account, [notRsa]));
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.base64String(), fc.jsonValue().map(base64Json), fc.anything()), (tav) => {
        refusedFor(verifyTav(tav, account, [issuerKey.publicKey]));
      }),
      { numRuns: 300 },
    );
  });

  it('is made only over MM and YY, with an RSA key, and says so without the number', async () => {
    const attempts = [
      createTav({ ...account, expiryYear: '2029' }, issuerSigner),
      createTav({ ...account, expiryMonth: '9' }, issuerSigner),
      createTav(account, fileSigningKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey)),
    ];
    for (const attempt of attempts) {
      const failure = await rejectionOf(attempt, TypeError);
      expect(failure.message).not.toContain(account.accountNumber);
    }
  });
});
