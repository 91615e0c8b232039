/**
 * What a wallet tells the network of a tokenisation, and the network passes on to the issuer with
 * authorizeService: where it got the card, the token's type, its recommendation and its scores (1 riskiest
 * to 5), the tokens the card already has. Each network words it its own way (issuer-calls.ts); a wallet that
 * says nothing is the sandbox's usual confident one (APPROVED, 5, 5), unless `silent` says it gives nothing.
 */
import { z } from 'zod';
import { issuerDecision, panSource, tokenType } from '../../activities/networks/message-fields.js';

const score = z.int().min(1).max(5);

export const WalletAssessment = z.strictObject({
  source: panSource.optional(),
  tokenType: tokenType.optional(),
  recommendation: issuerDecision.optional(),
  accountScore: score.optional(),
  deviceScore: score.optional(),
  activeTokenCount: z.int().min(0).max(1_000).optional(),
  /** The wallet gives no recommendation and no score at all. */
  silent: z.boolean().optional(),
});
export type WalletAssessment = z.infer<typeof WalletAssessment>;

/** The recommendation and scores the network passes on: the wallet's, or the usual confident defaults. */
export function walletView(
  assessment: WalletAssessment = {},
): { recommendation: z.infer<typeof issuerDecision>; accountScore: string; deviceScore: string } | undefined {
  if (assessment.silent) return undefined;
  return {
    recommendation: assessment.recommendation ?? 'APPROVED',
    accountScore: String(assessment.accountScore ?? 5),
    deviceScore: String(assessment.deviceScore ?? 5),
  };
}
