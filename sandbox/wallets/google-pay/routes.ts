/**
 * The simulated Google Wallet's endpoints under `/wallets/google-pay/`, standing in for TapAndPay on a device
 * and Google's server behind it: the device's active wallet (the ids the issuer's app reads and sends its
 * backend), pushTokenize with what the engine answered, where the wallet opens the `googleOpc` with Google's
 * key, requires the issuer's signature, holds the card in it against what the app says of it (network, last
 * digits), takes its serverSessionId once, then passes the network's OPC on unopened; and the yellow path
 * resumed by the token's reference (`tokenize(tokenReferenceId)`).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { openGoogleOpc, type GoogleOpcOpeningKeys } from '../../../activities/wallets/google-pay/google-opc.js';
import { maskPan } from '../../../domain/card-number.js';
import { CryptoFailure } from '../../../domain/crypto-failure.js';
import { cardNetworks, type CardNetwork } from '../../../domain/enrollment.js';
import {
  googlePayIdPattern,
  googleTokenServiceProviders,
  type GoogleTokenServiceProvider,
} from '../../../domain/wallets.js';
import { OpcWallet } from '../opc-wallet.js';
import { answered, deviceNamePattern, problemOf, refuse } from '../wallet-replies.js';
import { networkOfCard, type SimulatedWalletOptions } from '../wallet-tokenisation.js';

export const googlePayWalletPaths = {
  activeWallet: '/wallets/google-pay/devices/:deviceName/active-wallet',
  pushTokenize: '/wallets/google-pay/push-tokenize',
  resumeTokenize: '/wallets/google-pay/tokens/:tokenReferenceId/tokenize',
} as const;

export interface GooglePayWalletOptions extends SimulatedWalletOptions {
  keys: GoogleOpcOpeningKeys;
}

const tapAndPayId = z.string().regex(googlePayIdPattern, 'a TapAndPay id is 1-128 letters, digits and ._:=+/-');

/** What the app hands `pushTokenize`: the engine's answer, with the wallet account and device it read. */
const PushTokenizeRequest = z.object({
  walletAccountId: tapAndPayId,
  deviceId: tapAndPayId,
  opaquePaymentCard: z.string().min(1).max(16_384),
  network: z.enum(cardNetworks),
  tokenServiceProvider: z.enum(googleTokenServiceProviders),
  displayName: z.string().max(128),
  lastDigits: z.string().regex(/^\d{4}$/, 'lastDigits is four digits'),
  userAddress: z.record(z.string(), z.string().max(256)).optional(),
  googleOpc: z.string().min(1).max(65_536),
});

const ResumeRequest = z.strictObject({ walletAccountId: tapAndPayId });

/** The token service provider Google names for each network's cards. */
const providerOf: Partial<Record<CardNetwork, GoogleTokenServiceProvider>> = {
  MASTERCARD: 'TOKEN_PROVIDER_MASTERCARD',
  VISA: 'TOKEN_PROVIDER_VISA',
};

export function registerGooglePayWallet(app: FastifyInstance, options: GooglePayWalletOptions): void {
  const { ledger } = options;
  const wallet = new OpcWallet({
    ...options,
    wallet: 'GOOGLE_PAY',
    knobs: () => options.knobs.current.wallets.googlePay,
  });

  app.post(googlePayWalletPaths.activeWallet, (request, reply) => {
    const { deviceName } = request.params as { deviceName: string };
    if (!deviceNamePattern.test(deviceName)) {
      return refuse(reply, 400, 'INVALID_REQUEST', 'a device name is 1-64 letters, digits, dots, dashes');
    }
    return wallet.activeWallet(deviceName);
  });

  app.post(googlePayWalletPaths.pushTokenize, async (request, reply) => {
    const body = PushTokenizeRequest.safeParse(request.body);
    if (!body.success) return refuse(reply, 400, 'INVALID_REQUEST', problemOf(body.error));
    const { walletAccountId, deviceId } = body.data;
    const device = { walletAccountId, deviceId };
    if (!wallet.knows(device)) {
      return refuse(reply, 404, 'WALLET_NOT_FOUND', 'Read the active wallet id and the device id on this device');
    }
    let opc;
    try {
      opc = await openGoogleOpc(body.data.googleOpc, options.keys);
    } catch (error) {
      if (!(error instanceof CryptoFailure)) throw error;
      ledger.append('wallet.payload.refused', { wallet: 'GOOGLE_PAY', walletAccountId, code: error.code });
      return refuse(reply, 422, 'PAYLOAD_UNREADABLE', `googleOpc: ${error.message}`);
    }
    const pan = opc.paymentCard.accountNumber;
    const reach = networkOfCard(options.networks, pan);
    if (!reach) return refuse(reply, 422, 'CARD_NOT_SUPPORTED', 'The card is in no range of the sandbox networks');
    const network = reach.network.cardNetwork;
    const provider = providerOf[network];
    const mismatch =
      wallet.reachOf(body.data.network) !== reach
        ? `network: the card is ${network}'s`
        : provider !== body.data.tokenServiceProvider
          ? `tokenServiceProvider: the card's is ${provider ?? 'none'}`
          : pan.slice(-4) !== body.data.lastDigits
            ? "lastDigits: not the card's last digits"
            : undefined;
    if (mismatch) return refuse(reply, 422, 'CARD_MISMATCH', mismatch);
    return answered(
      reply,
      await wallet.addCard({
        device,
        network,
        opc: body.data.opaquePaymentCard,
        payloadKey: `google:${opc.validationContext.serverSessionId}`,
        maskedPan: maskPan(pan),
      }),
    );
  });

  app.post(googlePayWalletPaths.resumeTokenize, async (request, reply) => {
    const { tokenReferenceId } = request.params as { tokenReferenceId: string };
    const body = ResumeRequest.safeParse(request.body);
    if (!body.success) return refuse(reply, 400, 'INVALID_REQUEST', problemOf(body.error));
    return answered(reply, await wallet.resume(tokenReferenceId, body.data.walletAccountId));
  });
}
