/**
 * Web push provisioning, for every wallet that takes it: the cardholder is on the issuer's web page, the
 * wallet's web window has opened a session (its wallet account and device), and the engine answers with the
 * card's network's opaque payment card made for that account and device, as the wallet takes it:
 * - ENVELOPE (Apple Pay and Samsung Pay, as processors hand it to the web): `{jws: {header: {kid}, payload,
 *   protected, signature}, state}`, a flattened JWS (RFC 7515 §7.2.2) by the issuer's current signing key,
 *   which the wallet verifies with the issuer's published JWKS. The claims are this engine's (Apple's own web
 *   provisioning documentation is not public); a wallet's certified format would replace `envelopeOf` here.
 * - NOTIFIED (Google Pay): the issuer's server notifies the wallet's `pushProvisioningNotification`; the
 *   wallet's folder builds and sends it, after the provisioning is recorded.
 * A web session is good for one card's payload (REJECT_DUPLICATE): the same session again is refused.
 */
import { createHash } from 'node:crypto';
import { flattenedVerify, type FlattenedJWSInput, type FlattenedVerifyGetKey } from 'jose';
import { CryptoFailure, CryptoFailureCode } from '../../domain/crypto-failure.js';
import {
  WalletRefusalReason,
  WalletRequestRefused,
  type WalletDeviceMaterial,
  type WalletPayload,
  type WebPushEnvelope,
  type WebWalletSession,
} from '../../domain/wallets.js';
import { signFlattenedJws } from '../crypto/jws.js';
import { checkedIds } from './device-ids.js';
import type { WalletAdapter, WalletPayloadRequest, WebPushMethod } from './wallet-adapter.js';

/** How long an envelope may be handed on: the networks' 15 minutes for issuer-initiated data. */
const webEnvelopeValidityMs = 15 * 60_000;

/** The claims of a web push envelope's JWS: ids and the card encrypted for its network; never card data in clear. */
export interface WebPushClaims {
  wallet: WalletDeviceMaterial['wallet'];
  sessionId: string;
  walletAccountId: string;
  deviceId: string;
  tokenRequestorId: string;
  network: string;
  displayName: string;
  lastDigits: string;
  opaquePaymentCard: string;
  /** Seconds since the epoch, as JWT's. */
  iat: number;
  exp: number;
}

/** The adapter, taking web sessions beside its own device material when it says how it takes a web push. */
export function withWebPush(adapter: WalletAdapter): WalletAdapter {
  const method = adapter.webPush;
  if (!method) return adapter;
  return {
    ...adapter,
    verifyDevice(device, onboarding, now) {
      if (!('web' in device)) return adapter.verifyDevice(device, onboarding, now);
      webSession(device, adapter);
      if (method.method === 'NOTIFIED' && !method.offered(onboarding)) {
        throw new WalletRequestRefused(
          WalletRefusalReason.WebPushNotOffered,
          `This issuer has no web push onboarding with ${adapter.brand}`,
        );
      }
    },
    provisioningIdentity(request) {
      if (!('web' in request.device)) return adapter.provisioningIdentity(request);
      const session = webSession(request.device, adapter);
      return {
        // A digest: the session's ids appear in no workflow id.
        key: createHash('sha256')
          .update(JSON.stringify(['web', session.sessionId, request.cardRef]))
          .digest('hex'),
        reusePolicy: 'REJECT_DUPLICATE',
        alreadyAnswered: WalletRefusalReason.WebSessionReplayed,
      };
    },
    async payload(request) {
      if (!('web' in request.device)) return adapter.payload(request);
      return webPayload(adapter, method, webSession(request.device, adapter), request);
    },
    async deliver(payload, onboarding) {
      if (!('web' in payload)) return adapter.deliver ? adapter.deliver(payload, onboarding) : payload;
      const { web } = payload;
      if (web.method !== 'NOTIFIED' || method.method !== 'NOTIFIED' || web.notification === undefined) return payload;
      await method.notify(web.notification, onboarding);
      // The page learns that the wallet was told; the sealed notification stays between the two servers.
      return { wallet: payload.wallet, web: { method: 'NOTIFIED', sessionId: web.sessionId } };
    },
  };
}

