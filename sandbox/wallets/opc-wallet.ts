/**
 * What the simulated Google and Samsung wallets share: each device's wallet account (TapAndPay's active
 * wallet id and stable hardware id; Samsung's wallet user id and device id), a card added with the issuer's
 * opaque payment card for its network, which the wallet cannot open and passes on to the network with the
 * account and device it was made for, the wallet's own risk (the knobs: decline, never tokenise, ask for
 * activation), and the yellow path resumed by the token's reference once the cardholder activates it. A
 * payload is taken once. Each step is in the ledger, the card shown by its last digits at most.
 */
import type { CardNetwork } from '../../domain/enrollment.js';
import type { Wallet } from '../../domain/wallets.js';
import type { WalletKnobs } from '../knobs.js';
import type { Ledger } from '../network/ledger.js';
import type { WalletDeviceIds } from '../token-requestors/network-calls.js';
import type { NetworkReach } from '../token-requestors/networks.js';
import { walletId } from './wallet-ids.js';
import type { WalletRefusalCode } from './wallet-replies.js';
import { tokeniseAtNetwork, type WalletTokenisation, type WalletTokenisationDeps } from './wallet-tokenisation.js';

/** A wallet's answer: what it did with the card, or why it would not (a status and a code). */
export type OpcWalletAnswer =
  | { refused: { status: number; code: WalletRefusalCode; detail: string } }
  | { status: 202; body: object }
  | { status: 200; body: WalletTokenisation | { status: 'DECLINED'; declinedBy: 'WALLET'; reason: string } };

/** A card added to a wallet: the OPC, who it was made for, and how the card is shown. */
export interface AddedCard {
  device: WalletDeviceIds;
  network: CardNetwork;
  opc: string;
  /** What makes this payload this one (Google's serverSessionId, a digest of Samsung's payload): taken once. */
  payloadKey: string;
  /** The card as the wallet may show it (its last digits at most). */
  maskedPan: string;
}

interface PendingToken {
  walletAccountId: string;
  reach: NetworkReach;
  maskedPan: string;
}

/** Kept so that a long-running sandbox does not grow without bound: the oldest payload keys are forgotten. */
const maximumRemembered = 100_000;

export class OpcWallet {
  private readonly accountsByDevice = new Map<string, WalletDeviceIds>();
  private readonly accounts = new Map<string, WalletDeviceIds>();
  private readonly takenPayloads = new Set<string>();
  private readonly pending = new Map<string, PendingToken>();
  private readonly reaches: ReadonlyMap<CardNetwork, NetworkReach>;

  constructor(
    private readonly options: Omit<WalletTokenisationDeps, 'wallet'> & {
      wallet: Wallet;
      networks: readonly NetworkReach[];
      ledger: Ledger;
      knobs: () => WalletKnobs;
    },
  ) {
    this.reaches = new Map(options.networks.map((reach) => [reach.network.cardNetwork, reach]));
  }

  /** The device's wallet account, opened at its first use (as the wallet app would on its first start). */
  activeWallet(deviceName: string): WalletDeviceIds {
    let account = this.accountsByDevice.get(deviceName);
    if (!account) {
      account = { walletAccountId: walletId('wa', 12), deviceId: walletId('hw', 16) };
      this.accountsByDevice.set(deviceName, account);
      this.accounts.set(account.walletAccountId, account);
      this.options.ledger.append('wallet.account.opened', { wallet: this.options.wallet, deviceName, ...account });
    }
    return account;
  }

  /** Whether this wallet account lives on this device. */
  knows(device: WalletDeviceIds): boolean {
    return this.accounts.get(device.walletAccountId)?.deviceId === device.deviceId;
  }

  reachOf(network: CardNetwork): NetworkReach | undefined {
    return this.reaches.get(network);
  }

