// Every key of the issuer in an HSM (a SoftHSM2 token), end to end: the keys made inside the token by
// `npm run keys:hsm -- init`, the public halves of those facing MDES registered with the sandbox as with a
// portal (`public-keys`), and the engine on PUSHPROV_KEY_STORE=pkcs11. A Token Connect enrollment uses the
// vault's keys, the one-time code key, the payload key, the proof signing key and the MDES OAuth key; an
// Apple Pay provisioning on Mastercard uses the TAV key and the key MDES encrypts the card to. Each is shown
// to be the token's, none is in a file, and none can leave the token.
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyObjectAudit, auditProblems } from '../../activities/keys/pkcs11/pkcs11-key-audit.js';
import { pkcs11SettingsFrom } from '../../activities/keys/pkcs11/pkcs11-settings.js';
import { Pkcs11Token } from '../../activities/keys/pkcs11/pkcs11-token.js';
import { maskPan } from '../../domain/card-number.js';
import { apiCaller, completeAtTokenRequestor, enrollmentReaches, oneTimeCodeOf, start } from '../support/api-caller.js';
import { addPaymentPass, openWalletSession, provisionAtEngine } from '../support/apple-wallet.js';
import { startEngineStack, type EngineStack } from '../support/engine-stack.js';
import { createSoftHsmToken, type SoftHsmToken } from '../support/softhsm.js';
import { customerWithCard } from '../support/wallet-customers.js';

const run = promisify(execFile);
const wallet = '50110030273';

let hsm: SoftHsmToken;
let stack: EngineStack;
let initOutput: string;
let savedConf: string | undefined;

/** `npm run keys:hsm -- ...` as an operator runs it, with the token's settings in its environment. */
const keysHsm = (...args: string[]) =>
  run('npx', ['tsx', 'deploy/hsm-keys.ts', ...args], { env: { ...process.env, ...hsm.env }, timeout: 60_000 });

/** The key id keys:hsm init printed for the key it made for a purpose: `created pushprov:<purpose>:<time> (kid <kid>)`. */
function madeInToken(purpose: string): string {
  const made = new RegExp(`created pushprov:${purpose}:\\S+ \\(kid ([^)]+)\\)`).exec(initOutput);
  if (!made) throw new Error(`keys:hsm init made no ${purpose} key`);
  return made[1]!;
}

/** The labels and key ids the token holds, by purpose, as the operator's `list` and the key store read them. */
async function tokenAudit() {
  const token = Pkcs11Token.open({ module: hsm.module, tokenLabel: hsm.tokenLabel, pin: hsm.pin });
  try {
    return await keyObjectAudit(token);
  } finally {
    await token.close();
  }
}

beforeAll(async () => {
  hsm = await createSoftHsmToken('pushprov-e2e');
  // SoftHSM reads its configuration from the environment of the process that initialises it: this one too.
  savedConf = process.env.SOFTHSM2_CONF;
  process.env.SOFTHSM2_CONF = hsm.conf;
  initOutput = (await keysHsm('init')).stdout;
  const publicKeysFile = path.join(path.dirname(hsm.conf), 'issuer-public-keys.json');
  await keysHsm('public-keys', '--out', publicKeysFile);
  stack = await startEngineStack({
    hsm: {
      pkcs11: await pkcs11SettingsFrom(hsm.env),
      issuerPublicKeys: JSON.parse(await readFile(publicKeysFile, 'utf8')) as unknown,
    },
  });
});

afterAll(async () => {
  await stack?.stop();
  await hsm?.remove();
  if (savedConf === undefined) delete process.env.SOFTHSM2_CONF;
  else process.env.SOFTHSM2_CONF = savedConf;
});

