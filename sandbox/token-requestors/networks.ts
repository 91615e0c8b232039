/**
 * The token requestors' side of the networks: each receipt goes to the network that issued it (known by
 * its prefix), which says how to sign, where to ask, and how to read its answers (sandbox/mdes,
 * sandbox/vts). A call goes over HTTP like any other client's.
 */
import { randomUUID } from 'node:crypto';
import { mdesSandboxNetwork } from '../mdes/mdes-sandbox-network.js';
import type { Ledger } from '../network/ledger.js';
import { issuedBy, type SandboxNetwork } from '../network/sandbox-network.js';
import { vtsSandboxNetwork } from '../vts/vts-sandbox-network.js';
import type { TokenRequestorProfile } from './catalogue.js';
import type { TokenRequestorCredentials } from './credentials.js';
import type { NetworkCall, RedirectClaims, TokenisationOutcome, TokenRequestorNetworkCalls } from './network-calls.js';

export const sandboxNetworks: readonly SandboxNetwork[] = [mdesSandboxNetwork, vtsSandboxNetwork];

/** The receipts any network issues: its prefix, a dash, a UUID. */
export const pushReceiptPattern = new RegExp(
  `^(${sandboxNetworks.flatMap((network) => network.receiptPrefixes).join('|')})-[0-9a-f-]{36}$`,
);

export interface NetworksOptions {
  credentials: ReadonlyMap<string, TokenRequestorCredentials>;
  ledger: Ledger;
  mdesBaseUrl: () => string;
  vtsBaseUrl: () => string;
}

/** A network as a token requestor reaches it: how to call it, and where. */
export interface NetworkReach {
  network: SandboxNetwork;
  calls: TokenRequestorNetworkCalls;
  baseUrl: () => string;
}

/** Each network as one token requestor sandbox reaches it (its calls keep their own caches). */
export function reachNetworks(baseUrls: { mdesBaseUrl: () => string; vtsBaseUrl: () => string }): NetworkReach[] {
  const byId = { mdes: baseUrls.mdesBaseUrl, vts: baseUrls.vtsBaseUrl };
  return sandboxNetworks.map((network) => ({
    network,
    calls: network.tokenRequestorCalls(),
    baseUrl: byId[network.id],
  }));
}

/** A JSON call from a token requestor to a network, signed with the token requestor's own credentials. */
export async function postAsTokenRequestor(
  credentials: TokenRequestorCredentials,
  { calls, baseUrl }: Pick<NetworkReach, 'calls' | 'baseUrl'>,
  call: NetworkCall,
  timeoutMs: number,
): Promise<{ status: number; answer: unknown }> {
  const text = JSON.stringify(call.body);
  const signed = calls.sign(credentials, `${baseUrl()}${call.path}`, text);
  const response = await fetch(signed.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signed.headers },
    body: text,
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: response.status, answer: await response.json() };
}

export function tokenRequestorNetworks(options: NetworksOptions) {
  const reached = reachNetworks(options);
  const networkOf = (receipt: string) => reached.find(({ network }) => issuedBy(network, receipt))!;

  const post = (
    profile: TokenRequestorProfile,
    reach: NetworkReach,
    call: NetworkCall,
    timeoutMs: number,
  ): Promise<{ status: number; answer: unknown }> => {
    const credentials = options.credentials.get(profile.tokenRequestorId);
    if (!credentials) throw new Error(`No network credentials for token requestor ${profile.tokenRequestorId}`);
    return postAsTokenRequestor(credentials, reach, call, timeoutMs);
  };

  /** The card behind a receipt as its network describes it (MDES checkEligibility, VTS inquiry). */
  async function describeReceipt(
    profile: TokenRequestorProfile,
    receipt: string,
  ): Promise<{ usable: boolean; text: string }> {
    const reach = networkOf(receipt);
    const call = reach.calls.receiptInquiry({
      tokenRequestorId: profile.tokenRequestorId,
      receipt,
      requestId: randomUUID(),
    });
    try {
      const { status, answer } = await post(profile, reach, call, 10_000);
      const card = reach.calls.readInquiry(status, answer);
      if ('refusal' in card) return { usable: false, text: `A card that cannot be added: ${card.refusal}` };
      return {
        usable: true,
        text: `${reach.network.brand} •••• ${card.last4}, expires ${card.expiry.month}/${card.expiry.year.slice(-2)}`,
      };
    } catch (error) {
      return {
        usable: false,
        text: `The card network did not answer (${error instanceof Error ? error.message : String(error)})`,
      };
    }
  }

  async function tokenise(profile: TokenRequestorProfile, receipt: string): Promise<TokenisationOutcome> {
    const reach = networkOf(receipt);
    const requestId = randomUUID();
    const call = reach.calls.tokenize({ tokenRequestorId: profile.tokenRequestorId, receipt, requestId });
    const network = reach.network.id;
    options.ledger.append('tokenize.requested', {
      tokenRequestorId: profile.tokenRequestorId,
      network,
      requestId,
      pushAccountReceipt: receipt,
    });
    let outcome: TokenisationOutcome;
    try {
      const { status, answer } = await post(profile, reach, call, 30_000);
      outcome = reach.calls.readTokenisation(receipt, status, answer);
    } catch (error) {
      outcome = {
        pushAccountReceipt: receipt,
        status: 'NETWORK_ERROR',
        reason: error instanceof Error ? error.message : String(error),
      };
    }
    options.ledger.append('tokenize.result', {
      tokenRequestorId: profile.tokenRequestorId,
      network,
      requestId,
      ...outcome,
    });
    return outcome;
  }

  /** Undefined when the redirect is authentic (each network vouching for its receipts); otherwise why not. */
  async function checkRedirect(redirect: RedirectClaims): Promise<string | undefined> {
    for (const { network, calls, baseUrl } of reached) {
      const receipts = redirect.pushAccountReceipts.filter((receipt) => issuedBy(network, receipt));
      if (receipts.length === 0) continue;
      const problem = await calls.checkRedirect(redirect, receipts, baseUrl());
      if (problem) return problem;
    }
    return undefined;
  }

  return { describeReceipt, tokenise, checkRedirect };
}
