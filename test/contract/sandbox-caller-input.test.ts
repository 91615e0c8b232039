// The sandbox as an integrator meets it: its ledger masks whatever it records, its knobs say how long
// they live and show no card number, its pages say their charset, and what it echoes is masked.
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VtsClient } from '../../activities/networks/vts/client.js';
import { Ledger } from '../../sandbox/network/ledger.js';
import { NetworkState, type PushedAccount, type Token } from '../../sandbox/network/network-state.js';
import { canaryEncodings, holdsCanary } from '../support/canary.js';
import { startHarness, type Harness } from '../support/sandbox-harness.js';

const pan = '4111111111111111';
const wallet = '50110030273';
const merchant = '50139059239'; // WEB only
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

/** A Visa card pushed to the wallet as an issuer would, with the name given; its receipt. */
async function pushedToWallet(name = 'Ada Lovelace'): Promise<string> {
  const clientCardId = randomUUID();
  const result = await new VtsClient(harness.credentials, { timeoutMs: 5_000 }).pushProvisionedCards({
    clientReferenceId: randomUUID(),
    tokenRequestorId: wallet,
    cards: [
      {
        clientCardId,
        instrument: {
          accountNumber: '4012888888881881',
          name,
          expirationDate: { month: '09', year: '2031' },
          provider: { intent: 'PUSH_PROV_WEB', clientWalletProvider: wallet, clientAppID: 'sandbox-caller-input' },
        },
        authenticationProof: await harness.proof(clientCardId, 'vts'),
      },
    ],
  });
  return result.pushReceipts[0]!.pushReceipt!;
}
afterAll(async () => {
  await harness?.close();
});