  async addCard(card: AddedCard): Promise<OpcWalletAnswer> {
    const { ledger, wallet } = this.options;
    const step = { wallet, walletAccountId: card.device.walletAccountId, maskedPan: card.maskedPan };
    if (this.takenPayloads.has(card.payloadKey)) {
      ledger.append('wallet.payload.replayed', step);
      return refusal(409, 'PAYLOAD_REPLAYED', 'A payload is taken once: ask the issuer for a new one');
    }
    this.remember(card.payloadKey);
    const reach = this.reachOf(card.network);
    if (!reach) return refusal(422, 'CARD_NOT_SUPPORTED', `No sandbox network is ${card.network}`);
    ledger.append('wallet.payload.taken', { ...step, network: card.network });

    const knobs = this.options.knobs();
    if (knobs.declines) {
      const reason = "The wallet's risk check declined (sandbox knob)";
      ledger.append('wallet.declined', { ...step, reason });
      return { status: 200, body: { status: 'DECLINED', declinedBy: 'WALLET', reason } };
    }
    if (knobs.timesOut) {
      ledger.append('wallet.tokenize.withheld', { ...step, reason: 'The wallet never tokenises (sandbox knob)' });
      return { status: 202, body: { status: 'PENDING', network: card.network, maskedPan: card.maskedPan } };
    }
    const { tokenRequestorId } = this.options;
    const outcome = await tokeniseAtNetwork(this.options, reach, {
      sessionId: card.payloadKey,
      maskedPan: card.maskedPan,
      call: (requestId) =>
        Promise.resolve(
          reach.calls.tokenizeWithOpc({
            tokenRequestorId,
            requestId,
            opc: card.opc,
            device: card.device,
            stepUp: knobs.requiresActivation,
          }),
        ),
    });
    if (outcome.status === 'PENDING_ACTIVATION' && outcome.tokenUniqueReference) {
      this.pending.set(outcome.tokenUniqueReference, {
        walletAccountId: card.device.walletAccountId,
        reach,
        maskedPan: card.maskedPan,
      });
    }
    return { status: 200, body: outcome };
  }

  /**
   * The yellow path resumed (TapAndPay's `tokenize(tokenReferenceId)`): the cardholder has activated the
   * token in the wallet, so the network makes it ACTIVE and tells the issuer. The sandbox stands the step-up
   * itself in for the activation method the issuer offers (its code, its app).
   */
  async resume(tokenReferenceId: string, walletAccountId: string): Promise<OpcWalletAnswer> {
    const { ledger, wallet } = this.options;
    const pending = this.pending.get(tokenReferenceId);
    if (!pending || pending.walletAccountId !== walletAccountId) {
      return refusal(404, 'TOKEN_NOT_FOUND', 'This wallet account holds no token waiting under this reference');
    }
    const url = `${pending.reach.baseUrl()}/sandbox/tokens/${encodeURIComponent(tokenReferenceId)}/status`;
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'ACTIVE', reason: 'ACTIVATED_IN_WALLET' }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) {
      return refusal(
        409,
        'TOKEN_NOT_PENDING',
        `${pending.reach.network.brand} did not activate it (${response.status})`,
      );
    }
    this.pending.delete(tokenReferenceId);
    ledger.append('wallet.token.activated', {
      wallet,
      walletAccountId,
      tokenReferenceId,
      maskedPan: pending.maskedPan,
    });
    return {
      status: 200,
      body: {
        status: 'ACTIVE',
        network: pending.reach.network.cardNetwork,
        maskedPan: pending.maskedPan,
        tokenUniqueReference: tokenReferenceId,
      },
    };
  }

  private remember(payloadKey: string): void {
    if (this.takenPayloads.size >= maximumRemembered) {
      const oldest = this.takenPayloads.values().next().value;
      if (oldest !== undefined) this.takenPayloads.delete(oldest);
    }
    this.takenPayloads.add(payloadKey);
  }
}

function refusal(status: number, code: WalletRefusalCode, detail: string): OpcWalletAnswer {
  return { refused: { status, code, detail } };
}
