/**
 * The token requestors (wallets and a merchant): they receive the consumer's redirect from the issuer
 * with the push receipts (a real web page for WEB, and the same page stands in for the ANDROID / IOS
 * apps), check the network's signature over them, and tokenise with the network over HTTP when the
 * consumer confirms; then they send the consumer back to the issuer's callback URL.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { compactVerify, createLocalJWKSet, type JSONWebKeySet } from 'jose';
import { z } from 'zod';
import type { Knobs } from '../knobs.js';
import type { Ledger } from '../network/ledger.js';
import { createSandboxApp } from '../network/sandbox-app.js';
import { mdesPaths } from '../mdes/server.js';
import { vtsPaths } from '../vts/server.js';
import { mdesAuthorizationHeader } from '../../activities/networks/mdes/oauth1.js';
import { holdsCardNumber, maskCardNumbersIn, maskedUrl } from '../../domain/caller-text.js';
import { xPayToken } from '../../activities/networks/vts/x-pay-token.js';
import { findTokenRequestor, type TokenRequestorProfile } from './catalogue.js';
import type { TokenRequestorCredentials } from './credentials.js';
import { logoOf } from './logos.js';
import { escapeHtml, page } from './pages.js';

export interface TokenRequestorSandboxOptions {
  /** Each token requestor's own credentials with the networks: it signs its calls with them. */
  credentials: ReadonlyMap<string, TokenRequestorCredentials>;
  ledger: Ledger;
  knobs: { current: Knobs };
  mdesBaseUrl: () => string;
  vtsBaseUrl: () => string;
}

const Redirect = z.object({
  pushAccountReceipts: z
    .string()
    .min(1, 'pushAccountReceipts is missing')
    .transform((value) => value.split(','))
    .pipe(z.array(z.string().regex(/^(MCC|DMC|MSI|PVL|VTS)-[0-9a-f-]{36}$/, 'not a push account receipt')).max(5)),
  // Only http(s): the page links back to it.
  callbackURL: z.url({ protocol: /^https?$/ }).optional(),
  /** MDES's JWS over the receipts and signature data; Visa pushes carry none. */
  signature: z.string().optional(),
  completeWebsiteActivation: z.string().optional(),
  accountHolderDataSupplied: z.string().optional(),
  locale: z.string().optional(),
});
type Redirect = z.infer<typeof Redirect>;

export interface TokenisationOutcome {
  pushAccountReceipt: string;
  status: 'ACTIVE' | 'DECLINED' | 'PENDING' | 'REFUSED' | 'NETWORK_ERROR';
  maskedCard?: string;
  tokenUniqueReference?: string;
  reason?: string;
}

const networkOf = (receipt: string): 'mdes' | 'vts' => (receipt.startsWith('VTS-') ? 'vts' : 'mdes');

