/**
 * The VTS-style sandbox: issuer push provisioning with `x-pay-token` request authentication and an
 * `apikey`, `encPaymentInstrument` as a JWE (shared-secret A256GCMKW or RSA-OAEP-256), Visa's error
 * envelope, the tokenisation a token requestor asks for with a push receipt, and Visa's notifications
 * to the issuer: a JWS (PS256, cty JWE) around a JWE encrypted with the issuer's shared secret.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CompactSign } from 'jose';
import { z } from 'zod';
import { vtsRsaJwe, vtsSharedSecretJwe } from '../../activities/crypto/encryption/profiles.js';
import { visaError as visaErrorResponse } from '../../activities/networks/vts/schemas.js';
import { verifyXPayToken } from '../../activities/networks/vts/x-pay-token.js';
import { CryptoFailure } from '../../domain/crypto-failure.js';
import { proofAudiences } from '../keys.js';
import { checkPushedCard } from '../network/card-checks.js';
import { IssuerCallbacks, type CallbackTransport } from '../network/issuer-callbacks.js';
import { IssuerProofVerifier } from '../network/issuer-proofs.js';
import { maskPan, NetworkState, type PushedAccount, type Token } from '../network/network-state.js';
import { createSandboxApp, type NetworkSandboxOptions, type GatewayReason } from '../network/sandbox-app.js';
import { registerScenarioRoutes } from '../network/scenario-routes.js';
import {
  checkReceipt,
  tokeniseWithReceipt,
  type TokenisationDeps,
  type TokenisationRefusal,
} from '../network/tokenization.js';
import {
  availablePushMethods,
  findTokenRequestor,
  tokenRequestors,
  type TokenRequestorProfile,
} from '../token-requestors/catalogue.js';

export type VtsSandboxOptions = NetworkSandboxOptions;

export const vtsPaths = {
  tokenRequestors: '/vts/v1/tokenRequestors',
  pushProvisionedCards: '/vts/v1/pushProvisionedCards',
  provisionedTokens: '/vts/v1/provisionedTokens',
  pushReceiptInquiry: '/vts/v1/pushReceipts/inquiry',
} as const;

const gatewayReasons: Record<GatewayReason, string> = {
  SERVICE_UNAVAILABLE: 'serviceUnavailable',
  RATE_LIMITED: 'rateLimitExceeded',
  BAD_REQUEST: 'invalidParameter',
  NOT_FOUND: 'notFound',
  UNAUTHORIZED: 'unauthorized',
};

/** Visa's error envelope, its gateway reasons in Visa's words. */
export function visaError(status: number, reason: string, message: string, location?: string): object {
  return visaErrorResponse(status, gatewayReasons[reason as GatewayReason] ?? reason, message, location);
}

const refusalReasons: Record<TokenisationRefusal, string> = {
  UNKNOWN_RECEIPT: 'invalidPushReceipt',
  RECEIPT_EXPIRED: 'pushReceiptExpired',
  WRONG_TOKEN_REQUESTOR: 'invalidPushReceipt',
  RECEIPT_ALREADY_USED: 'pushReceiptAlreadyUsed',
};

const PushRequest = z.object({
  clientReferenceID: z.string().min(1).max(64),
  tokenRequestorID: z.string().regex(/^\d{11}$/, 'a token requestor id is 11 digits'),
  panSource: z.literal('ISSUER_PUSH_PROVISION'),
  receiptValidityMinutes: z.number().int().default(15),
  callbackURL: z
    .url({ protocol: /^https?$/ })
    .max(256)
    .optional(),
  cards: z
    .array(
      z.object({
        clientCardID: z.string().min(1).max(36),
        encPaymentInstrument: z.string().min(1),
        issuerAuthenticationProof: z.string().min(1),
      }),
    )
    .min(1)
    .max(5),
});

