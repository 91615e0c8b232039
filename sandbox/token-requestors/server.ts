/**
 * The token requestors (wallets and a merchant): they receive the consumer's redirect from the issuer
 * with the push receipts (a real web page for WEB, and the same page stands in for the ANDROID / IOS
 * apps), check the network's signature over them, and tokenise with the network over HTTP when the
 * consumer confirms; then they send the consumer back to the issuer's callback URL. The simulated Apple
 * Wallet (sandbox/wallets/apple-pay/) is served here too, under /wallets/apple-pay/.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { maskCardNumbersIn } from '../../domain/caller-text.js';
import type { SandboxKeys } from '../keys.js';
import type { Knobs } from '../knobs.js';
import type { Ledger } from '../network/ledger.js';
import { createSandboxApp } from '../network/sandbox-app.js';
import { registerApplePayWallet } from '../wallets/apple-pay/routes.js';
import type { GoogleWalletKeys } from '../wallets/google-pay/google-wallet-keys.js';
import { registerGooglePayWallet } from '../wallets/google-pay/routes.js';
import { registerSamsungPayWallet } from '../wallets/samsung-pay/routes.js';
import { registerWebWallets } from '../wallets/web/routes.js';
import type { WalletPki } from '../wallets/device-pki.js';
import {
  applePayTokenRequestorId,
  findTokenRequestor,
  googlePayTokenRequestorId,
  samsungPayTokenRequestorId,
  type TokenRequestorProfile,
} from './catalogue.js';
import type { TokenRequestorCredentials } from './credentials.js';
import { logoOf } from './logos.js';
import type { TokenisationOutcome } from './network-calls.js';
import { reachNetworks, tokenRequestorNetworks } from './networks.js';
import { escapeHtml, page } from './pages.js';
import { Redirect, shownUrl, withStatus } from './redirect.js';

export type { TokenisationOutcome } from './network-calls.js';

export interface TokenRequestorSandboxOptions {
  /** Each token requestor's own credentials with the networks: it signs its calls with them. */
  credentials: ReadonlyMap<string, TokenRequestorCredentials>;
  ledger: Ledger;
  knobs: { current: Knobs };
  mdesBaseUrl: () => string;
  vtsBaseUrl: () => string;
  /** The simulated Apple Wallet's PKI, and what the networks handed their token requestors (their certificates). */
  applePay: { pki: WalletPki; networkKeys: SandboxKeys };
  googlePay: { keys: GoogleWalletKeys };
  /** The issuer's published keys, which verify the envelopes its web page hands the wallets' web windows. */
  issuerJwksUrl: () => string;
}

