/**
 * The simulated wallets' web windows, under `/wallets/{apple-pay|google-pay|samsung-pay}/web`: what opens
 * when the cardholder presses "Add to Apple Wallet" (or Google Pay, or Samsung Pay) on the issuer's page.
 * The window signs the cardholder in to a wallet account of this browser and opens a session (Google's
 * `onSessionCreated`: serverSessionId, publicWalletId, publicDeviceId), which it posts to the page; the page
 * asks the issuer, and then:
 * - Apple Pay and Samsung Pay: the page hands the window the issuer's envelope `{jws, state}`; the wallet
 *   verifies the JWS with the issuer's published keys, holds its claims to the session, and tokenises the
 *   network's OPC inside at the card's network;
 * - Google Pay: the issuer's server notifies `pushProvisioningNotification/{integratorId}` (OpenPGP, opened
 *   with Google's key, the issuer's signature required); the window's confirmation tokenises it.
 * A session is good for one card, for 15 minutes. Every step in the ledger, the card by its last digits.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { createRemoteJWKSet } from 'jose';
import { z } from 'zod';
import type { GoogleOpcOpeningKeys } from '../../../activities/wallets/google-pay/google-opc.js';
import { openGoogleWebPushNotification } from '../../../activities/wallets/google-pay/google-web-push.js';
import { openWebPushEnvelope } from '../../../activities/wallets/web-push.js';
import { CryptoFailure } from '../../../domain/crypto-failure.js';
import { cardNetworks, type CardNetwork } from '../../../domain/enrollment.js';
import type { Wallet } from '../../../domain/wallets.js';
import type { TokenRequestorCredentials } from '../../token-requestors/credentials.js';
import { escapeHtml, page } from '../../token-requestors/pages.js';
import { OpcWallet } from '../opc-wallet.js';
import { walletId } from '../wallet-ids.js';
import { answered, problemOf, refuse } from '../wallet-replies.js';
import type { SimulatedWalletOptions } from '../wallet-tokenisation.js';

/** The wallets as their web windows' paths name them, with their brand and how their knobs are named. */
const webWallets = {
  'apple-pay': { wallet: 'APPLE_PAY', brand: 'Apple Wallet', knobs: 'applePay', method: 'ENVELOPE' },
  'google-pay': { wallet: 'GOOGLE_PAY', brand: 'Google Pay', knobs: 'googlePay', method: 'NOTIFIED' },
  'samsung-pay': { wallet: 'SAMSUNG_PAY', brand: 'Samsung Pay', knobs: 'samsungPay', method: 'ENVELOPE' },
} as const;
type WebWalletSlug = keyof typeof webWallets;

export const webWalletPaths = {
  window: '/wallets/:wallet/web',
  script: '/wallets/web/window.js',
  sessions: '/wallets/:wallet/web/sessions',
  envelope: '/wallets/:wallet/web/sessions/:sessionId/envelope',
  confirm: '/wallets/:wallet/web/sessions/:sessionId/confirm',
  notification: '/wallets/google-pay/secure-serving/gsp/v1/pushProvisioningNotification/:integratorId',
} as const;

/** Where the issuer's page opens this wallet's web window. */
export const webWindowUrl = (tokenRequestorsBaseUrl: string, slug: WebWalletSlug): string =>
  `${tokenRequestorsBaseUrl}${webWalletPaths.window.replace(':wallet', slug)}`;

/** Where the issuer's server notifies, less the integrator id it appends. */
export const googleNotificationBase = webWalletPaths.notification.replace('/:integratorId', '');

/** The integrator id the sandbox's Google Pay knows the issuer by (in wallet-credentials.json). */
export const sandboxIntegratorId = 'pushprov-sandbox-issuer';

const sessionMs = 15 * 60_000;
const maximumSessions = 10_000;

export interface WebWalletOptions extends Omit<SimulatedWalletOptions, 'tokenRequestorId' | 'credentials'> {
  /** Each wallet's token requestor at the networks. */
  wallets: Record<Wallet, { tokenRequestorId: string; credentials: TokenRequestorCredentials }>;
  googleKeys: GoogleOpcOpeningKeys;
  issuerJwksUrl: () => string;
}

interface WebSession {
  slug: WebWalletSlug;
  device: { walletAccountId: string; deviceId: string };
  expiresAt: number;
  /** Google's: the card the issuer's server notified, to add once the cardholder confirms. */
  notified?: { opc: string; network: CardNetwork; lastDigits: string };
}