const PaymentInstrument = z.object({
  accountNumber: z.string().regex(/^\d{13,19}$/, 'an account number is 13-19 digits'),
  name: z.string().max(256).optional(),
  expirationDate: z.object({
    month: z.string().regex(/^(0[1-9]|1[0-2])$/, 'month is MM'),
    year: z.string().regex(/^\d{4}$/, 'year is YYYY'),
  }),
  billingAddress: z.looseObject({}).optional(),
  provider: z.object({
    intent: z.enum(['PUSH_PROV_ONFILE', 'PUSH_PROV_MOBILE', 'PUSH_PROV_WEB']),
    clientWalletProvider: z.string().min(1),
    clientWalletAccountID: z.string().min(1).optional(),
    clientDeviceID: z.string().min(1).optional(),
    clientAppID: z.string().min(1),
  }),
});

const ProvisionRequest = z.object({
  clientReferenceID: z.string().min(1).max(64),
  tokenRequestorID: z.string().regex(/^\d{11}$/),
  pushReceipt: z.string().min(1).max(64),
});

function parameterError(error: z.ZodError, prefix = ''): object {
  const issue = error.issues[0]!;
  const location = prefix + issue.path.map(String).join('.');
  return visaError(400, 'invalidParameter', `${location || 'body'}: ${issue.message}`, location || 'body');
}

function profileOf(jwe: string): 'vts-rsa-jwe' | 'vts-shared-secret-jwe' {
  try {
    const { alg } = JSON.parse(Buffer.from(jwe.split('.')[0] ?? '', 'base64url').toString()) as { alg?: unknown };
    return alg === 'RSA-OAEP-256' ? 'vts-rsa-jwe' : 'vts-shared-secret-jwe';
  } catch {
    return 'vts-shared-secret-jwe';
  }
}

