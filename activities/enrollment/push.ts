/**
 * pushCards, where the push happens: the cards revealed from the vault, an authentication proof signed
 * for each, the account holder data the token requestor takes, then one request to the card's network
 * (its mapping in activities/networks/<network>/), the receipts recorded, the outcome published as a
 * webhook event, and the redirect built.
 */
import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { customerProfileOf } from '../../db/customer-profiles.js';
import { publishEnrollmentStatus } from '../../db/enrollment-events.js';
import { recordPushReceipt } from '../../db/push-receipts.js';
import type { Redirect } from '../../domain/enrollment.js';
import { signAuthenticationProof, type AuthenticationMethod } from '../crypto/authentication-proof.js';
import type { IssuerKeyStore } from '../keys/key-store.js';
import type { AccountHolder } from '../networks/card-network.js';
import type { NetworkRegistry } from '../networks/registry.js';
import type { TokenRequestorCache } from '../token-requestors/token-requestor-cache.js';
import type { CardVault } from '../vault/card-vault.js';
import type { EnrollmentActivities } from './activity-types.js';

export function createPushActivities(deps: {
  pool: Pool;
  vault: CardVault;
  keys: IssuerKeyStore;
  networks: NetworkRegistry;
  tokenRequestors: TokenRequestorCache;
}): Pick<EnrollmentActivities, 'pushCards'> {
  const { pool, vault, keys } = deps;
  return {
    async pushCards(input) {
      const network = deps.networks.of(input.network);
      const requestId = createHash('sha256').update(`${input.enrollmentId}:push:${input.attempt}`).digest('hex');
      const requestor = await deps.tokenRequestors.find(input.network, input.tokenRequestorId);
      const methods: AuthenticationMethod[] = input.authenticationMethod === 'otp' ? ['otp', 'sms'] : ['swk', 'mfa'];
      const cards = await Promise.all(
        input.cards.map(async (card) => ({
          ...card,
          details: await vault.reveal(card.cardRef),
          authenticationProof: (
            await signAuthenticationProof(keys.signing, {
              issuer: keys.networks.issuerId,
              subject: card.pushAccountId,
              audience: network.proofAudience(keys.networks),
              methods,
            })
          ).token,
        })),
      );
      const answer = await network.push({
        requestId,
        tokenRequestorId: input.tokenRequestorId,
        requestor,
        pushMethod: input.pushMethod,
        cards,
        holder: await accountHolder(pool, input.customerId, requestor?.supportedAccountHolderData ?? []),
        receiptValidityMinutes: input.receiptValidityMinutes,
        ...(input.callbackUrl && { callbackUrl: input.callbackUrl }),
        ...(input.locale && { locale: input.locale }),
      });

      const expiresAt = new Date(Date.now() + input.receiptValidityMinutes * 60_000);
      for (const outcome of answer.cards) {
        if (!outcome.receipt) continue;
        const card = cards.find((candidate) => candidate.pushAccountId === outcome.pushAccountId)!;
        await recordPushReceipt(pool, {
          receipt: outcome.receipt,
          network: input.network,
          enrollmentId: input.enrollmentId,
          cardRef: card.cardRef,
          tokenRequestorId: input.tokenRequestorId,
          pushAccountId: card.pushAccountId,
          expiresAt,
        });
      }
      await publishEnrollmentStatus(pool, {
        enrollmentId: input.enrollmentId,
        customerId: input.customerId,
        network: input.network,
        tokenRequestorId: input.tokenRequestorId,
        // What the enrollment moves to with this answer (push-and-await-token-requestor.ts).
        status: answer.cards.some((outcome) => outcome.receipt) ? 'AWAITING_TOKEN_REQUESTOR' : 'DECLINED',
        attempt: input.attempt,
        cards: cards.map((card) => ({
          cardRef: card.cardRef,
          pushed: answer.cards.some((outcome) => outcome.pushAccountId === card.pushAccountId && outcome.receipt),
        })),
      });
      const uri = answer.pushMethods.find((method) => method.type === input.pushMethod)?.uri;
      const redirect: Redirect | undefined =
        uri && answer.cards.some((outcome) => outcome.receipt)
          ? {
              pushMethod: input.pushMethod,
              url: withParameters(uri, answer.redirectParameters),
              expiresAt: expiresAt.toISOString(),
            }
          : undefined;
      return { cards: answer.cards, ...(redirect && { redirect }) };
    },
  };
}

/** The account holder data the token requestor takes, from the customer's profile. */
async function accountHolder(pool: Pool, customerId: string, supported: string[]): Promise<AccountHolder> {
  const profile = await customerProfileOf(pool, customerId);
  return {
    name: supported.includes('NAME'),
    ...(supported.includes('ADDRESS') && profile?.billingAddress && { address: profile.billingAddress }),
    ...(supported.includes('EMAIL_ADDRESS') && profile?.emailAddress && { email: profile.emailAddress }),
    ...(supported.includes('MOBILE_PHONE_NUMBER') &&
      profile?.mobilePhoneNumber && { phone: profile.mobilePhoneNumber }),
  };
}

function withParameters(uri: string, parameters: Record<string, string>): string {
  const url = new URL(uri);
  for (const [name, value] of Object.entries(parameters)) url.searchParams.set(name, value);
  return url.toString();
}