describe('the issuer keys in an HSM', () => {
  it('are made inside the token by keys:hsm init, which prints labels and key ids only', () => {
    for (const purpose of ['vault-encryption', 'vault-fingerprint', 'one-time-code', 'payload', 'issuer-signing']) {
      expect(initOutput).toContain(`created pushprov:${purpose}:`);
    }
    for (const purpose of ['mdes-oauth-signing', 'mdes-tav-signing', 'mdes-issuer-decryption']) {
      expect(initOutput).toContain(`created pushprov:${purpose}:`);
    }
    expect(initOutput).not.toMatch(/PRIVATE KEY|BEGIN/);
  });

  it('carry a Token Connect enrollment from the card to an ACTIVE token', async () => {
    const customer = await apiCaller(stack);
    const card = await stack.vault.store(
      customer.customerId,
      { pan: '5204731600014792', expiryMonth: 9, expiryYear: 2031, cardholderName: 'Ada Lovelace' },
      'card-on-file',
    );
    const started = await start(customer, {
      cards: [{ cardId: card.cardRef }],
      tokenRequestorId: wallet,
      pushMethod: 'WEB',
      callbackUrl: 'https://issuer.example/cards/added',
    });
    expect(started.status).toBe(201);
    const id = started.body.id;
    await enrollmentReaches(customer, id, 'AWAITING_AUTHENTICATION');
    const code = await oneTimeCodeOf(stack, id);
    const right = await customer.call('POST', `/v1/enrollments/${id}/one-time-code`, { code });
    // The code was derived with the token's one-time code key, and checked with it.
    expect(right.body).toMatchObject({ outcome: 'AUTHENTICATED', status: 'AWAITING_TOKEN_REQUESTOR' });
    // The push reached MDES: its OAuth signature (token's key) and the authentication proof (token's signing
    // key, verified by MDES through the API's JWKS) were both accepted.
    await completeAtTokenRequestor(stack, right.body.redirect.url, 'https://issuer.example/cards/added');
    const completed = await enrollmentReaches(customer, id, 'COMPLETED');
    expect(completed.cards).toEqual([expect.objectContaining({ id: card.cardRef, state: 'ACTIVE' })]);

    // The card sealed, fingerprinted, and the workflow's payloads encrypted, under the token's keys.
    const { rows } = await stack.pool.query<{ encryption_key_id: string; fingerprint_key_id: string }>(
      'SELECT encryption_key_id, fingerprint_key_id FROM vault_cards WHERE card_ref = $1',
      [card.cardRef],
    );
    expect(rows[0]).toEqual({
      encryption_key_id: madeInToken('vault-encryption'),
      fingerprint_key_id: madeInToken('vault-fingerprint'),
    });
    const history = await stack.client.workflow.getHandle(id).fetchHistory();
    const keyIds = new Set(
      [...JSON.stringify(history).matchAll(/"encryption-key-id":"([^"]*)"/g)].map((match) =>
        Buffer.from(match[1]!, 'base64').toString(),
      ),
    );
    expect(keyIds.size).toBeGreaterThan(0);
    expect([...keyIds]).toEqual([madeInToken('payload')]);
    const jwks = (await (await fetch(`${stack.apiUrl}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((key) => key.kid)).toEqual([madeInToken('issuer-signing')]);
  });

  it('carry an Apple Pay provisioning on Mastercard: the TAV signed, the card MDES sends back decrypted', async () => {
    const { customer, cardId, pan } = await customerWithCard(stack, '520473');
    const session = await openWalletSession(stack, 'RSA_V2');
    const provisioned = await provisionAtEngine(stack, customer, cardId, session);
    expect(provisioned.status).toBe(201);
    const body = provisioned.body as unknown as {
      enrollmentId: string;
      applePay: Parameters<typeof addPaymentPass>[2];
    };
    // MDES checks the TAV with the public key the issuer registered, then asks the issuer to authorise with
    // the card encrypted to the issuer's registered key: the engine opens it in the token to find the card.
    const added = await addPaymentPass(stack, session, body.applePay);
    expect(added).toMatchObject({ status: 200, body: { status: 'ACTIVE', maskedPan: maskPan(pan) } });
    await enrollmentReaches(customer, body.enrollmentId, 'COMPLETED');
  });

  it('leave nothing in files: no issuer key in the key folder, no private key in the credentials', async () => {
    // The folder exists (the development identity provider keeps its keys there), and holds no issuer key.
    const files = (await readdir(stack.keysDir, { recursive: true })).map(String);
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((file) => /vault|payload|issuer-signing/.test(file))).toEqual([]);
    const credentials = await readFile(stack.sandbox.credentialsFile, 'utf8');
    expect(credentials).not.toContain('PRIVATE KEY');
    expect(stack.keys.networks.mdes.signingKeyPem).toBeUndefined();
  });

  it('cannot be extracted: every private and secret key object is sensitive, never extractable, unreadable', async () => {
    const audit = await tokenAudit();
    expect(audit.length).toBeGreaterThanOrEqual(8);
    for (const entry of audit) {
      expect([entry.label, auditProblems(entry)]).toEqual([entry.label, []]);
      expect(entry).toMatchObject({
        extractable: false,
        sensitive: true,
        neverExtractable: true,
        secretReadRefused: true,
      });
    }
    const { stdout } = await keysHsm('list');
    expect(stdout).toContain(`${audit.length} key objects in token "pushprov-e2e", 0 problems`);
  });
});
