/** The wallets this engine provisions, one line each (each implemented in its own folder beside this file). */
import type { Wallet } from '../../domain/wallets.js';
import { applePayWallet } from './apple-pay/apple-pay-wallet.js';
import { googlePayWallet } from './google-pay/google-pay-wallet.js';
import { samsungPayWallet } from './samsung-pay/samsung-pay-wallet.js';
import type { WalletAdapter } from './wallet-adapter.js';
import { withWebPush } from './web-push.js';

/** Each taking web sessions too, as it says (web-push.ts). */
const adapters: readonly WalletAdapter[] = [applePayWallet, googlePayWallet, samsungPayWallet].map(withWebPush);

export interface WalletRegistry {
  readonly all: readonly WalletAdapter[];
  /** The adapter of a wallet this engine provisions; undefined for one it does not (yet). */
  of(id: Wallet): WalletAdapter | undefined;
}

export function walletRegistry(wallets: readonly WalletAdapter[] = adapters): WalletRegistry {
  return { all: wallets, of: (id) => wallets.find((wallet) => wallet.id === id) };
}