export function createTokenRequestorSandbox(options: TokenRequestorSandboxOptions) {
  const { ledger, knobs } = options;
  const { app } = createSandboxApp({
    ledger,
    knobs,
    gatewayError: (status, reason, description) => ({ status, title: reason, detail: description }),
  });

  app.addHook('onSend', async (_request, reply) => {
    reply.header(
      'content-security-policy',
      "default-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; form-action *",
    );
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
  });

  const profileOf = (request: FastifyRequest, reply: FastifyReply): TokenRequestorProfile | undefined => {
    const profile = findTokenRequestor((request.params as { tokenRequestorId: string }).tokenRequestorId);
    if (!profile)
      void reply.code(404).type('text/html; charset=utf-8').send(page('Not found', '<p>No such token requestor.</p>'));
    return profile;
  };

  app.get('/tr/:tokenRequestorId/logo.svg', (request, reply) => {
    const profile = profileOf(request, reply);
    if (!profile) return reply;
    return reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(logoOf(profile).svg);
  });

  /** The consumer arrives from the issuer's app or site. */
  app.get('/tr/:tokenRequestorId/push/:platform', async (request, reply) => {
    const profile = profileOf(request, reply);
    if (!profile) return reply;
    // The catalogue's spelling, not the caller's: it goes into the ledger.
    const requested = (request.params as { platform: string }).platform.toLowerCase();
    const platform = profile.supportedPushMethods.find((method) => method.toLowerCase() === requested);
    if (!platform) {
      return reply
        .code(404)
        .type('text/html; charset=utf-8')
        .send(page('Not found', `<p>${escapeHtml(profile.name)} takes no pushed cards on this platform.</p>`));
    }
    const redirect = Redirect.safeParse(request.query);
    if (!redirect.success) {
      const problem = redirect.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
      return reply
        .code(400)
        .type('text/html; charset=utf-8')
        .send(page('This link is not valid', `<p>${escapeHtml(maskCardNumbersIn(problem))}</p>`));
    }
    const checked = await checkSignature(redirect.data);
    ledger.append('redirect.received', {
      tokenRequestorId: profile.tokenRequestorId,
      platform,
      pushAccountReceipts: redirect.data.pushAccountReceipts,
      signature: checked ?? 'valid',
    });
    if (checked) {
      return reply
        .code(400)
        .type('text/html; charset=utf-8')
        .send(page('This link is not valid', `<p>${escapeHtml(maskCardNumbersIn(checked))}</p>`));
    }
    const fields = Object.entries({
      pushAccountReceipts: redirect.data.pushAccountReceipts.join(','),
      callbackURL: redirect.data.callbackURL && shownUrl(redirect.data.callbackURL),
    })
      .filter((field): field is [string, string] => field[1] !== undefined)
      .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
      .join('');
    // What the network says of each card: the token requestor learns the card from it, not from the bank.
    const cards = await Promise.all(
      redirect.data.pushAccountReceipts.map((receipt) => describeReceipt(profile, receipt)),
    );
    const usable = cards.filter((card) => card.usable);
    const count = usable.length;
    const list = `<ul>${cards.map((card) => `<li>${escapeHtml(maskCardNumbersIn(card.text))}</li>`).join('')}</ul>`;
    return reply.type('text/html; charset=utf-8').send(
      page(
        `Add your card to ${profile.consumerFacingEntityName}`,
        `<img src="/tr/${profile.tokenRequestorId}/logo.svg" alt="${escapeHtml(profile.name)} logo" width="96" height="96">
         <p>Your bank is sending ${cards.length === 1 ? 'a card' : `${cards.length} cards`} to ${escapeHtml(profile.name)}:</p>
         ${list}
         ${
           count > 0
             ? `<form method="post" action="/tr/${profile.tokenRequestorId}/complete">${fields}
                  <button type="submit">Add ${count === 1 ? 'card' : 'cards'}</button>
                </form>`
             : '<p>Nothing can be added from this link: ask your bank to send the card again.</p>'
         }`,
      ),
    );
  });

  /** The consumer confirms: tokenise each receipt with its network. */
  app.post('/tr/:tokenRequestorId/complete', async (request, reply) => {
    const profile = profileOf(request, reply);
    if (!profile) return reply;
    const wantsJson = request.headers['content-type']?.startsWith('application/json') === true;
    const redirect = Redirect.safeParse(request.body ?? {});
    if (!redirect.success) {
      const problem = redirect.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
      return wantsJson
        ? reply.code(400).send({ title: 'Invalid request', status: 400, detail: maskCardNumbersIn(problem) })
        : reply
            .code(400)
            .type('text/html; charset=utf-8')
            .send(page('This request is not valid', `<p>${escapeHtml(maskCardNumbersIn(problem))}</p>`));
    }
    const outcomes = knobs.current.tokenRequestors.neverComplete.includes(profile.tokenRequestorId)
      ? redirect.data.pushAccountReceipts.map((receipt): TokenisationOutcome => {
          ledger.append('tokenize.withheld', {
            tokenRequestorId: profile.tokenRequestorId,
            pushAccountReceipt: receipt,
          });
          return {
            pushAccountReceipt: receipt,
            status: 'PENDING',
            reason: 'The token requestor never completes (sandbox knob)',
          };
        })
      : await Promise.all(redirect.data.pushAccountReceipts.map((receipt) => tokenise(profile, receipt)));
    if (wantsJson) return { tokenRequestorId: profile.tokenRequestorId, outcomes };
    const back = redirect.data.callbackURL ? shownUrl(withStatus(redirect.data.callbackURL, outcomes)) : undefined;
    return reply
      .type('text/html; charset=utf-8')
      .send(
        page(
          outcomes.every((outcome) => outcome.status === 'ACTIVE')
            ? `Added to ${profile.consumerFacingEntityName}`
            : 'Not everything was added',
          `<ul>${outcomes
            .map(
              (outcome) =>
                `<li>${escapeHtml(outcome.maskedCard ?? 'Card')}: ${escapeHtml(outcome.status)}${outcome.reason ? ` (${escapeHtml(maskCardNumbersIn(outcome.reason))})` : ''}</li>`,
            )
            .join('')}</ul>${back ? `<p><a href="${escapeHtml(back)}">Back to your bank</a></p>` : ''}`,
        ),
      );
  });

  /** How this token requestor signs a call to a network: OAuth 1.0a for MDES, apikey and x-pay-token for VTS. */
  function signer(profile: TokenRequestorProfile, network: 'mdes' | 'vts'): RequestSigner {
    const credentials = options.credentials.get(profile.tokenRequestorId);
    if (!credentials) throw new Error(`No network credentials for token requestor ${profile.tokenRequestorId}`);
    if (network === 'mdes') {
      return (url, body) => ({
        url,
        headers: { authorization: mdesAuthorizationHeader(url, 'POST', body, credentials.mdes) },
      });
    }
    return (url, body) => {
      const signed = new URL(url);
      signed.searchParams.set('apikey', credentials.vts.apiKey);
      const token = xPayToken(credentials.vts.sharedSecret, {
        resourcePath: signed.pathname.slice(1),
        queryString: signed.search.slice(1),
        body,
      });
      return { url: signed.toString(), headers: { 'x-pay-token': token } };
    };
  }

  /** The card behind a receipt as its network describes it (MDES checkEligibility, VTS inquiry). */
  async function describeReceipt(
    profile: TokenRequestorProfile,
    receipt: string,
  ): Promise<{ usable: boolean; text: string }> {
    const network = networkOf(receipt);
    const [url, body] =
      network === 'mdes'
        ? [
            `${options.mdesBaseUrl()}${mdesPaths.checkEligibility}`,
            {
              requestId: randomUUID(),
              tokenRequestorId: profile.tokenRequestorId,
              fundingAccountInfo: { pushAccountReceipt: receipt },
            },
          ]
        : [
            `${options.vtsBaseUrl()}${vtsPaths.pushReceiptInquiry}`,
            { tokenRequestorID: profile.tokenRequestorId, pushReceipt: receipt },
          ];
    try {
      const { response, answer } = await postToNetwork(signer(profile, network), url, body, 10_000);
      const refusal =
        (answer.errors as { description: string }[] | undefined)?.[0]?.description ??
        (answer.errorResponse as { message: string } | undefined)?.message;
      if (!response.ok || refusal)
        return { usable: false, text: `A card that cannot be added: ${refusal ?? `HTTP ${response.status}`}` };
      const [last4, expiry] =
        network === 'mdes'
          ? [answer.accountPanSuffix as string, answer.accountExpiry as { month: string; year: string }]
          : [
              (answer.paymentInstrument as { last4: string }).last4,
              (answer.paymentInstrument as { expirationDate: { month: string; year: string } }).expirationDate,
            ];
      const brand = network === 'mdes' ? 'Mastercard' : 'Visa';
      return { usable: true, text: `${brand} •••• ${last4}, expires ${expiry.month}/${expiry.year.slice(-2)}` };
    } catch (error) {
      return {
        usable: false,
        text: `The card network did not answer (${error instanceof Error ? error.message : String(error)})`,
      };
    }
  }

  async function tokenise(profile: TokenRequestorProfile, receipt: string): Promise<TokenisationOutcome> {
    const network = networkOf(receipt);
    const requestId = randomUUID();
    const [url, body] =
      network === 'mdes'
        ? [
            `${options.mdesBaseUrl()}${mdesPaths.tokenize}`,
            {
              requestId,
              tokenRequestorId: profile.tokenRequestorId,
              tokenType: 'CLOUD',
              fundingAccountInfo: { pushAccountReceipt: receipt },
            },
          ]
        : [
            `${options.vtsBaseUrl()}${vtsPaths.provisionedTokens}`,
            { clientReferenceID: requestId, tokenRequestorID: profile.tokenRequestorId, pushReceipt: receipt },
          ];
    ledger.append('tokenize.requested', {
      tokenRequestorId: profile.tokenRequestorId,
      network,
      requestId,
      pushAccountReceipt: receipt,
    });
    let outcome: TokenisationOutcome;
    try {
      const { response, answer } = await postToNetwork(signer(profile, network), url, body, 30_000);
      outcome = readTokenisation(network, receipt, response.status, answer);
    } catch (error) {
      outcome = {
        pushAccountReceipt: receipt,
        status: 'NETWORK_ERROR',
        reason: error instanceof Error ? error.message : String(error),
      };
    }
    ledger.append('tokenize.result', { tokenRequestorId: profile.tokenRequestorId, network, requestId, ...outcome });
    return outcome;
  }

  let mdesKeys: { jwks: JSONWebKeySet; fetchedAt: number } | undefined;
  /** Undefined when the redirect is authentic; otherwise why not. */
  async function checkSignature(redirect: Redirect): Promise<string | undefined> {
    if (redirect.pushAccountReceipts.every((receipt) => networkOf(receipt) === 'vts')) return undefined;
    if (!redirect.signature) return 'The redirect carries no signature from Mastercard';
    try {
      if (!mdesKeys || Date.now() - mdesKeys.fetchedAt > 60_000) {
        const response = await fetch(`${options.mdesBaseUrl()}/sandbox/jwks.json`, {
          signal: AbortSignal.timeout(5_000),
        });
        mdesKeys = { jwks: (await response.json()) as JSONWebKeySet, fetchedAt: Date.now() };
      }
      const { payload } = await compactVerify(redirect.signature, createLocalJWKSet(mdesKeys.jwks), {
        algorithms: ['RS256'],
      });
      const signed = JSON.parse(new TextDecoder().decode(payload)) as {
        pushAccountReceipts?: string[];
        callbackURL?: string | null;
      };
      const receipts = redirect.pushAccountReceipts.filter((receipt) => networkOf(receipt) === 'mdes');
      if (!receipts.every((receipt) => signed.pushAccountReceipts?.includes(receipt))) {
        return 'The receipts are not the ones Mastercard signed';
      }
      if ((signed.callbackURL ?? undefined) !== redirect.callbackURL)
        return 'The callback URL is not the one Mastercard signed';
      return undefined;
    } catch {
      return "Mastercard's signature over the receipts does not verify";
    }
  }

  return { app };
}

