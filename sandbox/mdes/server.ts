/**
 * The MDES Token Connect sandbox: getEligibleTokenRequestors, the asset endpoint, pushMultipleAccounts
 * (OAuth 1.0a, JWE or field-level payload, receipts with their validity, the JWS over them, requestId
 * idempotency), the tokenisation a token requestor asks for with a receipt, and MDES's calls back to the
 * issuer. Business errors are HTTP 200 with `errors[]`; gateway errors have their own envelope.
 */
import { createHash, randomUUID, type KeyObject } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CompactSign } from 'jose';
import { z } from 'zod';
import { mdesFieldLevel, mdesJwe } from '../../activities/crypto/encryption/profiles.js';
import { mdesAuthorizationHeader, verifyMdesRequest } from '../../activities/networks/mdes/oauth1.js';
import { mdesGatewayError, mdesInputErrors, type MdesError } from '../../activities/networks/mdes/schemas.js';
import { CryptoFailure } from '../../domain/crypto-failure.js';
import { proofAudiences } from '../keys.js';
import { checkPushedCard } from '../network/card-checks.js';
import { IssuerCallbacks, type CallbackTransport } from '../network/issuer-callbacks.js';
import { IssuerProofVerifier } from '../network/issuer-proofs.js';
import { maskPan, NetworkState, type PushedAccount, type Token } from '../network/network-state.js';
import { createSandboxApp, type NetworkSandboxOptions } from '../network/sandbox-app.js';
import { registerScenarioRoutes } from '../network/scenario-routes.js';
import {
  checkReceipt,
  tokeniseWithReceipt,
  type TokenisationDeps,
  type TokenisationRefusal,
} from '../network/tokenization.js';
import {
  availablePushMethods,
  findByAsset,
  findTokenRequestor,
  tokenRequestors,
} from '../token-requestors/catalogue.js';
import { logoMediaContents } from '../token-requestors/logos.js';

export type MdesSandboxOptions = NetworkSandboxOptions;

export const mdesPaths = {
  getEligibleTokenRequestors: '/mdes/connect/1/0/getEligibleTokenRequestors',
  pushMultipleAccounts: '/mdes/connect/1/0/pushMultipleAccounts',
  asset: '/mdes/issuer-assets/1/0/asset/tokenrequestor/:assetId',
  tokenize: '/mdes/digitization/static/1/0/tokenize',
  checkEligibility: '/mdes/digitization/static/1/0/checkEligibility',
} as const;

const refusalCodes: Record<TokenisationRefusal, string> = {
  UNKNOWN_RECEIPT: 'INVALID_PUSH_ACCOUNT_RECEIPT',
  RECEIPT_EXPIRED: 'PUSH_ACCOUNT_RECEIPT_EXPIRED',
  WRONG_TOKEN_REQUESTOR: 'INVALID_PUSH_ACCOUNT_RECEIPT',
  RECEIPT_ALREADY_USED: 'PUSH_ACCOUNT_RECEIPT_ALREADY_USED',
};

const accountRange = z.string().regex(/^\d{9,19}$/, 'an account range is 9-19 digits');

const EligibleRequest = z.object({
  requestId: z.string().min(1).max(64),
  accountRanges: z.array(accountRange).min(1).max(25),
});

const PushRequest = z.object({
  requestId: z.string().min(1).max(64),
  tokenRequestorId: z.string().regex(/^\d{11}$/, 'a token requestor id is 11 digits'),
  pushFundingAccounts: z.object({
    encryptedPayload: z.union([
      z.object({ encryptedValue: z.string().min(1) }),
      z.object({
        encryptedData: z.string(),
        encryptedKey: z.string(),
        iv: z.string(),
        oaepHashingAlgorithm: z.string(),
        publicKeyFingerprint: z.string(),
      }),
    ]),
  }),
  signatureData: z
    .object({
      callbackURL: z
        .url({ protocol: /^https?$/ })
        .max(256)
        .optional(),
      completeIssuerAppActivation: z.boolean().optional(),
      completeWebsiteActivation: z.boolean().optional(),
      accountHolderDataSupplied: z.boolean().optional(),
      locale: z
        .string()
        .regex(/^[a-z]{2}_[A-Z]{2}$/, 'a locale is like en_US')
        .optional(),
    })
    .default({}),
  requestIssuerInitiatedDigitizationData: z.boolean().default(false),
  pushAccountReceiptsValidityPeriod: z.number().int().default(15),
});