const envelopeBody = z.strictObject({
  jws: z.strictObject({
    header: z.strictObject({ kid: z.string().max(256) }),
    payload: z.string().max(65_536),
    protected: z.string().max(4096),
    signature: z.string().max(4096),
  }),
  state: z.string().max(256),
});
const browserBody = z.strictObject({ browser: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/) }).partial();

const windowScript = readFileSync(new URL('./window.js', import.meta.url), 'utf8');

export function registerWebWallets(app: FastifyInstance, options: WebWalletOptions): void {
  const { ledger } = options;
  const wallets = Object.fromEntries(
    Object.entries(webWallets).map(([slug, { wallet, knobs }]) => [
      slug,
      new OpcWallet({
        ...options,
        ...options.wallets[wallet],
        wallet,
        knobs: () => options.knobs.current.wallets[knobs],
      }),
    ]),
  ) as Record<WebWalletSlug, OpcWallet>;
  const sessions = new Map<string, WebSession>();
  let issuerKeys: ReturnType<typeof createRemoteJWKSet> | undefined;
  let issuerKeysUrl = '';
  const issuerJwks = () => {
    const url = options.issuerJwksUrl();
    if (!issuerKeys || url !== issuerKeysUrl) {
      issuerKeys = createRemoteJWKSet(new URL(url), { cacheMaxAge: 60_000, cooldownDuration: 1_000 });
      issuerKeysUrl = url;
    }
    return issuerKeys;
  };

  const slugOf = (reply: FastifyReply, params: unknown): WebWalletSlug | undefined => {
    const slug = (params as { wallet: string }).wallet;
    if (Object.hasOwn(webWallets, slug)) return slug as WebWalletSlug;
    void refuse(reply, 404, 'WALLET_NOT_FOUND', 'The sandbox has no such web wallet');
    return undefined;
  };
  const sessionOf = (reply: FastifyReply, slug: WebWalletSlug, sessionId: string): WebSession | undefined => {
    const session = sessions.get(sessionId);
    if (!session || session.slug !== slug) {
      void refuse(reply, 404, 'SESSION_NOT_FOUND', 'The wallet holds no web session by this id');
      return undefined;
    }
    if (session.expiresAt <= Date.now()) {
      void refuse(reply, 410, 'SESSION_EXPIRED', 'The web session has expired: open the wallet again');
      return undefined;
    }
    return session;
  };

  app.get(webWalletPaths.script, (_request, reply) => reply.type('text/javascript; charset=utf-8').send(windowScript));

  app.get(webWalletPaths.window, (request, reply) => {
    const slug = slugOf(reply, request.params);
    if (!slug) return reply;
    const { brand, method } = webWallets[slug];
    return reply.type('text/html; charset=utf-8').send(
      page(
        `${brand} (sandbox)`,
        `<div id="wallet" data-wallet="${slug}" data-method="${method}" data-brand="${escapeHtml(brand)}">
<p id="status" role="status">Signing you in to ${escapeHtml(brand)}…</p>
<p><button id="add" type="button" hidden>Add card to ${escapeHtml(brand)}</button></p>
</div>
<script src="${webWalletPaths.script}"></script>`,
      ),
    );
  });

  app.post(webWalletPaths.sessions, (request, reply) => {
    const slug = slugOf(reply, request.params);
    if (!slug) return reply;
    const body = browserBody.safeParse(request.body ?? {});
    if (!body.success) return refuse(reply, 400, 'INVALID_REQUEST', problemOf(body.error));
    const now = Date.now();
    for (const [id, session] of sessions) if (session.expiresAt <= now) sessions.delete(id);
    if (sessions.size >= maximumSessions) {
      return refuse(reply, 429, 'TOO_MANY_SESSIONS', 'Finish or let expire the open sessions first');
    }
    const device = wallets[slug].activeWallet(`web-${body.data.browser ?? 'browser'}`);
    const sessionId = walletId('ws', 16);
    sessions.set(sessionId, { slug, device, expiresAt: now + sessionMs });
    ledger.append('wallet.web.session.opened', { wallet: webWallets[slug].wallet, sessionId, ...device });
    return reply.code(201).send({ sessionId, ...device });
  });

  app.post(webWalletPaths.envelope, async (request, reply) => {
    const slug = slugOf(reply, request.params);
    if (!slug) return reply;
    const { wallet } = webWallets[slug];
    if (webWallets[slug].method !== 'ENVELOPE') {
      return refuse(reply, 404, 'SESSION_NOT_FOUND', `${webWallets[slug].brand} is told by the issuer's server`);
    }
    const { sessionId } = request.params as { sessionId: string };
    const session = sessionOf(reply, slug, sessionId);
    if (!session) return reply;
    const body = envelopeBody.safeParse(request.body);
    if (!body.success) return refuse(reply, 400, 'INVALID_REQUEST', problemOf(body.error));
    let claims;
    try {
      claims = await openWebPushEnvelope(body.data, issuerJwks());
    } catch (error) {
      if (!(error instanceof CryptoFailure)) throw error;
      ledger.append('wallet.payload.refused', { wallet, sessionId, code: error.code });
      return refuse(reply, 422, 'PAYLOAD_UNREADABLE', `envelope: ${error.message}`);
    }
    const mismatch =
      claims.wallet !== wallet ||
      claims.sessionId !== sessionId ||
      claims.walletAccountId !== session.device.walletAccountId ||
      claims.deviceId !== session.device.deviceId
        ? 'the envelope is for another wallet session'
        : claims.exp * 1000 <= Date.now()
          ? 'the envelope has expired'
          : claims.tokenRequestorId !== options.wallets[wallet].tokenRequestorId
            ? 'the envelope names another token requestor'
            : !(cardNetworks as readonly string[]).includes(claims.network) || !/^\d{4}$/.test(claims.lastDigits)
              ? 'the envelope names no card of a sandbox network'
              : undefined;
    if (mismatch) {
      ledger.append('wallet.payload.refused', { wallet, sessionId, reason: mismatch });
      return refuse(reply, 422, 'NONCE_MISMATCH', mismatch);
    }
    return answered(
      reply,
      await wallets[slug].addCard({
        device: session.device,
        network: claims.network as CardNetwork,
        opc: claims.opaquePaymentCard,
        payloadKey: `web:${sessionId}`,
        maskedPan: `•••• ${claims.lastDigits}`,
      }),
    );
  });

  app.post(webWalletPaths.notification, async (request, reply) => {
    const { integratorId } = request.params as { integratorId: string };
    if (integratorId !== sandboxIntegratorId) {
      return refuse(reply, 404, 'WALLET_NOT_FOUND', 'Google Pay (sandbox) knows no integrator by this id');
    }
    if (typeof request.body !== 'string') {
      return refuse(reply, 400, 'INVALID_REQUEST', 'the body is the notification, base64url, as text/plain');
    }
    let notification;
    try {
      notification = await openGoogleWebPushNotification(request.body.trim(), options.googleKeys);
    } catch (error) {
      if (!(error instanceof CryptoFailure)) throw error;
      ledger.append('wallet.payload.refused', { wallet: 'GOOGLE_PAY', code: error.code });
      return refuse(reply, 422, 'PAYLOAD_UNREADABLE', `notification: ${error.message}`);
    }
    const { serverSessionId } = notification.pushContext;
    const session = sessionOf(reply, 'google-pay', serverSessionId);
    if (!session) return reply;
    const material = notification.paymentInstrumentMaterial[0]!.tokenizableOpaqueAccountCredential;
    const network = material.paymentNetwork as CardNetwork;
    if (material.publicWalletId !== session.device.walletAccountId || !cardNetworks.includes(network)) {
      return refuse(reply, 422, 'NONCE_MISMATCH', "the notification is for another wallet, or no sandbox network's");
    }
    if (session.notified) return refuse(reply, 409, 'PAYLOAD_REPLAYED', 'This session was notified already');
    session.notified = {
      opc: material.opaqueAccountCredential,
      network,
      lastDigits: notification.paymentAccount.paymentCard.lastDigits,
    };
    ledger.append('wallet.web.notified', { wallet: 'GOOGLE_PAY', sessionId: serverSessionId, network });
    return reply.code(200).send({});
  });

  app.post(webWalletPaths.confirm, async (request, reply) => {
    const slug = slugOf(reply, request.params);
    if (!slug) return reply;
    const { sessionId } = request.params as { sessionId: string };
    const session = sessionOf(reply, slug, sessionId);
    if (!session) return reply;
    if (!session.notified) {
      return refuse(reply, 409, 'SESSION_NOT_FOUND', "The issuer's server has not notified this session yet");
    }
    return answered(
      reply,
      await wallets[slug].addCard({
        device: session.device,
        network: session.notified.network,
        opc: session.notified.opc,
        payloadKey: `web:${sessionId}`,
        maskedPan: `•••• ${session.notified.lastDigits}`,
      }),
    );
  });
}
