/**
 * The simulated Apple Wallet's endpoints under `/wallets/apple-pay/`, standing in for PassKit on a device:
 * a provisioning session hands the issuer's app the device's certificates, nonce and nonce signature; the
 * app's payload comes back to add-payment-pass, where the wallet opens it, checks it is this session's, and
 * tokenises the card at its network with the issuer's activation data. Refusals are JSON
 * `{status, code, title, detail}`, never with a card number; each step is in the ledger, the card masked.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { maskPan } from '../../../domain/card-number.js';
import { maskCardNumbersIn } from '../../../domain/caller-text.js';
import { passKitSchemes } from '../../../domain/wallets.js';
import type { WalletPki } from '../device-pki.js';
import { deviceNamePattern, problemOf, refuse } from '../wallet-replies.js';
import { AddPaymentPassRequest, openPassPayload } from './pass-payload.js';
import { certificateKinds, ProvisioningSessions } from './provisioning-sessions.js';
import { networkOfCard, tokeniseAtNetwork, type SimulatedWalletOptions } from '../wallet-tokenisation.js';

export const applePayWalletPaths = {
  provisioningSessions: '/wallets/apple-pay/devices/:deviceId/provisioning-sessions',
  addPaymentPass: '/wallets/apple-pay/provisioning-sessions/:sessionId/add-payment-pass',
} as const;

export interface ApplePayWalletOptions extends SimulatedWalletOptions {
  pki: WalletPki;
}

const SessionRequest = z.strictObject({
  encryptionScheme: z.enum(passKitSchemes),
  certificate: z.enum(certificateKinds).default('valid'),
});

const deviceId = z.string().regex(deviceNamePattern, 'a device id is 1-64 letters, digits, dots, dashes');
const sessionId = z.uuid();

export function registerApplePayWallet(app: FastifyInstance, options: ApplePayWalletOptions): void {
  const { ledger, knobs } = options;
  const sessions = new ProvisioningSessions(options.pki);
  const wallet = 'APPLE_PAY';

  app.post(applePayWalletPaths.provisioningSessions, async (request, reply) => {
    const device = deviceId.safeParse((request.params as { deviceId: string }).deviceId);
    if (!device.success) return refuse(reply, 400, 'INVALID_REQUEST', problemOf(device.error));
    const body = SessionRequest.safeParse(request.body ?? {});
    if (!body.success) return refuse(reply, 400, 'INVALID_REQUEST', problemOf(body.error));
    const session = await sessions.open({
      deviceId: device.data,
      scheme: body.data.encryptionScheme,
      certificate: body.data.certificate,
    });
    if (!session) return refuse(reply, 503, 'TOO_MANY_SESSIONS', 'Try again when older sessions have expired');
    ledger.append('wallet.session.opened', {
      wallet,
      deviceId: session.deviceId,
      sessionId: session.sessionId,
      encryptionScheme: session.scheme,
      certificate: session.certificate,
      expiresAt: new Date(session.expiresAt).toISOString(),
    });
    const base64 = (bytes: Buffer): string => bytes.toString('base64');
    return reply.code(201).send({
      sessionId: session.sessionId,
      certificates: session.certificates.map(base64),
      nonce: base64(session.nonce),
      nonceSignature: base64(session.nonceSignature),
      encryptionScheme: session.scheme,
      expiresAt: new Date(session.expiresAt).toISOString(),
    });
  });

  app.post(applePayWalletPaths.addPaymentPass, async (request, reply) => {
    const id = sessionId.safeParse((request.params as { sessionId: string }).sessionId);
    if (!id.success) return refuse(reply, 404, 'SESSION_NOT_FOUND', 'A session id is a UUID');
    const found = sessions.find(id.data);
    if (!found.found) {
      const detail =
        found.reason === 'SESSION_EXPIRED' ? 'Open a new provisioning session' : 'Open a provisioning session first';
      return refuse(reply, found.reason === 'SESSION_EXPIRED' ? 410 : 404, found.reason, detail);
    }
    const { session } = found;
    const body = AddPaymentPassRequest.safeParse(request.body);
    if (!body.success) return refuse(reply, 400, 'INVALID_REQUEST', problemOf(body.error));
    const step = { wallet, sessionId: session.sessionId, deviceId: session.deviceId };
    if (session.payloadTaken) {
      ledger.append('wallet.payload.replayed', step);
      return refuse(reply, 409, 'PAYLOAD_REPLAYED', 'A provisioning session takes one payload: open a new one');
    }
    session.payloadTaken = true;

    const opened = await openPassPayload(session, body.data);
    if ('refused' in opened) {
      ledger.append('wallet.payload.refused', { ...step, code: opened.refused.code });
      return refuse(reply, 422, opened.refused.code, opened.refused.detail);
    }
    const { card } = opened;
    const maskedPan = maskPan(card.accountNumber);
    const reach = networkOfCard(options.networks, card.accountNumber);
    ledger.append('wallet.payload.opened', { ...step, maskedPan, network: reach?.network.cardNetwork ?? 'none' });
    if (!reach) return refuse(reply, 422, 'CARD_NOT_SUPPORTED', 'The card is in no range of the sandbox networks');

    const applePay = knobs.current.wallets.applePay;
    if (applePay.declines) {
      const reason = "The wallet's risk check declined (sandbox knob)";
      ledger.append('wallet.declined', { ...step, maskedPan, reason });
      return { status: 'DECLINED', network: reach.network.cardNetwork, maskedPan, declinedBy: 'WALLET', reason };
    }
    if (applePay.timesOut) {
      ledger.append('wallet.tokenize.withheld', {
        ...step,
        maskedPan,
        reason: 'The wallet never tokenises (sandbox knob)',
      });
      return reply.code(202).send({ status: 'PENDING', network: reach.network.cardNetwork, maskedPan });
    }
    const { tokenRequestorId, credentials, networkKeys } = options;
    const outcome = await tokeniseAtNetwork({ wallet, tokenRequestorId, credentials, networkKeys, ledger }, reach, {
      sessionId: session.sessionId,
      maskedPan,
      call: (requestId) =>
        reach.calls.tokenizeWithAccount(
          {
            tokenRequestorId,
            requestId,
            account: card,
            activationData: body.data.activationData,
            stepUp: applePay.requiresActivation,
          },
          { credentials, networkKeys },
        ),
    });
    return { ...outcome, ...(outcome.reason !== undefined && { reason: maskCardNumbersIn(outcome.reason) }) };
  });
}
