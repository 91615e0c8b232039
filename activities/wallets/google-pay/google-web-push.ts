/**
 * Google Pay's web push provisioning, both sides: the issuer's server notifies Google's
 * `pushProvisioningNotification/{integratorId}` with base64url(OpenPGP(JSON)), signed by the issuer's OPC
 * key and encrypted to Google's (the same keys as the googleOpc), once the wallet's web window has opened a
 * session; the body is the public one (google-pay/littlebear-web-push-provisioning): `requestHeader`,
 * `pushContext {serverSessionId, clientSessionId}`, `paymentAccount`, `paymentInstrumentMaterial` with the
 * network's opaque payment card as a `tokenizableOpaqueAccountCredential`. The card is shown by its last
 * digits only; `paymentAccount`'s inner field names are this engine's where the public sample leaves them
 * open. The wallet's side opens it (a sandbox Google Wallet, tests).
 */
import { ErrorType } from '../../../domain/errors.js';
import { CryptoFailure, CryptoFailureCode } from '../../../domain/crypto-failure.js';
import { nonRetryable } from '../../enrollment/failures.js';
import { openOpenPgp, sealOpenPgp } from '../../crypto/openpgp-messages.js';
import type { WebPushMethod } from '../wallet-adapter.js';
import type { GoogleOpcOpeningKeys } from './google-opc.js';
import { tokenServiceProviders, userAddressOf } from './google-pay-fields.js';
import { tracedFetch } from '../../../observability/http-client-spans.js';

export interface GoogleWebPushNotification {
  requestHeader: { protocolVersion: { major: 1 }; requestId: string; requestTimestamp: { epochMillis: string } };
  pushContext: { serverSessionId: string; clientSessionId: string };
  paymentAccount: {
    displayName: string;
    billingUserInformation?: Record<string, string>;
    paymentCard: { paymentNetwork: string; lastDigits: string };
  };
  paymentInstrumentMaterial: {
    tokenizableOpaqueAccountCredential: {
      opaqueAccountCredential: string;
      tokenServiceProvider: string;
      paymentNetwork: string;
      publicWalletId: string;
    };
  }[];
}

/** How long the wallet's server has to take a notification before the activity tries again. */
const notifyTimeoutMs = 10_000;

export const googleWebPush: WebPushMethod = {
  method: 'NOTIFIED',

  offered: (onboarding) => onboarding.wallet === 'GOOGLE_PAY' && onboarding.webPush !== undefined,

  async notification(request) {
    const { session, onboarding, opaquePaymentCard, network, displayName, lastDigits, holder, reference, now } =
      request;
    const { cardholderName } = request;
    if (onboarding.wallet !== 'GOOGLE_PAY')
      throw new TypeError("Google's notification is sealed with Google's onboarding");
    const tokenServiceProvider = tokenServiceProviders[network.id];
    if (!tokenServiceProvider) {
      throw nonRetryable(ErrorType.NotEligible, `Google Pay takes no ${network.brand} cards from this issuer`);
    }
    const billing = userAddressOf(cardholderName, holder);
    const body: GoogleWebPushNotification = {
      requestHeader: {
        protocolVersion: { major: 1 },
        requestId: reference,
        requestTimestamp: { epochMillis: String(now.getTime()) },
      },
      pushContext: { serverSessionId: session.sessionId, clientSessionId: session.clientSessionId ?? reference },
      paymentAccount: {
        displayName,
        ...(billing && { billingUserInformation: { ...billing } }),
        paymentCard: { paymentNetwork: network.id, lastDigits },
      },
      paymentInstrumentMaterial: [
        {
          tokenizableOpaqueAccountCredential: {
            opaqueAccountCredential: opaquePaymentCard,
            tokenServiceProvider,
            paymentNetwork: network.id,
            publicWalletId: session.walletAccountId,
          },
        },
      ],
    };
    const keys = await onboarding.opcKeys();
    const sealed = await sealOpenPgp(JSON.stringify(body), {
      encryptionKey: keys.googleEncryptionKey,
      signingKey: keys.issuerSigningKey,
    });
    return Buffer.from(sealed).toString('base64url');
  },

  async notify(notification, onboarding) {
    if (onboarding.wallet !== 'GOOGLE_PAY' || !onboarding.webPush) {
      throw nonRetryable(ErrorType.NotEligible, 'This issuer has no web push onboarding with Google Pay');
    }
    const { notificationUrl, integratorId } = onboarding.webPush;
    const url = `${notificationUrl.replace(/\/$/, '')}/${encodeURIComponent(integratorId)}`;
    let response: Response;
    try {
      response = await tracedFetch({ peer: 'GOOGLE_PAY', operation: 'pushProvisioningNotification' }, url, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: notification,
        signal: AbortSignal.timeout(notifyTimeoutMs),
      });
    } catch {
      // Not taken, or not known to be: tried again (Google takes a session's notification once).
      throw new Error("Google's pushProvisioningNotification did not answer");
    }
    await response.body?.cancel();
    if (response.ok) return;
    if (response.status >= 500 || response.status === 429) {
      throw new Error(`Google's pushProvisioningNotification answered ${response.status}`);
    }
    throw nonRetryable(
      ErrorType.InvalidRequest,
      `Google's pushProvisioningNotification refused the notification (${response.status})`,
    );
  },
};

/** The wallet's side: the notification opened, the issuer's signature required; CryptoFailure if not. */
export async function openGoogleWebPushNotification(
  notification: string,
  keys: GoogleOpcOpeningKeys,
): Promise<GoogleWebPushNotification> {
  if (notification.length === 0 || notification.length > 128 * 1024 || !/^[A-Za-z0-9_-]+$/.test(notification)) {
    throw new CryptoFailure(CryptoFailureCode.Malformed, 'The notification is not base64url');
  }
  const text = await openOpenPgp(
    Buffer.from(notification, 'base64url'),
    { decryptionKeys: keys.googleDecryptionKeys, verificationKeys: keys.issuerVerificationKeys },
    'notification',
  );
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CryptoFailure(CryptoFailureCode.Malformed, 'The notification does not hold JSON');
  }
  const body = value as Partial<GoogleWebPushNotification> | null;
  const material = body?.paymentInstrumentMaterial?.[0]?.tokenizableOpaqueAccountCredential;
  if (
    typeof body?.pushContext?.serverSessionId !== 'string' ||
    typeof material?.opaqueAccountCredential !== 'string' ||
    typeof material.publicWalletId !== 'string' ||
    typeof body.paymentAccount?.paymentCard?.lastDigits !== 'string'
  ) {
    throw new CryptoFailure(CryptoFailureCode.Malformed, 'The notification holds no tokenizable credential');
  }
  return body as GoogleWebPushNotification;
}