export function createVtsSandbox(options: VtsSandboxOptions) {
  const { keys, ledger, knobs } = options;
  const { app } = createSandboxApp({
    ledger,
    knobs,
    gatewayError: (status, reason, message) => visaError(status, reason, message),
  });
  const state = new NetworkState(ledger);
  const proofs = new IssuerProofVerifier({
    jwksUrl: options.issuerJwksUrl,
    issuer: keys.issuerId,
    audience: proofAudiences.vts,
  });
  const issuerParty = { apiKey: keys.vts.issuerApiKey, sharedSecret: keys.vts.issuerSharedSecret };

  const transport: CallbackTransport = {
    url: (name) => `${options.issuerCallbackBaseUrl()}/${name}`,
    async send(name, payload, signal) {
      // Visa's notifications: the JSON encrypted for the issuer (shared secret), then signed by Visa.
      const jwe = await vtsSharedSecretJwe.encrypt(payload, issuerParty);
      const jws = await new CompactSign(new TextEncoder().encode(jwe))
        .setProtectedHeader({
          alg: 'PS256',
          kid: keys.vts.signing.kid,
          cty: 'JWE',
          typ: 'JOSE',
          iat: Math.floor(Date.now() / 1000),
        })
        .sign(keys.vts.signing.privateKey);
      const response = await fetch(transport.url(name), {
        method: 'POST',
        headers: { 'content-type': 'application/jose', 'x-request-id': randomUUID() },
        body: jws,
        signal,
      });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        // not JSON: kept as text for the ledger
      }
      return { status: response.status, body };
    },
  };
  const callbacks = new IssuerCallbacks(ledger, knobs, transport);
  const tokenisation: TokenisationDeps = {
    network: 'vts',
    state,
    knobs,
    callbacks,
    authorizationRequest: (account, { correlationId, requestId }) => ({
      correlationId,
      eventType: 'PROVISIONING_DECISION',
      clientReferenceID: requestId,
      tokenRequestorID: account.tokenRequestorId,
      pushReceipt: account.receipt,
      clientCardID: account.pushAccountId,
      tokenType: 'CLOUD',
      paymentInstrument: { last4: account.panSuffix },
      riskInformation: { walletProviderRiskAssessment: 'LOW', deviceScore: '5', accountScore: '5' },
    }),
    tokenNotification: (token: Token) => ({
      eventType: 'TOKEN_STATUS_UPDATED',
      vProvisionedTokenID: token.tokenUniqueReference,
      paymentAccountReference: token.panUniqueReference,
      tokenRequestorID: token.tokenRequestorId,
      pushReceipt: token.receipt,
      tokenStatus: token.status,
      statusTimestamp: token.statusTimestamp,
    }),
  };

  /**
   * The apikey and x-pay-token of the issuer (or, on the token requestors' endpoints, of a token
   * requestor: `secretOf` says whose keys count); returns the apikey.
   */
  async function authenticate(
    request: FastifyRequest,
    reply: FastifyReply,
    secretOf: (apiKey: string) => string | undefined = (apiKey) =>
      apiKey === keys.vts.issuerApiKey ? keys.vts.issuerSharedSecret : undefined,
  ): Promise<string | undefined> {
    const [path, query = ''] = request.url.split('?') as [string, string?];
    const apiKey = new URLSearchParams(query).get('apikey');
    const secret = apiKey ? secretOf(apiKey) : undefined;
    if (!apiKey || secret === undefined) {
      await reply
        .code(401)
        .send(
          visaError(401, 'invalidApiKey', apiKey ? 'The apikey is not known' : 'The apikey query parameter is missing'),
        );
      return undefined;
    }
    try {
      verifyXPayToken(
        request.headers['x-pay-token'] as string | undefined,
        { resourcePath: path.slice(1), queryString: query, body: request.rawBody ?? '' },
        [secret],
      );
      return apiKey;
    } catch (error) {
      if (!(error instanceof CryptoFailure)) throw error;
      await reply.code(401).send(visaError(401, 'invalidXPayToken', `${error.code}: ${error.message}`, 'x-pay-token'));
      return undefined;
    }
  }

  app.get(vtsPaths.tokenRequestors, async (request, reply) => {
    if (!(await authenticate(request, reply))) return reply;
    return {
      tokenRequestors: tokenRequestors
        .filter((profile) =>
          profile.enabledAccountRanges.some((range) => range.startsWith('4') || '4'.startsWith(range)),
        )
        .map((profile) => ({
          tokenRequestorID: profile.tokenRequestorId,
          name: profile.name,
          consumerFacingEntityName: profile.consumerFacingEntityName,
          tokenRequestorType: profile.tokenRequestorType,
          imageAssetId: profile.imageAssetId,
          supportedPushMethods: profile.supportedPushMethods,
          availablePushMethods: availablePushMethods(profile, options.tokenRequestorsBaseUrl()),
          supportsMultiplePushedCards: profile.supportsMultiplePushedCards,
          supportedAccountHolderData: profile.supportedAccountHolderData,
        })),
    };
  });

  app.post(vtsPaths.pushProvisionedCards, async (request, reply) => {
    if (!(await authenticate(request, reply))) return reply;
    const parsed = PushRequest.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send(parameterError(parsed.error));
    const push = parsed.data;
    if (push.receiptValidityMinutes < 5 || push.receiptValidityMinutes > 15) {
      return reply
        .code(400)
        .send(visaError(400, 'invalidParameter', 'receiptValidityMinutes must be 5 to 15', 'receiptValidityMinutes'));
    }
    const profile = findTokenRequestor(push.tokenRequestorID);
    if (!profile) {
      return reply
        .code(400)
        .send(
          visaError(
            400,
            'invalidParameter',
            `tokenRequestorID ${push.tokenRequestorID} is not known`,
            'tokenRequestorID',
          ),
        );
    }
    if (push.cards.length > 1 && !profile.supportsMultiplePushedCards) {
      return reply
        .code(400)
        .send(visaError(400, 'invalidParameter', `${profile.name} accepts one card per push`, 'cards'));
    }
    const fingerprint = createHash('sha256')
      .update(
        JSON.stringify([
          push.tokenRequestorID,
          push.cards.map((card) => card.clientCardID),
          push.receiptValidityMinutes,
          push.callbackURL,
        ]),
      )
      .digest('hex');
    return state.oneAtATime(push.clientReferenceID, () => answerPush(push, profile, fingerprint, reply));
  });

  async function answerPush(
    push: z.infer<typeof PushRequest>,
    profile: TokenRequestorProfile,
    fingerprint: string,
    reply: FastifyReply,
  ): Promise<unknown> {
    const answered = state.answeredPush(push.clientReferenceID);
    if (answered) {
      if (answered.fingerprint !== fingerprint) {
        return reply
          .code(409)
          .send(
            visaError(
              409,
              'duplicateRequest',
              `clientReferenceID ${push.clientReferenceID} was already used for another push`,
              'clientReferenceID',
            ),
          );
      }
      ledger.append('push.replayed', { requestId: push.clientReferenceID, tokenRequestorId: push.tokenRequestorID });
      return answered.response;
    }

    // Decrypt every card before anything is issued: a cryptography error refuses the whole request.
    const instruments: z.infer<typeof PaymentInstrument>[] = [];
    for (const [index, card] of push.cards.entries()) {
      let plaintext: unknown;
      try {
        plaintext = await decryptInstrument(card.encPaymentInstrument);
      } catch (error) {
        if (!(error instanceof CryptoFailure)) throw error;
        return reply
          .code(400)
          .send(
            visaError(
              400,
              'invalidEncryption',
              `${error.code}: ${error.message}`,
              `cards[${index}].encPaymentInstrument`,
            ),
          );
      }
      const instrument = PaymentInstrument.safeParse(plaintext);
      if (!instrument.success)
        return reply.code(400).send(parameterError(instrument.error, `cards[${index}].encPaymentInstrument.`));
      instruments.push(instrument.data);
    }

    const now = new Date();
    const lifetimeMs = (knobs.current.receipts.lifetimeSeconds ?? push.receiptValidityMinutes * 60) * 1000;
    const issued: PushedAccount[] = [];
    const declined: { pushAccountId: string; maskedPan?: string; reasonCode: string }[] = [];
    const pushReceipts = [];
    for (const [index, card] of push.cards.entries()) {
      const instrument = instruments[index]!;
      const refusal = checkPushedCard(
        'vts',
        {
          pan: instrument.accountNumber,
          expiryMonth: Number(instrument.expirationDate.month),
          expiryYear: Number(instrument.expirationDate.year),
        },
        profile,
        knobs.current,
        now,
      );
      let error: object | undefined;
      let reason: string | undefined;
      if (refusal?.kind === 'invalid') {
        reason = 'invalidParameter';
        const field = refusal.field === 'expiry' ? 'expirationDate' : refusal.field;
        error = visaError(422, reason, refusal.description, `cards[${index}].encPaymentInstrument.${field}`);
      } else if (refusal) {
        reason = 'cardNotEligible';
        error = visaError(422, reason, refusal.description);
      } else {
        try {
          await proofs.verify(card.issuerAuthenticationProof, card.clientCardID);
        } catch (failure) {
          if (!(failure instanceof CryptoFailure)) throw failure;
          reason = 'authenticationFailed';
          error = visaError(
            401,
            'authenticationFailed',
            `issuerAuthenticationProof ${failure.code}: ${failure.message}`,
            'issuerAuthenticationProof',
          );
        }
      }
      if (error) {
        declined.push({
          pushAccountId: card.clientCardID,
          reasonCode: reason!,
          // As MDES records it: a card refused as invalid is kept without even its masked number.
          ...(refusal?.kind !== 'invalid' && { maskedPan: maskPan(instrument.accountNumber) }),
        });
        pushReceipts.push({ clientCardID: card.clientCardID, ...error });
        continue;
      }
      const account: PushedAccount = {
        receipt: `VTS-${randomUUID()}`,
        pushAccountId: card.clientCardID,
        tokenRequestorId: profile.tokenRequestorId,
        requestId: push.clientReferenceID,
        maskedPan: maskPan(instrument.accountNumber),
        panSuffix: instrument.accountNumber.slice(-4),
        expiryMonth: instrument.expirationDate.month,
        expiryYear: instrument.expirationDate.year.slice(2),
        ...(instrument.name && { accountHolderName: instrument.name }),
        issuedAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + lifetimeMs).toISOString(),
      };
      issued.push(account);
      pushReceipts.push({
        clientCardID: card.clientCardID,
        pushReceipt: account.receipt,
        receiptExpiresAt: account.expiresAt,
      });
    }
    const response = {
      clientReferenceID: push.clientReferenceID,
      pushReceipts,
      availablePushMethods: availablePushMethods(profile, options.tokenRequestorsBaseUrl()),
    };
    state.recordPush({
      requestId: push.clientReferenceID,
      tokenRequestorId: push.tokenRequestorID,
      fingerprint,
      response,
      accounts: issued,
      declined,
      encryption: profileOf(push.cards[0]!.encPaymentInstrument),
    });
    return response;
  }

  const tokenRequestorByApiKey = new Map(
    [...options.tokenRequestorCredentials.values()].map((credentials) => [credentials.vts.apiKey, credentials]),
  );
  /** A token requestor's call: its own apikey and x-pay-token, speaking for itself only (else a 403). */
  async function authenticateTokenRequestor(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    const apiKey = await authenticate(request, reply, (key) => tokenRequestorByApiKey.get(key)?.vts.sharedSecret);
    if (!apiKey) return false;
    const claimed = (request.body as { tokenRequestorID?: unknown } | undefined)?.tokenRequestorID;
    const own = tokenRequestorByApiKey.get(apiKey)!.tokenRequestorId;
    if (claimed === undefined || claimed === own) return true;
    await reply
      .code(403)
      .send(visaError(403, 'unauthorized', `The apikey is token requestor ${own}'s`, 'tokenRequestorID'));
    return false;
  }

  // Before it tokenises, the token requestor may show the consumer the card as the network knows it.
  app.post(vtsPaths.pushReceiptInquiry, async (request, reply) => {
    if (!(await authenticateTokenRequestor(request, reply))) return reply;
    const parsed = ProvisionRequest.omit({ clientReferenceID: true }).safeParse(request.body);
    if (!parsed.success) return reply.code(400).send(parameterError(parsed.error));
    const checked = checkReceipt(state, {
      tokenRequestorId: parsed.data.tokenRequestorID,
      receipt: parsed.data.pushReceipt,
    });
    if (checked.outcome === 'refused') {
      return reply.code(400).send(visaError(400, refusalReasons[checked.reason], checked.description, 'pushReceipt'));
    }
    return {
      pushReceipt: checked.account.receipt,
      receiptExpiresAt: checked.account.expiresAt,
      paymentInstrument: {
        last4: checked.account.panSuffix,
        expirationDate: { month: checked.account.expiryMonth, year: `20${checked.account.expiryYear}` },
      },
    };
  });

  app.post(vtsPaths.provisionedTokens, async (request, reply) => {
    if (!(await authenticateTokenRequestor(request, reply))) return reply;
    const parsed = ProvisionRequest.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send(parameterError(parsed.error));
    const result = await tokeniseWithReceipt(tokenisation, {
      requestId: parsed.data.clientReferenceID,
      tokenRequestorId: parsed.data.tokenRequestorID,
      receipt: parsed.data.pushReceipt,
    });
    if (result.outcome === 'refused') {
      const reason = refusalReasons[result.reason];
      return reply.code(400).send(visaError(400, reason, result.description, 'pushReceipt'));
    }
    return {
      decision: result.decision,
      ...(result.standIn && { decisionReason: result.standIn }),
      ...(result.token && {
        vProvisionedTokenID: result.token.tokenUniqueReference,
        paymentAccountReference: result.token.panUniqueReference,
        tokenInfo: { tokenStatus: result.token.status, last4: result.token.tokenPanSuffix },
      }),
      paymentInstrument: {
        last4: result.account.panSuffix,
        expirationDate: { month: result.account.expiryMonth, year: `20${result.account.expiryYear}` },
      },
    };
  });

  app.get('/sandbox/jwks.json', () => ({ keys: [keys.vts.signing.publicJwk] }));
  registerScenarioRoutes(app, state, tokenisation);

  /** Either channel: the header says which one the issuer used. */
  async function decryptInstrument(jwe: string): Promise<unknown> {
    return profileOf(jwe) === 'vts-rsa-jwe'
      ? vtsRsaJwe.decrypt(jwe, { ...keys.vts.encryption })
      : vtsSharedSecretJwe.decrypt(jwe, issuerParty);
  }

  return { app, state, callbacks };
}
