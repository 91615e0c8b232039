// The issuer's web page as a person uses it, in Debian's Chromium driven by Playwright, against npm
// start's whole stack: sign in, pick a card and a wallet, a wrong code then the right one (read in the
// demo inbox), the token requestor's page, back to the bank, the card ACTIVE. Then a card from a picture, and a card on
// file added to each wallet in its web window (web push).
// Each step's screenshot goes to test-results/browser/.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv, projectRoot } from '../../config/env.js';
import { cardImagePng } from '../support/card-image.js';
import { prepareLocalStack, type LocalStack } from '../support/local-stack.js';

const chromiumPath = parseEnv().CHROMIUM_PATH;
const screenshots = path.join(projectRoot, 'test-results', 'browser');

let stack: LocalStack;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `The browser tests need Chromium at ${chromiumPath} (Debian: apt-get install chromium; or set CHROMIUM_PATH); .ci/run installs it`,
    );
  }
  await mkdir(screenshots, { recursive: true });
  // Receipts the enrollment treats as expired after 10 s, so that the expiry path shows without waiting
  // 5 minutes (the network still gets a 15-minute validity).
  stack = await prepareLocalStack({ env: { PUSHPROV_RECEIPT_TIMER_SECONDS_FOR_DEMO: '10' } });
  await stack.start();
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
});

afterAll(async () => {
  await browser?.close();
  await stack?.dispose();
});

async function step(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: true });
}

/** The latest code in the demo inbox (the demo customer's "phone"), read as a person would. */
async function codeFromInbox(customer: string): Promise<string> {
  const inbox = await browser.newPage();
  try {
    await inbox.goto(`${stack.url('api')}/web/dev-inbox.html?customer=${customer}`);
    const message = inbox.locator('#messages li').first();
    await message.waitFor();
    return /\b(\d{6})\b/.exec(await message.innerText())![1]!;
  } finally {
    await inbox.close();
  }
}

async function signIn(page: Page, customer: string): Promise<void> {
  await page.goto(stack.url('api'));
  await page.getByLabel('Customer').selectOption(customer);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Add your cards to a wallet or a shop' }).waitFor();
}

/** Signs in, picks one card and Sandpay, and enters the right code: what follows depends on the network. */
async function enrolToSandpay(page: Page, customer: string, card: RegExp): Promise<void> {
  await signIn(page, customer);
  await page.getByLabel(card).check();
  await page.getByRole('button', { name: 'Choose where to add them' }).click();
  await page.getByLabel(/Sandpay Wallet/).check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('heading', { name: 'Enter the code we sent you' }).waitFor({ timeout: 30_000 });
  await page.getByRole('textbox', { name: 'Code' }).fill(await codeFromInbox(customer));
  await page.getByRole('button', { name: 'Confirm' }).click();
}