const PushedFundingAccount = z.object({
  pushAccountId: z.string().min(1).max(36),
  fundingAccountData: z.object({
    cardAccountData: z.object({
      accountNumber: z.string().regex(/^\d{12,19}$/, 'an account number is 12-19 digits'),
      expiryMonth: z.string().regex(/^(0[1-9]|1[0-2])$/, 'expiryMonth is MM'),
      expiryYear: z.string().regex(/^\d{2}$/, 'expiryYear is YY'),
    }),
    accountHolderData: z
      .object({ accountHolderName: z.string().max(256).optional() })
      .loose()
      .optional(),
  }),
  /** The issuer's signed proof that it authenticated the cardholder (sub = pushAccountId). */
  issuerAuthenticationProof: z.string().min(1),
});
const PushedFundingAccounts = z.array(PushedFundingAccount).min(1).max(5);

const TokenizeRequest = z.object({
  requestId: z.string().min(1).max(64),
  tokenRequestorId: z.string().regex(/^\d{11}$/),
  tokenType: z.enum(['CLOUD', 'EMBEDDED_SE', 'STATIC']).default('CLOUD'),
  fundingAccountInfo: z.object({ pushAccountReceipt: z.string().min(1).max(64) }),
});

const productPrefix = (pan: string): string =>
  /^(5[06-8]|6)/.test(pan) ? 'MSI' : pan.startsWith('53') ? 'DMC' : 'MCC';

