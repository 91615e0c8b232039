/** A network's refusal of a token lifecycle call, read from its typed failure by the network's own codes. */
import { ApplicationFailure } from '@temporalio/common';
import { TokenLifecycleRefused } from '../../domain/token-lifecycle.js';

/** The refusal the failure's reason code stands for in this network's codes; undefined for any other failure. */
export function lifecycleRefusalOf(
  error: unknown,
  codes: Record<TokenLifecycleRefused['reason'], string>,
): TokenLifecycleRefused | undefined {
  if (!(error instanceof ApplicationFailure)) return undefined;
  const reasonCode = (error.details?.[0] as { reasonCode?: string } | undefined)?.reasonCode;
  const reason = (Object.keys(codes) as TokenLifecycleRefused['reason'][]).find((key) => codes[key] === reasonCode);
  return reason && new TokenLifecycleRefused(reason, error.message);
}