/** The session, the adapter's wallet's, its ids ids (the API's schema bounded them; this checks again). */
function webSession(device: WalletDeviceMaterial, adapter: WalletAdapter): WebWalletSession {
  if (!('web' in device) || device.wallet !== adapter.id) {
    throw new WalletRequestRefused(
      WalletRefusalReason.DeviceMaterialMalformed,
      `The web session is not ${adapter.brand}'s`,
    );
  }
  const { sessionId, walletAccountId, deviceId, clientSessionId } = device.web;
  checkedIds({ sessionId, walletAccountId, deviceId }, `${adapter.brand} web`);
  if (clientSessionId !== undefined) checkedIds({ clientSessionId }, `${adapter.brand} web`);
  return device.web;
}

async function webPayload(
  adapter: WalletAdapter,
  method: WebPushMethod,
  session: WebWalletSession,
  request: WalletPayloadRequest,
): Promise<WalletPayload> {
  const { card, network, now } = request;
  const opaquePaymentCard = await network.pushTokenizeOpc({
    card,
    activationData: request.activationData,
    device: { walletAccountId: session.walletAccountId, deviceId: session.deviceId },
    tokenRequestorId: request.tokenRequestorId,
    credentials: request.credentials,
    now,
  });
  const lastDigits = card.pan.slice(-4);
  const displayName = `${network.brand} •••• ${lastDigits}`;
  if (method.method === 'NOTIFIED') {
    const notification = await method.notification({
      session,
      onboarding: request.onboarding,
      opaquePaymentCard,
      network,
      displayName,
      lastDigits,
      cardholderName: card.cardholderName,
      holder: request.holder,
      reference: request.reference,
      now,
    });
    return { wallet: adapter.id, web: { method: 'NOTIFIED', sessionId: session.sessionId, notification } };
  }
  const iat = Math.floor(now.getTime() / 1000);
  const claims: WebPushClaims = {
    wallet: adapter.id,
    sessionId: session.sessionId,
    walletAccountId: session.walletAccountId,
    deviceId: session.deviceId,
    tokenRequestorId: request.tokenRequestorId,
    network: network.id,
    displayName,
    lastDigits,
    opaquePaymentCard,
    iat,
    exp: iat + webEnvelopeValidityMs / 1000,
  };
  return {
    wallet: adapter.id,
    web: { method: 'ENVELOPE', envelope: await envelopeOf(claims, request.reference, request) },
  };
}

/** The flattened JWS over the claims, the key's id unprotected beside it (as processors hand it), and the state. */
async function envelopeOf(
  claims: WebPushClaims,
  state: string,
  { signing }: Pick<WalletPayloadRequest, 'signing'>,
): Promise<WebPushEnvelope> {
  const key = signing.current;
  const jws = await signFlattenedJws(
    { alg: key.alg, typ: 'JOSE' },
    new TextEncoder().encode(JSON.stringify(claims)),
    key.signer,
  );
  return {
    jws: { header: { kid: key.kid }, payload: jws.payload, protected: jws.protected, signature: jws.signature },
    state,
  };
}

/**
 * The wallet's side: the envelope's JWS verified with the issuer's published keys (RS256 or ES256 only),
 * and its claims read; CryptoFailure saying what is wrong, quoting nothing of it. The caller holds the claims
 * to its session (its ids, its wallet) and to the clock.
 */
export async function openWebPushEnvelope(
  envelope: WebPushEnvelope,
  issuerKeys: FlattenedVerifyGetKey,
): Promise<WebPushClaims> {
  const { jws } = envelope;
  const input: FlattenedJWSInput = {
    payload: jws.payload,
    protected: jws.protected,
    header: jws.header,
    signature: jws.signature,
  };
  let verified;
  try {
    verified = await flattenedVerify(input, issuerKeys, { algorithms: ['RS256', 'ES256'] });
  } catch {
    throw new CryptoFailure(
      CryptoFailureCode.SignatureInvalid,
      "The envelope's signature does not verify with the issuer's published keys",
    );
  }
  let claims: Partial<WebPushClaims> | null;
  try {
    claims = JSON.parse(new TextDecoder().decode(verified.payload)) as Partial<WebPushClaims> | null;
  } catch {
    throw new CryptoFailure(CryptoFailureCode.Malformed, 'The envelope does not hold JSON');
  }
  const strings = [
    'wallet',
    'sessionId',
    'walletAccountId',
    'deviceId',
    'tokenRequestorId',
    'network',
    'lastDigits',
    'opaquePaymentCard',
  ] as const;
  if (
    !claims ||
    strings.some((name) => typeof claims[name] !== 'string') ||
    !Number.isInteger(claims.exp) ||
    !Number.isInteger(claims.iat)
  ) {
    throw new CryptoFailure(CryptoFailureCode.Malformed, 'The envelope does not hold a web push');
  }
  return claims as WebPushClaims;
}