describe('the issuer web page in Chromium', () => {
  it('adds a card on file to a wallet: wrong code, right code, token requestor, back, ACTIVE', async () => {
    const page = await browser.newPage();
    await signIn(page, 'ada');
    await step(page, '01-cards');
    await page.getByLabel(/Mastercard •••• 4792/).check();
    await page.getByRole('button', { name: 'Choose where to add them' }).click();
    await page.getByRole('heading', { name: 'Where should we add them?' }).waitFor();
    await page.getByLabel(/Sandpay Wallet/).check();
    await expect.poll(() => page.locator('img[src^="blob:"]').count()).toBe(6);
    await step(page, '02-wallets');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Enter the code we sent you' }).waitFor({ timeout: 30_000 });
    await step(page, '03-code');

    const code = await codeFromInbox('ada');
    const codeBox = page.getByRole('textbox', { name: 'Code' });
    await codeBox.fill(code === '000000' ? '111111' : '000000');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await expect
      .poll(() => page.locator('#message').innerText())
      .toBe('That code is not right. You have 2 tries left.');
    await step(page, '04-wrong-code');
    await codeBox.fill(code);
    await page.getByRole('button', { name: 'Confirm' }).click();

    await page.waitForURL((url) => url.port === String(stack.ports.tokenRequestors));
    await page.getByRole('heading', { name: 'Add your card to Sandpay' }).waitFor();
    expect(await page.locator('main').innerText()).toContain('Mastercard •••• 4792, expires 09/31');
    await step(page, '05-token-requestor');
    await page.getByRole('button', { name: 'Add card' }).click();
    await page.getByRole('heading', { name: 'Added to Sandpay' }).waitFor();
    // What the token requestor shows comes from the network, not from the bank.
    expect(await page.locator('main').innerText()).toContain('Mastercard •••• 4792: ACTIVE');
    await step(page, '06-token-requestor-done');
    await page.getByRole('link', { name: 'Back to your bank' }).click();

    await page.getByRole('heading', { name: 'Added to Sandpay' }).waitFor({ timeout: 30_000 });
    await expect.poll(() => page.locator('#tokens tr').count()).toBe(1);
    expect(await page.locator('#tokens tr').innerText()).toMatch(/•••• 4792\s+Sandpay\s+ACTIVE/);
    await step(page, '07-added');
    await page.close();
  }, 120_000);

  it('says in plain words when the time ran out, and a fresh push then adds the card', async () => {
    const page = await browser.newPage();
    await enrolToSandpay(page, 'grace', /Mastercard •••• 4444/);
    await page.waitForURL((url) => url.port === String(stack.ports.tokenRequestors));

    // The consumer leaves the token requestor without adding the card, and comes back to the bank.
    await page.goto(`${stack.url('api')}/web/?status=abandoned`);
    await page.getByRole('heading', { name: 'The time to add your card ran out' }).waitFor({ timeout: 40_000 });
    expect(await page.locator('#result-detail').innerText()).toContain('You can try once more');
    await step(page, '21-expired');
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.waitForURL((url) => url.port === String(stack.ports.tokenRequestors));
    await page.getByRole('button', { name: 'Add card' }).click();
    await page.getByRole('link', { name: 'Back to your bank' }).click();
    await page.getByRole('heading', { name: 'Added to Sandpay' }).waitFor({ timeout: 30_000 });
    await step(page, '22-added-after-fresh-push');
    await page.close();
  }, 120_000);

  it('says in plain words when the network declines the card, and what to do next', async () => {
    const knobs = await fetch(`${stack.url('vts')}/sandbox/knobs`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ declines: { accountRanges: ['411111'] } }),
    });
    expect(knobs.status).toBe(200);
    const page = await browser.newPage();
    await enrolToSandpay(page, 'ada', /Visa •••• 1111/);
    await page.getByRole('heading', { name: 'Your card could not be added' }).waitFor({ timeout: 30_000 });
    expect(await page.locator('#result-detail').innerText()).toMatch(
      /^The network or the wallet declined it\. Try another card or another wallet\./,
    );
    await step(page, '31-declined');
    await page.close();
  }, 120_000);

  it('can be used with the keyboard alone, and labels every field', async () => {
    const page = await browser.newPage();
    await page.goto(stack.url('api'));
    await page.getByLabel('Customer').focus();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Add your cards to a wallet or a shop' }).waitFor();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Space');
    expect(await page.locator('input[name="card"]:checked').count()).toBe(1);
    await page.getByText('Add a card that is not listed').click();
    // Runs in the page: each field's <label>s, as the browser sees them.
    const unlabelled = await page
      .locator('input, select')
      .evaluateAll((fields: { id: string; outerHTML: string; labels: { length: number } | null }[]) =>
        fields
          .filter((field) => !field.labels || field.labels.length === 0)
          .map((field) => field.id || field.outerHTML),
      );
    expect(unlabelled).toEqual([]);
    await page.close();
  });

  it('reads a card from a picture, shows it masked for confirmation, and goes on to the code', async () => {
    const page = await browser.newPage();
    await signIn(page, 'grace');
    await page.getByText('Add a card that is not listed').click();
    const picture = await cardImagePng({ number: '4012 8888 8888 1881', expiry: '10/29', name: 'GRACE HOPPER' });
    await page.getByLabel('Picture of the front of the card').setInputFiles({
      name: 'card.png',
      mimeType: 'image/png',
      buffer: picture,
    });
    await page.getByRole('button', { name: 'Read the card' }).click();
    await page.getByLabel('Card from your picture').check();
    await page.getByRole('button', { name: 'Choose where to add them' }).click();
    await page.getByRole('heading', { name: 'Where should we add them?' }).waitFor();
    await page.getByLabel(/Sandpay Wallet/).check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Is this your card?' }).waitFor({ timeout: 30_000 });
    expect(await page.locator('#read-card').innerText()).toBe('•••• 1881');
    expect(await page.locator('main').innerText()).not.toContain('4012888888881881');
    await step(page, '11-picture-confirm');
    await page.getByRole('button', { name: 'Yes, that is my card' }).click();
    await page.getByRole('heading', { name: 'Enter the code we sent you' }).waitFor({ timeout: 30_000 });
    await step(page, '12-picture-code');
    await page.close();
  }, 120_000);

  it('adds a card on file to Apple Wallet, Google Pay and Samsung Pay from the page, in their web windows', async () => {
    const page = await browser.newPage();
    await signIn(page, 'grace');
    const wallets = [
      { button: 'Add to Apple Wallet', brand: 'Apple Pay', requestor: 'Apple Pay \\(sandbox\\)' },
      { button: 'Add to Google Pay', brand: 'Google Pay', requestor: 'Google Pay \\(sandbox\\)' },
      { button: 'Add to Samsung Pay', brand: 'Samsung Pay', requestor: 'Samsung Pay \\(sandbox\\)' },
    ];
    for (const [index, wallet] of wallets.entries()) {
      await page.getByLabel(/Mastercard •••• 4444/).check();
      const opening = page.waitForEvent('popup');
      await page.getByRole('button', { name: wallet.button }).click();
      const window = await opening;
      // The window opened a session, the bank pushed the card for it: the wallet offers to add it.
      const add = window.getByRole('button', { name: /^Add card to / });
      await add.waitFor({ timeout: 30_000 });
      await step(window, `web-push-${index + 1}-${wallet.brand.replace(' ', '-').toLowerCase()}`);
      await add.click();
      await expect.poll(() => window.locator('#status').innerText(), { timeout: 30_000 }).toMatch(/^Your card is in /);
      await page.getByRole('heading', { name: `Added to ${wallet.brand}` }).waitFor({ timeout: 30_000 });
      await expect
        .poll(() => page.locator('#tokens').innerText())
        .toMatch(new RegExp(`•••• 4444\\s+${wallet.requestor}\\s+ACTIVE`));
      await window.close();
      await page.getByRole('button', { name: 'Add another card' }).click();
      await page.getByRole('heading', { name: 'Add your cards to a wallet or a shop' }).waitFor();
    }
    await step(page, 'web-push-4-added');
    await page.close();
  }, 180_000);
});