export function createTokenRequestorSandbox(options: TokenRequestorSandboxOptions) {
  const { ledger, knobs } = options;
  const { describeReceipt, tokenise, checkRedirect } = tokenRequestorNetworks(options);
  const { app } = createSandboxApp({
    ledger,
    knobs,
    gatewayError: (status, reason, description) => ({ status, title: reason, detail: description }),
  });

  app.addHook('onSend', async (_request, reply) => {
    reply.header(
      'content-security-policy',
      "default-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; form-action *",
    );
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
  });

  const profileOf = (request: FastifyRequest, reply: FastifyReply): TokenRequestorProfile | undefined => {
    const profile = findTokenRequestor((request.params as { tokenRequestorId: string }).tokenRequestorId);
    if (!profile)
      void reply.code(404).type('text/html; charset=utf-8').send(page('Not found', '<p>No such token requestor.</p>'));
    return profile;
  };

  app.get('/tr/:tokenRequestorId/logo.svg', (request, reply) => {
    const profile = profileOf(request, reply);
    if (!profile) return reply;
    return reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(logoOf(profile).svg);
  });

  /** The consumer arrives from the issuer's app or site. */
  app.get('/tr/:tokenRequestorId/push/:platform', async (request, reply) => {
    const profile = profileOf(request, reply);
    if (!profile) return reply;
    // The catalogue's spelling, not the caller's: it goes into the ledger.
    const requested = (request.params as { platform: string }).platform.toLowerCase();
    const platform = profile.supportedPushMethods.find((method) => method.toLowerCase() === requested);
    if (!platform) {
      return reply
        .code(404)
        .type('text/html; charset=utf-8')
        .send(page('Not found', `<p>${escapeHtml(profile.name)} takes no pushed cards on this platform.</p>`));
    }
    const redirect = Redirect.safeParse(request.query);
    if (!redirect.success) {
      const problem = redirect.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
      return reply
        .code(400)
        .type('text/html; charset=utf-8')
        .send(page('This link is not valid', `<p>${escapeHtml(maskCardNumbersIn(problem))}</p>`));
    }
    const checked = await checkRedirect(redirect.data);
    ledger.append('redirect.received', {
      tokenRequestorId: profile.tokenRequestorId,
      platform,
      pushAccountReceipts: redirect.data.pushAccountReceipts,
      signature: checked ?? 'valid',
    });
    if (checked) {
      return reply
        .code(400)
        .type('text/html; charset=utf-8')
        .send(page('This link is not valid', `<p>${escapeHtml(maskCardNumbersIn(checked))}</p>`));
    }
    const fields = Object.entries({
      pushAccountReceipts: redirect.data.pushAccountReceipts.join(','),
      callbackURL: redirect.data.callbackURL && shownUrl(redirect.data.callbackURL),
    })
      .filter((field): field is [string, string] => field[1] !== undefined)
      .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
      .join('');
    // What the network says of each card: the token requestor learns the card from it, not from the bank.
    const cards = await Promise.all(
      redirect.data.pushAccountReceipts.map((receipt) => describeReceipt(profile, receipt)),
    );
    const usable = cards.filter((card) => card.usable);
    const count = usable.length;
    const list = `<ul>${cards.map((card) => `<li>${escapeHtml(maskCardNumbersIn(card.text))}</li>`).join('')}</ul>`;
    return reply.type('text/html; charset=utf-8').send(
      page(
        `Add your card to ${profile.consumerFacingEntityName}`,
        `<img src="/tr/${profile.tokenRequestorId}/logo.svg" alt="${escapeHtml(profile.name)} logo" width="96" height="96">
         <p>Your bank is sending ${cards.length === 1 ? 'a card' : `${cards.length} cards`} to ${escapeHtml(profile.name)}:</p>
         ${list}
         ${
           count > 0
             ? `<form method="post" action="/tr/${profile.tokenRequestorId}/complete">${fields}
                  <button type="submit">Add ${count === 1 ? 'card' : 'cards'}</button>
                </form>`
             : '<p>Nothing can be added from this link: ask your bank to send the card again.</p>'
         }`,
      ),
    );
  });

  /** The consumer confirms: tokenise each receipt with its network. */
  app.post('/tr/:tokenRequestorId/complete', async (request, reply) => {
    const profile = profileOf(request, reply);
    if (!profile) return reply;
    const wantsJson = request.headers['content-type']?.startsWith('application/json') === true;
    const redirect = Redirect.safeParse(request.body ?? {});
    if (!redirect.success) {
      const problem = redirect.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
      return wantsJson
        ? reply.code(400).send({ title: 'Invalid request', status: 400, detail: maskCardNumbersIn(problem) })
        : reply
            .code(400)
            .type('text/html; charset=utf-8')
            .send(page('This request is not valid', `<p>${escapeHtml(maskCardNumbersIn(problem))}</p>`));
    }
    const outcomes = knobs.current.tokenRequestors.neverComplete.includes(profile.tokenRequestorId)
      ? redirect.data.pushAccountReceipts.map((receipt): TokenisationOutcome => {
          ledger.append('tokenize.withheld', {
            tokenRequestorId: profile.tokenRequestorId,
            pushAccountReceipt: receipt,
          });
          return {
            pushAccountReceipt: receipt,
            status: 'PENDING',
            reason: 'The token requestor never completes (sandbox knob)',
          };
        })
      : await Promise.all(redirect.data.pushAccountReceipts.map((receipt) => tokenise(profile, receipt)));
    if (wantsJson) return { tokenRequestorId: profile.tokenRequestorId, outcomes };
    const back = redirect.data.callbackURL ? shownUrl(withStatus(redirect.data.callbackURL, outcomes)) : undefined;
    return reply
      .type('text/html; charset=utf-8')
      .send(
        page(
          outcomes.every((outcome) => outcome.status === 'ACTIVE')
            ? `Added to ${profile.consumerFacingEntityName}`
            : 'Not everything was added',
          `<ul>${outcomes
            .map(
              (outcome) =>
                `<li>${escapeHtml(outcome.maskedCard ?? 'Card')}: ${escapeHtml(outcome.status)}${outcome.reason ? ` (${escapeHtml(maskCardNumbersIn(outcome.reason))})` : ''}</li>`,
            )
            .join('')}</ul>${back ? `<p><a href="${escapeHtml(back)}">Back to your bank</a></p>` : ''}`,
        ),
      );
  });

  const credentialsOf = (tokenRequestorId: string): TokenRequestorCredentials => {
    const credentials = options.credentials.get(tokenRequestorId);
    if (!credentials) throw new Error(`No network credentials for token requestor ${tokenRequestorId}`);
    return credentials;
  };
  const walletOptions = { networkKeys: options.applePay.networkKeys, networks: reachNetworks(options), ledger, knobs };
  registerApplePayWallet(app, {
    ...walletOptions,
    pki: options.applePay.pki,
    tokenRequestorId: applePayTokenRequestorId,
    credentials: credentialsOf(applePayTokenRequestorId),
  });
  registerGooglePayWallet(app, {
    ...walletOptions,
    keys: options.googlePay.keys.opening,
    tokenRequestorId: googlePayTokenRequestorId,
    credentials: credentialsOf(googlePayTokenRequestorId),
  });
  registerSamsungPayWallet(app, {
    ...walletOptions,
    tokenRequestorId: samsungPayTokenRequestorId,
    credentials: credentialsOf(samsungPayTokenRequestorId),
  });
  const walletAt = (tokenRequestorId: string) => ({ tokenRequestorId, credentials: credentialsOf(tokenRequestorId) });
  registerWebWallets(app, {
    ...walletOptions,
    wallets: {
      APPLE_PAY: walletAt(applePayTokenRequestorId),
      GOOGLE_PAY: walletAt(googlePayTokenRequestorId),
      SAMSUNG_PAY: walletAt(samsungPayTokenRequestorId),
    },
    googleKeys: options.googlePay.keys.opening,
    issuerJwksUrl: options.issuerJwksUrl,
  });

  return { app };
}