describe('the ledger', () => {
  it('masks a card number in whatever an entry carries, in memory and in its file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pushprov-ledger-'));
    try {
      const file = path.join(dir, 'ledger.jsonl');
      const ledger = Ledger.open(file);
      ledger.append('push', { accountHolderName: `Ada ${pan}`, nested: [{ [pan]: '4111 1111 1111 1111' }] });
      const text = `${JSON.stringify(ledger.find())}${await readFile(file, 'utf8')}`;
      expect(text).not.toMatch(/4111.?1111.?1111.?1111/);
      expect(ledger.find()[0]).toMatchObject({ accountHolderName: 'Ada 411111******1111' });
      expect(Ledger.open(file).find()).toEqual(ledger.find());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('masks a card number glued to letters in text and keys, and keeps the identifiers it remembers by exact', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pushprov-ledger-'));
    try {
      const file = path.join(dir, 'ledger.jsonl');
      // Identifiers whose digits, glued to letters, hold a Luhn-valid run: they must come back as they went in.
      const requestId = `req${pan}x`;
      const fingerprint = `ab${pan}cd`;
      const receipt = `VTS-${randomUUID()}`;
      const at = new Date().toISOString();
      const account: PushedAccount = {
        receipt,
        pushAccountId: `card${pan}x`,
        tokenRequestorId: wallet,
        requestId,
        maskedPan: '411111******1111',
        panSuffix: '1111',
        expiryMonth: '09',
        expiryYear: '31',
        accountHolderName: `Bob${pan}`,
        issuedAt: at,
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
      };
      const token: Token = {
        tokenUniqueReference: `DWSPMC00000000${pan}ABC`,
        panUniqueReference: `FWSPMC00000000${pan}DEF`,
        receipt,
        tokenRequestorId: wallet,
        status: 'ACTIVE',
        statusTimestamp: at,
        tokenPanSuffix: '1234',
        accountPanSuffix: '1111',
      };
      const state = new NetworkState(Ledger.open(file));
      state.recordPush({
        requestId,
        tokenRequestorId: wallet,
        fingerprint,
        response: {
          pushReceipts: [{ clientCardID: account.pushAccountId, pushReceipt: receipt }],
          signature: `s${pan}t`,
        },
        accounts: [account],
        declined: [],
        encryption: 'vts-rsa-jwe',
      });
      state.recordTokenisation({
        requestId,
        receipt,
        response: { decision: 'APPROVED', account, token, standIn: `the issuer answered ${pan}x` },
        token,
        decision: 'APPROVED',
      });
      state.recordTokenStatus(token.tokenUniqueReference, 'SUSPENDED', `fraud on Bob${pan}`);
      Ledger.open(file).append('note', { [`key${pan}`]: 'value', requestIds: [`r${pan}s`] });

      const text = await readFile(file, 'utf8');
      const identifiers = [requestId, fingerprint, account.pushAccountId, token.tokenUniqueReference];
      const withoutIdentifiers = [...identifiers, token.panUniqueReference, `s${pan}t`, `r${pan}s`].reduce(
        (remaining, identifier) => remaining.replaceAll(identifier, ''),
        text,
      );
      expect(withoutIdentifiers).not.toMatch(/4111.?1111.?1111.?1111/);
      expect(text).toContain('"accountHolderName":"Bob411111******1111"');
      expect(text).toContain('fraud on Bob411111******1111');
      expect(text).toContain('the issuer answered 411111******1111x');
      expect(text).toContain('"key411111******1111":"value"');

      // The network's memory, rebuilt from the file as a restarted sandbox does: every lookup still finds.
      const rebuilt = new NetworkState(Ledger.open(file));
      expect(rebuilt.answeredPush(requestId)).toEqual({
        fingerprint,
        response: {
          pushReceipts: [{ clientCardID: account.pushAccountId, pushReceipt: receipt }],
          signature: `s${pan}t`,
        },
      });
      expect(rebuilt.receipt(receipt)).toEqual({ ...account, accountHolderName: 'Bob411111******1111' });
      expect(rebuilt.tokenisationOf(receipt)?.requestId).toBe(requestId);
      expect(rebuilt.token(token.tokenUniqueReference)).toMatchObject({
        panUniqueReference: token.panUniqueReference,
        status: 'SUSPENDED',
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("masks a card number glued to the cardholder's name of a real push", async () => {
    const receipt = await pushedToWallet(`Bob${pan}`);
    const [push] = await harness
      .ledger('vts', { kind: 'push' })
      .then((entries) => entries.filter((entry) => JSON.stringify(entry).includes(receipt)));
    expect(push).toMatchObject({ accounts: [{ receipt, accountHolderName: 'Bob411111******1111' }] });
    expect(JSON.stringify(await harness.ledger('vts'))).not.toContain(pan);
  });
});

describe('the knobs', () => {
  it('say that they live in memory, and show a card number set in them masked', async () => {
    const response = await fetch(`${harness.sandbox.urls.vts}/sandbox/knobs`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ declines: { accountRanges: [pan] } }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('sandbox-knobs')).toMatch(/in memory until the sandbox restarts/);
    const shown = await response.text();
    expect(shown).toContain('411111******1111');
    expect(shown).not.toContain(pan);
    await harness.knobs('vts', { declines: { accountRanges: [] } });
  });

  it('answer a bad knob without echoing a card number', async () => {
    const response = await fetch(`${harness.sandbox.urls.mdes}/sandbox/knobs`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ [pan]: true }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).not.toContain(pan);
  });
});

describe('what the sandbox echoes', () => {
  it('masks a card number in an unknown path', async () => {
    for (const url of Object.values(harness.sandbox.urls)) {
      const response = await fetch(`${url}/nothing/${pan}`);
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain(pan);
    }
  });

  it("answers a URL the router cannot take in the network's envelope, quoting none of it", async () => {
    const tooLong = `a${pan}`.repeat(7);
    const urls = {
      mdes: [`/${pan}%`, `/x/%E0%A4${pan}`, `/sandbox/tokens/${tooLong}`],
      vts: [`/${pan}%`, `/x/%E0%A4${pan}`, `/sandbox/tokens/${tooLong}`],
      tokenRequestors: [`/${pan}%`, `/tr/%E0%A4${pan}/logo.svg`, `/tr/${tooLong}/logo.svg`],
    };
    const envelopes = {
      mdes: (body: string) => (JSON.parse(body) as { Errors: { Error: { Description: string }[] } }).Errors.Error[0]!,
      vts: (body: string) => (JSON.parse(body) as { errorResponse: { message: string } }).errorResponse,
      tokenRequestors: (body: string) => JSON.parse(body) as { detail: string },
    };
    for (const [name, paths] of Object.entries(urls) as [keyof typeof urls, string[]][]) {
      for (const [index, url] of paths.entries()) {
        const response = await fetch(`${harness.sandbox.urls[name]}${url}`);
        expect(response.status, `${name} ${index}`).toBe(index === 2 ? 414 : 400);
        const body = await response.text();
        expect(JSON.stringify(envelopes[name](body))).toMatch(
          index === 2 ? /A path segment is too long/ : /The URL holds an escape that does not decode/,
        );
        expect(body).not.toMatch(/4111|FST_ERR/);
      }
    }
  });

  it('takes only the platforms the token requestor supports, and records none other', async () => {
    const receipts = `VTS-${randomUUID()}`;
    for (const platform of [`a${pan}`, 'ıos', 'desktop']) {
      const response = await fetch(
        `${harness.sandbox.urls.tokenRequestors}/tr/${wallet}/push/${platform}?pushAccountReceipts=${receipts}`,
      );
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain(pan);
    }
    const unsupported = await fetch(
      `${harness.sandbox.urls.tokenRequestors}/tr/${merchant}/push/android?pushAccountReceipts=${receipts}`,
    );
    expect(unsupported.status).toBe(404);
    expect(await harness.ledger('tokenRequestors', { kind: 'redirect.received' })).toEqual([]);
    const known = await fetch(
      `${harness.sandbox.urls.tokenRequestors}/tr/${wallet}/push/IOS?pushAccountReceipts=${receipts}`,
    );
    expect(known.status).toBe(200);
    expect(await harness.ledger('tokenRequestors', { kind: 'redirect.received' })).toMatchObject([
      { platform: 'IOS', pushAccountReceipts: [receipts] },
    ]);
  });

  it('shows a callback URL holding a card number masked, however written, and an innocent one exact', async () => {
    const receipt = await pushedToWallet();
    const fullwidth = [...pan].map((digit) => String.fromCharCode(0xff10 + Number(digit))).join('');
    const written = [...canaryEncodings(pan), fullwidth, encodeURIComponent(fullwidth)].map(
      (encoding) => `https://issuer.example/done?card=${encoding}`,
    );
    // The page read as a person would: UTF-8 escapes decoded, fullwidth digits as ASCII.
    const holdsTheNumber = (text: string): boolean => {
      let decoded = text;
      try {
        decoded = decodeURIComponent(text);
      } catch {
        // some escape does not decode: the page as it is
      }
      return holdsCanary(text, pan) || holdsCanary(decoded.normalize('NFKC'), pan);
    };
    for (const callbackURL of [...written, `https://issuer.example/${pan}/done`]) {
      const landing = await fetch(
        `${harness.sandbox.urls.tokenRequestors}/tr/${wallet}/push/web?${new URLSearchParams({ pushAccountReceipts: receipt, callbackURL }).toString()}`,
      );
      const page = await landing.text();
      expect(page, callbackURL).toContain('name="callbackURL" value="https://issuer.example/');
      expect(holdsTheNumber(page), callbackURL).toBe(false);

      const done = await fetch(`${harness.sandbox.urls.tokenRequestors}/tr/${wallet}/complete`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ pushAccountReceipts: `VTS-${randomUUID()}`, callbackURL }).toString(),
      });
      const answer = await done.text();
      expect(answer, callbackURL).toContain('Back to your bank');
      expect(holdsTheNumber(answer), callbackURL).toBe(false);
    }
    const innocent = 'https://issuer.example/cards/done?session=7f3a-42';
    const landing = await fetch(
      `${harness.sandbox.urls.tokenRequestors}/tr/${wallet}/push/web?${new URLSearchParams({ pushAccountReceipts: receipt, callbackURL: innocent }).toString()}`,
    );
    expect(await landing.text()).toContain(`name="callbackURL" value="${innocent}"`);
  });

  it("serves the token requestors' pages as UTF-8", async () => {
    const response = await fetch(`${harness.sandbox.urls.tokenRequestors}/tr/50110030273/push/web?x=${pan}`);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await response.text()).not.toContain(pan);
  });
});