describe('the Temporal Web UI in Chromium, for an operator', () => {
  it('shows an enrollment encrypted, then decoded once the operator signed in to the codec server', async () => {
    // An enrollment of Ada's, started through the API as her bank's app would.
    const api = async <T>(method: string, route: string, token?: string, body?: object): Promise<T> => {
      const response = await fetch(`${stack.url('api')}${route}`, {
        method,
        headers: {
          ...(token && { authorization: `Bearer ${token}` }),
          ...(body && { 'content-type': 'application/json', 'idempotency-key': randomUUID() }),
        },
        ...(body && { body: JSON.stringify(body) }),
      });
      return (await response.json()) as T;
    };
    const { token: customerToken } = await api<{ token: string }>('POST', '/dev/customer-tokens', undefined, {
      customerId: 'ada',
    });
    const { cards } = await api<{ cards: { id: string }[] }>('GET', '/v1/cards', customerToken);
    const { id: workflowId } = await api<{ id: string }>('POST', '/v1/enrollments', customerToken, {
      cards: [{ cardId: cards[0]!.id }],
      tokenRequestorId: '50110030273',
      pushMethod: 'WEB',
    });
    const page = await browser.newPage();
    const ui = stack.url('ui');
    const workflowPage = `${ui}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`;
    // The UI's codec settings, as the operator sets them in its codec dialog: this endpoint, with the
    // browser's credentials (the cookie the codec server's /login sets).
    await page.goto(ui);
    await page.evaluate((endpoint) => {
      // Runs in the page (this project's types have no DOM).
      const { localStorage } = globalThis as unknown as { localStorage: { setItem(key: string, value: string): void } };
      localStorage.setItem('endpoint', JSON.stringify(endpoint));
      localStorage.setItem('includeCredentials', 'true');
      localStorage.setItem('overrideRemoteCodecConfiguration', 'true');
    }, stack.url('codec'));

    // Not signed in: the codec server refuses, the UI shows the payloads as they are stored.
    // The UI shows a payload's metadata base64-encoded: this is "binary/encrypted".
    const encryptedEncoding = Buffer.from('binary/encrypted').toString('base64');
    await page.goto(workflowPage);
    await expect.poll(() => page.locator('body').innerText(), { timeout: 30_000 }).toContain(encryptedEncoding);
    // The UI shows the stored payloads first, then its banner once the codec server has refused.
    await expect
      .poll(() => page.locator('body').innerText(), { timeout: 10_000 })
      .toContain('Codec Server could not connect');
    expect(await page.locator('body').innerText()).not.toContain('50110030273');
    await step(page, '13-temporal-ui-encrypted');

    const token = (await readFile(path.join(stack.dataDir, 'keys', 'codec-operator-token'), 'utf8')).trim();
    await page.goto(`${stack.url('codec')}/login`);
    await page.getByLabel('Operator token').fill(token);
    const [login] = await Promise.all([
      page.waitForResponse((response) => response.url().endsWith('/login') && response.request().method() === 'POST'),
      page.getByRole('button', { name: 'Open payloads in the Web UI' }).click(),
    ]);
    expect(login.status()).toBe(200);

    await page.goto(workflowPage);
    await expect.poll(() => page.locator('body').innerText(), { timeout: 30_000 }).toContain('50110030273');
    expect(await page.locator('body').innerText()).not.toContain(encryptedEncoding);
    expect(await page.locator('body').innerText()).not.toContain('Codec Server could not connect');
    await step(page, '14-temporal-ui-decoded');
    await page.close();
    await api('POST', `/v1/enrollments/${workflowId}/cancel`, customerToken, {});
  }, 120_000);
});
