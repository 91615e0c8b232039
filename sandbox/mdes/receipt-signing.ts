/** MDES's JWS (RS256, its kid): over the receipts it issues, and around the digitization data it hands out. */
import { CompactSign } from 'jose';
import type { SandboxKeys } from '../keys.js';
import type { PushedAccount } from '../network/network-state.js';

export function mdesSigner(keys: SandboxKeys) {
  async function sign(payload: object): Promise<string> {
    return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg: 'RS256', kid: keys.mdes.signing.kid })
      .sign(keys.mdes.signing.privateKey);
  }

  /** Opaque to the issuer: what the wallet hands back to MDES (a signed reference, valid as long as the receipt). */
  async function digitizationData(account: PushedAccount): Promise<string> {
    const jws = await sign({
      pushAccountReceipt: account.receipt,
      tokenRequestorId: account.tokenRequestorId,
      exp: account.expiresAt,
    });
    return Buffer.from(jws).toString('base64');
  }

  return { sign, digitizationData };
}
export type MdesSigner = ReturnType<typeof mdesSigner>;
