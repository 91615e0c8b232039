/**
 * What a network does when a token requestor tokenises a card it names by itself, with no receipt (a
 * wallet's, given the card by the issuer's app): check the card (Luhn, expiry, the network's ranges, the
 * token requestor's, the decline knobs), ask the issuer (`authorizeService` with the card encrypted for the
 * issuer and the token being created), create the token ACTIVE when approved (INACTIVE, to be activated,
 * when the token requestor's risk asks for a step-up) (unless the tokenisation
 * decline knob says no) and tell the issuer (`notifyTokenUpdated` naming the token, no receipt). A requestId
 * is answered once: asked again for the same card, the same answer; for another card, a refusal. The
 * network keeps the card masked only.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { tokenRequestorId } from '../../activities/networks/message-fields.js';
import { WalletAssessment } from './wallet-assessment.js';
import { findTokenRequestor } from '../token-requestors/catalogue.js';
import { checkPushedCard } from './card-checks.js';
import { maskPan, type ShownAccount } from './network-state.js';
import {
  concludeTokenisation,
  refused,
  type CardAccount,
  type TokenisationDeps,
  type TokenisationResult,
} from './tokenization.js';

/** A tokenisation of a card named by itself, as a wallet server asks it of a network (either). */
export const AccountTokenisationRequest = z.object({
  requestId: z.string().min(1).max(64),
  tokenRequestorId,
  account: z.object({
    accountNumber: z.string().regex(/^\d{12,19}$/, 'an account number is 12-19 digits'),
    expiryMonth: z.int().min(1).max(12),
    expiryYear: z.int().min(2000).max(2099),
  }),
  /** The token requestor's own risk asks the cardholder to activate the token (the yellow path). */
  stepUp: z.boolean().optional(),
  /** What the network passes on to the issuer of the wallet's view; a wallet that says nothing: defaults. */
  assessment: WalletAssessment.optional(),
});
export type AccountTokenisationRequest = z.infer<typeof AccountTokenisationRequest>;

export async function tokeniseWithAccount(
  deps: TokenisationDeps,
  request: AccountTokenisationRequest,
  now: Date = new Date(),
): Promise<TokenisationResult> {
  const parsed = AccountTokenisationRequest.safeParse(request);
  if (!parsed.success) {
    // The issue's path names the field; its words quote nothing sent.
    const field = parsed.error.issues[0]?.path.map(String).join('.') ?? 'request';
    return refused('ACCOUNT_INVALID', `${field} is not valid`);
  }
  // A retry sent while the first is still being handled waits for it, then gets its answer.
  return deps.state.oneAtATime(`tokenize:${parsed.data.requestId}`, () => tokeniseOnce(deps, parsed.data, now));
}

async function tokeniseOnce(
  deps: TokenisationDeps,
  request: AccountTokenisationRequest,
  now: Date,
): Promise<TokenisationResult> {
  const account = shownAccount(request.account, request.tokenRequestorId);
  const earlier = deps.state.accountTokenisationOf(request.requestId);
  if (earlier) {
    if (sameAccount(earlier.account, account)) return earlier.response as TokenisationResult;
    return refused('REQUEST_ID_REUSED', `requestId ${request.requestId} was already used for another tokenisation`);
  }
  const problem = cardProblem(deps, request, now);
  if (problem) return problem;

  const references = deps.network.newTokenReferences();
  const authorization = await deps.callbacks.authorizeService(
    await deps.accountAuthorizationRequest(
      {
        account: request.account,
        tokenRequestorId: request.tokenRequestorId,
        token: references,
        ...(request.assessment && { assessment: request.assessment }),
      },
      { correlationId: randomBytes(16).toString('hex'), requestId: request.requestId },
    ),
  );
  return concludeTokenisation(
    deps,
    { requestId: request.requestId, authorization, references, account, ...(request.stepUp && { stepUp: true }) },
    now,
  );
}

/** Why the network will not tokenise this card for this token requestor, before asking the issuer. */
function cardProblem(
  deps: TokenisationDeps,
  request: AccountTokenisationRequest,
  now: Date,
): TokenisationResult | undefined {
  const profile = findTokenRequestor(request.tokenRequestorId);
  if (!profile) return refused('UNKNOWN_TOKEN_REQUESTOR', `tokenRequestorId ${request.tokenRequestorId} is not known`);
  const { accountNumber: pan, expiryMonth, expiryYear } = request.account;
  const refusal = checkPushedCard(deps.network, { pan, expiryMonth, expiryYear }, profile, deps.knobs.current, now);
  if (refusal?.kind === 'invalid') return refused('ACCOUNT_INVALID', `${refusal.field}: ${refusal.description}`);
  if (refusal) return refused('ACCOUNT_INELIGIBLE', refusal.description);
  return undefined;
}

/** The card as the network keeps it: masked, with its expiry as MM and YY. */
function shownAccount(card: CardAccount, tokenRequestorId: string): ShownAccount {
  return {
    tokenRequestorId,
    maskedPan: maskPan(card.accountNumber),
    panSuffix: card.accountNumber.slice(-4),
    expiryMonth: String(card.expiryMonth).padStart(2, '0'),
    expiryYear: String(card.expiryYear % 100).padStart(2, '0'),
  };
}

/** Whether a repeated requestId names the same card (as far as the masked card tells) for the same token requestor. */
function sameAccount(kept: ShownAccount, asked: ShownAccount): boolean {
  return (['tokenRequestorId', 'maskedPan', 'expiryMonth', 'expiryYear'] as const).every(
    (field) => kept[field] === asked[field],
  );
}
