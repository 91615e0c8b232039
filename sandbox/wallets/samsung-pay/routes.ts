/**
 * The simulated Samsung Wallet's endpoints under `/wallets/samsung-pay/`, standing in for Samsung Pay's SDK
 * on a device and Samsung's server behind it: the device's wallet info (the ids the issuer's app reads and
 * sends its backend), addCard with what the engine answered, where the wallet, which cannot open the
 * network's payload, passes it on to the network the tokenization provider names, with the wallet user and
 * device it is asked for, and takes each payload once; and a card waiting for verification (the yellow path)
 * verified by the token's reference. The network checks the payload: its card, its activation data, and
 * (Visa) that it was made for this wallet user and device.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CardNetwork } from '../../../domain/enrollment.js';
import { googlePayIdPattern, samsungTokenizationProviders } from '../../../domain/wallets.js';
import { OpcWallet } from '../opc-wallet.js';
import { answered, deviceNamePattern, problemOf, refuse } from '../wallet-replies.js';
import type { SimulatedWalletOptions } from '../wallet-tokenisation.js';

export const samsungPayWalletPaths = {
  walletInfo: '/wallets/samsung-pay/devices/:deviceName/wallet-info',
  addCard: '/wallets/samsung-pay/add-card',
  verifyCard: '/wallets/samsung-pay/cards/:tokenReferenceId/verify',
} as const;

const samsungId = z.string().regex(googlePayIdPattern, 'a Samsung Pay id is 1-128 letters, digits and ._:=+/-');

/** What the app hands `addCard`: AddCardInfo's fields, with the wallet user and device it read. */
const AddCardRequest = z.object({
  walletUserId: samsungId,
  deviceId: samsungId,
  cardType: z.literal('CREDIT_DEBIT'),
  tokenizationProvider: z.enum(samsungTokenizationProviders),
  provisionPayload: z.string().min(1).max(16_384),
});

const VerifyRequest = z.strictObject({ walletUserId: samsungId });

const networkOf: Record<(typeof samsungTokenizationProviders)[number], CardNetwork> = {
  MI: 'MASTERCARD',
  VI: 'VISA',
};

export function registerSamsungPayWallet(app: FastifyInstance, options: SimulatedWalletOptions): void {
  const wallet = new OpcWallet({
    ...options,
    wallet: 'SAMSUNG_PAY',
    knobs: () => options.knobs.current.wallets.samsungPay,
  });

  app.post(samsungPayWalletPaths.walletInfo, (request, reply) => {
    const { deviceName } = request.params as { deviceName: string };
    if (!deviceNamePattern.test(deviceName)) {
      return refuse(reply, 400, 'INVALID_REQUEST', 'a device name is 1-64 letters, digits, dots, dashes');
    }
    const { walletAccountId, deviceId } = wallet.activeWallet(deviceName);
    return { walletUserId: walletAccountId, deviceId };
  });

  app.post(samsungPayWalletPaths.addCard, async (request, reply) => {
    const body = AddCardRequest.safeParse(request.body);
    if (!body.success) return refuse(reply, 400, 'INVALID_REQUEST', problemOf(body.error));
    const device = { walletAccountId: body.data.walletUserId, deviceId: body.data.deviceId };
    if (!wallet.knows(device)) {
      return refuse(reply, 404, 'WALLET_NOT_FOUND', 'Read the wallet info on this device');
    }
    return answered(
      reply,
      await wallet.addCard({
        device,
        network: networkOf[body.data.tokenizationProvider],
        opc: body.data.provisionPayload,
        payloadKey: `samsung:${createHash('sha256').update(body.data.provisionPayload).digest('hex')}`,
        // The wallet cannot open the payload: it knows the card by the network's answer only.
        maskedPan: '••••',
      }),
    );
  });

  app.post(samsungPayWalletPaths.verifyCard, async (request, reply) => {
    const { tokenReferenceId } = request.params as { tokenReferenceId: string };
    const body = VerifyRequest.safeParse(request.body);
    if (!body.success) return refuse(reply, 400, 'INVALID_REQUEST', problemOf(body.error));
    return answered(reply, await wallet.resume(tokenReferenceId, body.data.walletUserId));
  });
}