/** A JSON call from the token requestor to a network, over HTTP like any other client's. */
type RequestSigner = (url: string, body: string) => { url: string; headers: Record<string, string> };

async function postToNetwork(
  sign: RequestSigner,
  url: string,
  body: object,
  timeoutMs: number,
): Promise<{ response: Response; answer: Record<string, unknown> }> {
  const text = JSON.stringify(body);
  const signed = sign(url, text);
  const response = await fetch(signed.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signed.headers },
    body: text,
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { response, answer: (await response.json()) as Record<string, unknown> };
}

function readTokenisation(
  network: 'mdes' | 'vts',
  receipt: string,
  status: number,
  body: Record<string, unknown>,
): TokenisationOutcome {
  if (network === 'mdes') {
    const errors = body.errors as { reasonCode: string; description: string }[] | undefined;
    if (status !== 200 || errors) {
      return {
        pushAccountReceipt: receipt,
        status: 'REFUSED',
        reason: errors?.[0] ? `${errors[0].reasonCode}: ${errors[0].description}` : `HTTP ${status}`,
      };
    }
    const info = body.tokenInfo as { accountPanSuffix: string };
    return {
      pushAccountReceipt: receipt,
      status: body.decision === 'APPROVED' ? 'ACTIVE' : 'DECLINED',
      maskedCard: `Mastercard •••• ${info.accountPanSuffix}`,
      ...(typeof body.tokenUniqueReference === 'string' && { tokenUniqueReference: body.tokenUniqueReference }),
      ...(typeof body.decisionReason === 'string' && { reason: body.decisionReason }),
    };
  }
  const error = body.errorResponse as { reason: string; message: string } | undefined;
  if (status !== 200 || error) {
    return {
      pushAccountReceipt: receipt,
      status: 'REFUSED',
      reason: error ? `${error.reason}: ${error.message}` : `HTTP ${status}`,
    };
  }
  const instrument = body.paymentInstrument as { last4: string };
  return {
    pushAccountReceipt: receipt,
    status: body.decision === 'APPROVED' ? 'ACTIVE' : 'DECLINED',
    maskedCard: `Visa •••• ${instrument.last4}`,
    ...(typeof body.vProvisionedTokenID === 'string' && { tokenUniqueReference: body.vProvisionedTokenID }),
    ...(typeof body.decisionReason === 'string' && { reason: body.decisionReason }),
  };
}

/**
 * The issuer's callback URL as a page may show it and link to it: as sent when it holds no card number,
 * however written (its escapes decoded); otherwise decoded and masked, like a URL in a log.
 */
function shownUrl(url: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(url);
  } catch {
    decoded = url.replace(/%([0-9a-fA-F]{2})/g, (_escape, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
  return holdsCardNumber(url) || holdsCardNumber(decoded) ? maskedUrl(url) : url;
}

/** The issuer's callback URL with the outcome, so its page can say what happened. */
function withStatus(callbackUrl: string, outcomes: TokenisationOutcome[]): string {
  const url = new URL(callbackUrl);
  url.searchParams.set(
    'status',
    outcomes.every((outcome) => outcome.status === 'ACTIVE')
      ? 'COMPLETED'
      : outcomes.map((outcome) => outcome.status).join(','),
  );
  return url.toString();
}