export function createMdesSandbox(options: MdesSandboxOptions) {
  const { keys, ledger, knobs } = options;
  const { app } = createSandboxApp({ ledger, knobs, gatewayError: mdesGatewayError });
  const state = new NetworkState(ledger);
  const proofs = new IssuerProofVerifier({
    jwksUrl: options.issuerJwksUrl,
    issuer: keys.issuerId,
    audience: proofAudiences.mdes,
  });
  const seenNonces = new Map<string, number>();
  const signingKeyPem = keys.mdes.signing.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

  const transport: CallbackTransport = {
    url: (name) => `${options.issuerCallbackBaseUrl()}/issuerServices/1/0/${name}`,
    async send(name, payload, signal) {
      const url = transport.url(name);
      const body = JSON.stringify(payload);
      // MDES signs its calls like the issuer signs its own: OAuth 1.0a, its key named by kid.
      const authorization = mdesAuthorizationHeader(url, 'POST', body, {
        consumerKey: keys.mdes.signing.kid,
        signingKeyPem,
      });
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body,
        signal,
      });
      const text = await response.text();
      return { status: response.status, body: parseOrText(text) };
    },
  };
  const callbacks = new IssuerCallbacks(ledger, knobs, transport);
  const tokenisation: TokenisationDeps = {
    network: 'mdes',
    state,
    knobs,
    callbacks,
    authorizationRequest: (account, ids) => ({
      ...ids,
      tokenRequestorId: account.tokenRequestorId,
      pushAccountReceipt: account.receipt,
      pushAccountId: account.pushAccountId,
      tokenType: 'CLOUD',
      accountPanSuffix: account.panSuffix,
      activeTokenCount: 0,
      walletProviderDecisioningInfo: { recommendedDecision: 'APPROVED', deviceScore: '5', accountScore: '5' },
    }),
    tokenNotification: (token: Token) => ({
      requestId: randomUUID(),
      reasonCode: 'STATUS_UPDATE',
      tokens: [
        {
          tokenUniqueReference: token.tokenUniqueReference,
          panUniqueReference: token.panUniqueReference,
          tokenRequestorId: token.tokenRequestorId,
          pushAccountReceipt: token.receipt,
          status: token.status,
          eventReasonCode: token.status === 'ACTIVE' ? 'TOKEN_ACTIVATED' : 'STATUS_CHANGED',
          suspendedBy: token.status === 'SUSPENDED' ? ['TOKEN_REQUESTOR'] : [],
          statusTimestamp: token.statusTimestamp,
        },
      ],
    }),
  };

  /**
   * OAuth 1.0a as MDES's gateway checks it, for the issuer's consumer key (or, on the token requestors'
   * endpoints, theirs); returns the consumer key. A refusal is a 401 in the gateway envelope.
   */
  async function authenticate(
    request: FastifyRequest,
    reply: FastifyReply,
    consumerPublicKey: (consumerKey: string) => KeyObject | undefined = (consumerKey) =>
      consumerKey === keys.mdes.issuerConsumerKey ? keys.mdes.issuerOAuthPublicKey : undefined,
  ): Promise<string | undefined> {
    try {
      return await verifyMdesRequest({
        method: request.method,
        url: `http://${request.headers.host ?? '127.0.0.1'}${request.url}`,
        body: request.rawBody ?? '',
        authorization: request.headers.authorization,
        consumerPublicKey,
        claimNonce: (consumerKey, nonce) => {
          const now = Date.now();
          for (const [seen, until] of seenNonces) if (until <= now) seenNonces.delete(seen);
          const key = `${consumerKey}:${nonce}`;
          if (seenNonces.has(key)) return Promise.resolve(false);
          seenNonces.set(key, now + 10 * 60_000);
          return Promise.resolve(true);
        },
      });
    } catch (error) {
      if (!(error instanceof CryptoFailure)) throw error;
      await reply
        .code(401)
        .send(
          mdesGatewayError(
            401,
            'AUTHENTICATION_FAILED',
            'The request is not signed as OAuth 1.0a (RSA-SHA256) requires',
            `${error.code}: ${error.message}`,
          ),
        );
      return undefined;
    }
  }

  const tokenRequestorByConsumerKey = new Map(
    [...options.tokenRequestorCredentials.values()].map((credentials) => [credentials.mdes.consumerKey, credentials]),
  );
  /** A token requestor's call: signed with its own consumer key, and speaking for itself only (else a 403). */
  async function authenticateTokenRequestor(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    const consumerKey = await authenticate(
      request,
      reply,
      (key) => tokenRequestorByConsumerKey.get(key)?.mdes.publicKey,
    );
    if (!consumerKey) return false;
    const claimed = (request.body as { tokenRequestorId?: unknown } | undefined)?.tokenRequestorId;
    const own = tokenRequestorByConsumerKey.get(consumerKey)!.tokenRequestorId;
    if (claimed === undefined || claimed === own) return true;
    await reply
      .code(403)
      .send(
        mdesGatewayError(
          403,
          'UNAUTHORIZED',
          'These credentials belong to another token requestor',
          `the consumer key is token requestor ${own}'s`,
        ),
      );
    return false;
  }

  const businessErrors = (errors: MdesError[]): object => ({ responseId: randomUUID(), errors });

  app.post(mdesPaths.getEligibleTokenRequestors, async (request, reply) => {
    if (!(await authenticate(request, reply))) return reply;
    const parsed = EligibleRequest.safeParse(request.body);
    if (!parsed.success) return businessErrors(mdesInputErrors(parsed.error));
    const ranges = parsed.data.accountRanges.map((range) => range.padEnd(19, '0'));
    return {
      responseId: randomUUID(),
      tokenRequestors: tokenRequestors
        .filter((profile) =>
          ranges.some((range) => profile.enabledAccountRanges.some((prefix) => range.startsWith(prefix))),
        )
        .map((profile) => ({
          tokenRequestorId: profile.tokenRequestorId,
          name: profile.name,
          consumerFacingEntityName: profile.consumerFacingEntityName,
          imageAssetId: profile.imageAssetId,
          tokenRequestorType: profile.tokenRequestorType,
          ...(profile.walletId && { walletId: profile.walletId }),
          enabledAccountRanges: ranges.filter((range) =>
            profile.enabledAccountRanges.some((prefix) => range.startsWith(prefix)),
          ),
          supportedPushMethods: profile.supportedPushMethods,
          availablePushMethods: availablePushMethods(profile, options.tokenRequestorsBaseUrl()),
          supportsMultiplePushedCards: profile.supportsMultiplePushedCards,
          supportedAccountHolderData: profile.supportedAccountHolderData,
          supportsCardHolderAuthentication: profile.supportsCardHolderAuthentication,
          supportIssuerInitiatedDigitizationData: profile.supportIssuerInitiatedDigitizationData,
        })),
    };
  });

  app.get(mdesPaths.asset, async (request, reply) => {
    if (!(await authenticate(request, reply))) return reply;
    const profile = findByAsset((request.params as { assetId: string }).assetId);
    if (!profile) return reply.code(404).send(mdesGatewayError(404, 'NOT_FOUND', 'No asset with this id'));
    // An asset id never changes content: cache it forever.
    return reply
      .header('cache-control', 'public, max-age=31536000, immutable')
      .send({ mediaContents: logoMediaContents(profile) });
  });

  app.post(mdesPaths.pushMultipleAccounts, async (request, reply) => {
    if (!(await authenticate(request, reply))) return reply;
    const parsed = PushRequest.safeParse(request.body);
    if (!parsed.success) return businessErrors(mdesInputErrors(parsed.error));
    const push = parsed.data;
    if (push.pushAccountReceiptsValidityPeriod < 5 || push.pushAccountReceiptsValidityPeriod > 15) {
      return businessErrors([
        {
          source: 'INPUT',
          reasonCode: 'INVALID_FIELD_VALUE',
          description: `pushAccountReceiptsValidityPeriod is ${push.pushAccountReceiptsValidityPeriod}; it must be 5 to 15 minutes`,
          recoverable: false,
        },
      ]);
    }
    const profile = findTokenRequestor(push.tokenRequestorId);
    if (!profile) {
      return businessErrors([
        {
          source: 'INPUT',
          reasonCode: 'INVALID_FIELD_VALUE',
          description: `tokenRequestorId ${push.tokenRequestorId} is not known`,
          recoverable: false,
        },
      ]);
    }

    let plaintext: unknown;
    try {
      const payload = push.pushFundingAccounts.encryptedPayload;
      plaintext =
        'encryptedValue' in payload
          ? await mdesJwe.decrypt(payload, keys.mdes.encryption)
          : await mdesFieldLevel.decrypt(payload, keys.mdes.encryption);
    } catch (error) {
      if (!(error instanceof CryptoFailure)) throw error;
      return businessErrors([
        {
          source: 'INPUT',
          reasonCode: 'CRYPTOGRAPHY_ERROR',
          description: `${error.code}: ${error.message}`,
          recoverable: false,
        },
      ]);
    }
    const accounts = PushedFundingAccounts.safeParse(plaintext);
    if (!accounts.success) {
      return businessErrors(
        mdesInputErrors(accounts.error).map((error) => ({
          ...error,
          description: `pushFundingAccounts.encryptedPayload (decrypted) ${error.description}`,
        })),
      );
    }
    if (accounts.data.length > 1 && !profile.supportsMultiplePushedCards) {
      return businessErrors([
        {
          source: 'INPUT',
          reasonCode: 'INVALID_FIELD_VALUE',
          description: `${profile.name} accepts one card per push`,
          recoverable: false,
        },
      ]);
    }

    const fingerprint = createHash('sha256')
      .update(
        JSON.stringify([
          push.tokenRequestorId,
          accounts.data.map((account) => account.pushAccountId),
          push.signatureData,
          push.pushAccountReceiptsValidityPeriod,
        ]),
      )
      .digest('hex');
    return state.oneAtATime(push.requestId, async () => {
      const answered = state.answeredPush(push.requestId);
      if (answered) {
        if (answered.fingerprint !== fingerprint) {
          return businessErrors([
            {
              source: 'INPUT',
              reasonCode: 'INVALID_FIELD_VALUE',
              description: `requestId ${push.requestId} was already used for another push`,
              recoverable: false,
            },
          ]);
        }
        ledger.append('push.replayed', { requestId: push.requestId, tokenRequestorId: push.tokenRequestorId });
        return answered.response;
      }

      const now = new Date();
      const lifetimeMs = (knobs.current.receipts.lifetimeSeconds ?? push.pushAccountReceiptsValidityPeriod * 60) * 1000;
      const issued: PushedAccount[] = [];
      const declined: { pushAccountId: string; maskedPan?: string; reasonCode: string }[] = [];
      const results = [];
      for (const account of accounts.data) {
        const card = account.fundingAccountData.cardAccountData;
        const refusal = checkPushedCard(
          'mdes',
          {
            pan: card.accountNumber,
            expiryMonth: Number(card.expiryMonth),
            expiryYear: 2000 + Number(card.expiryYear),
          },
          profile,
          knobs.current,
          now,
        );
        let error: MdesError | undefined;
        if (refusal?.kind === 'invalid') {
          error = {
            source: 'INPUT',
            reasonCode: 'INVALID_FIELD_VALUE',
            description: `${refusal.field}: ${refusal.description}`,
            recoverable: false,
          };
        } else if (refusal) {
          error = {
            source: 'MDES',
            reasonCode: 'ACCOUNT_INELIGIBLE',
            description: refusal.description,
            recoverable: false,
          };
        } else {
          try {
            await proofs.verify(account.issuerAuthenticationProof, account.pushAccountId);
          } catch (failure) {
            if (!(failure instanceof CryptoFailure)) throw failure;
            error = {
              source: 'INPUT',
              reasonCode: 'AUTHORIZATION_FAILED',
              description: `issuerAuthenticationProof ${failure.code}: ${failure.message}`,
              recoverable: false,
            };
          }
        }
        if (error) {
          declined.push({
            pushAccountId: account.pushAccountId,
            reasonCode: error.reasonCode,
            ...(refusal?.kind !== 'invalid' && { maskedPan: maskPan(card.accountNumber) }),
          });
          results.push({ pushAccountId: account.pushAccountId, errors: [error] });
          continue;
        }
        const receipt = `${productPrefix(card.accountNumber)}-${randomUUID()}`;
        const pushed: PushedAccount = {
          receipt,
          pushAccountId: account.pushAccountId,
          tokenRequestorId: profile.tokenRequestorId,
          requestId: push.requestId,
          maskedPan: maskPan(card.accountNumber),
          panSuffix: card.accountNumber.slice(-4),
          expiryMonth: card.expiryMonth,
          expiryYear: card.expiryYear,
          ...(account.fundingAccountData.accountHolderData?.accountHolderName && {
            accountHolderName: account.fundingAccountData.accountHolderData.accountHolderName,
          }),
          ...(account.fundingAccountData.accountHolderData && {
            accountHolderDataFields: Object.keys(account.fundingAccountData.accountHolderData).sort(),
          }),
          issuedAt: now.toISOString(),
          expiresAt: new Date(now.getTime() + lifetimeMs).toISOString(),
        };
        issued.push(pushed);
        results.push({
          pushAccountId: account.pushAccountId,
          pushAccountReceipt: receipt,
          ...(push.requestIssuerInitiatedDigitizationData &&
            profile.supportIssuerInitiatedDigitizationData && {
              issuerInitiatedDigitizationData: await digitizationData(pushed),
            }),
        });
      }

      const signatureData = {
        pushAccountReceipts: issued.map((account) => account.receipt),
        callbackURL: push.signatureData.callbackURL ?? null,
        completeWebsiteActivation: push.signatureData.completeWebsiteActivation ?? false,
        accountHolderDataSupplied: push.signatureData.accountHolderDataSupplied ?? false,
        locale: push.signatureData.locale ?? 'en_US',
      };
      const response = {
        responseId: randomUUID(),
        pushAccountReceipts: results,
        availablePushMethods: availablePushMethods(profile, options.tokenRequestorsBaseUrl()),
        ...(issued.length > 0 && { signature: await sign(signatureData) }),
      };
      state.recordPush({
        requestId: push.requestId,
        tokenRequestorId: push.tokenRequestorId,
        fingerprint,
        response,
        accounts: issued,
        declined,
        encryption: 'encryptedValue' in push.pushFundingAccounts.encryptedPayload ? 'mdes-jwe' : 'mdes-field-level',
      });
      return response;
    });
  });

  // Before it tokenises, the token requestor may show the consumer the card as the network knows it.
  app.post(mdesPaths.checkEligibility, async (request, reply) => {
    if (!(await authenticateTokenRequestor(request, reply))) return reply;
    const parsed = TokenizeRequest.omit({ tokenType: true }).safeParse(request.body);
    if (!parsed.success) return businessErrors(mdesInputErrors(parsed.error));
    const checked = checkReceipt(state, {
      tokenRequestorId: parsed.data.tokenRequestorId,
      receipt: parsed.data.fundingAccountInfo.pushAccountReceipt,
    });
    if (checked.outcome === 'refused') {
      return businessErrors([
        {
          source: 'INPUT',
          reasonCode: refusalCodes[checked.reason],
          description: checked.description,
          recoverable: false,
        },
      ]);
    }
    return {
      responseId: randomUUID(),
      eligibilityReceipt: { value: checked.account.receipt, validUntil: checked.account.expiresAt },
      applicableCardInfo: { isSecurityCodeApplicable: false },
      accountPanSuffix: checked.account.panSuffix,
      accountExpiry: { month: checked.account.expiryMonth, year: checked.account.expiryYear },
    };
  });

  app.post(mdesPaths.tokenize, async (request, reply) => {
    if (!(await authenticateTokenRequestor(request, reply))) return reply;
    const parsed = TokenizeRequest.safeParse(request.body);
    if (!parsed.success) return businessErrors(mdesInputErrors(parsed.error));
    const result = await tokeniseWithReceipt(tokenisation, {
      requestId: parsed.data.requestId,
      tokenRequestorId: parsed.data.tokenRequestorId,
      receipt: parsed.data.fundingAccountInfo.pushAccountReceipt,
    });
    if (result.outcome === 'refused') {
      const reasonCode = refusalCodes[result.reason];
      return businessErrors([{ source: 'INPUT', reasonCode, description: result.description, recoverable: false }]);
    }
    return {
      responseId: randomUUID(),
      decision: result.decision,
      ...(result.standIn && { decisionReason: result.standIn }),
      ...(result.token && {
        tokenUniqueReference: result.token.tokenUniqueReference,
        panUniqueReference: result.token.panUniqueReference,
        tokenDetail: { status: result.token.status, statusTimestamp: result.token.statusTimestamp },
      }),
      tokenInfo: {
        accountPanSuffix: result.account.panSuffix,
        accountExpiry: { month: result.account.expiryMonth, year: result.account.expiryYear },
        ...(result.token && { tokenPanSuffix: result.token.tokenPanSuffix }),
        productCategory: 'CREDIT',
      },
    };
  });

  app.get('/sandbox/jwks.json', () => ({ keys: [keys.mdes.signing.publicJwk] }));
  registerScenarioRoutes(app, state, tokenisation);

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

  return { app, state, callbacks };
}

function parseOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
