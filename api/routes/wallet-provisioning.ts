/**
 * Wallet provisioning from the issuer's app ("Add to Apple Wallet", "Add to Google Wallet"): the app sends
 * what the wallet's SDK gave it for one of the customer's cards, and gets back, while the wallet's sheet
 * waits, the payload to hand the wallet. Everything the API can check is checked before anything is written
 * (the card is the caller's, the wallet is offered for its network and takes it, the wallet's device
 * material verifies); then one call starts the wallet enrollment and sends it the request
 * (update-with-start), which answers once the payload is built. The wallet says what one provisioning is
 * (Apple: its nonce, good once; Google: the wallet account, device and card, one at a time).
 */
import { WithStartWorkflowOperation } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { WalletOnboardingKeys } from '../../activities/keys/wallet-credentials.js';
import type { WalletAdapter, WalletProvisioningIdentity } from '../../activities/wallets/wallet-adapter.js';
import type { VaultCard } from '../../db/vault-cards.js';
import { recordEnrollment } from '../../db/enrollments.js';
import { activeTraceParent } from '../../observability/enrollment-trace.js';
import { enrollmentWorkflowId, type EnrollmentInput } from '../../domain/enrollment.js';
import { provisionToWalletUpdate } from '../../domain/messages.js';
import { enrollmentSummary } from '../../domain/operator-summaries.js';
import { WalletRequestRefused, type WalletDeviceMaterial, type WalletDeviceType } from '../../domain/wallets.js';
import type { enrollmentWorkflow } from '../../workflows/enrollment/workflow.js';
import { problemResponses } from '../problem.js';
import { answerRefusal, refusalOf } from '../refusals.js';
import { answerWalletProblem, walletOutcomeAnswers, walletRefusalAnswers } from '../wallet-refusals.js';
import { bodyProblems, consumerProblems, notFound, uuid, type ConsumerRouteContext } from './consumer-api.js';
import { enrollmentLinks } from './enrollment-resource.js';
import { requestIdOf } from './enrollments.js';
import {
  WalletProvisioned,
  WalletProvisioningRequest,
  WebPushProvisioned,
  WebPushProvisioningRequest,
} from './wallet-provisioning-schemas.js';

export function registerWalletProvisioningRoutes({ api, deps }: ConsumerRouteContext): void {
  api.post(
    '/cards/:id/wallet-provisioning',
    routeSchema(
      "Provision this card to a wallet from the issuer's app: the payload the wallet takes",
      WalletProvisioningRequest,
      WalletProvisioned,
    ),
    async (request, reply) => {
      const { body } = request;
      return provisionCard({ customerId: request.customerId, cardId: request.params.id }, reply, {
        device: deviceMaterialOf(body),
        deviceType: body.deviceType,
        assertion: body.sessionAssertion,
      });
    },
  );

  api.post(
    '/cards/:id/web-push-provisioning',
    routeSchema(
      "Push this card to a wallet from the issuer's web page: for the session the wallet's window opened",
      WebPushProvisioningRequest,
      WebPushProvisioned,
    ),
    async (request, reply) => {
      const { body } = request;
      return provisionCard({ customerId: request.customerId, cardId: request.params.id }, reply, {
        device: { wallet: body.wallet, web: body.session },
        pushMethod: 'WEB',
        deviceType: 'BROWSER',
        assertion: body.sessionAssertion,
      });
    },
  );

  /**
   * Everything the API can check, checked before anything is written (the card is the caller's, the wallet
   * is offered for it, its material verifies); then the provisioning. The push method is the wallet's app's
   * platform, or WEB from the issuer's page.
   */
  async function provisionCard(
    { customerId, cardId }: { customerId: string; cardId: string },
    reply: FastifyReply,
    wanted: {
      device: WalletDeviceMaterial;
      pushMethod?: EnrollmentInput['pushMethod'];
      deviceType: WalletDeviceType;
      assertion: string;
    },
  ): Promise<FastifyReply> {
    const { device } = wanted;
    const card = await deps.vault.cardOf(customerId, cardId);
    if (!card) return notFound(reply, 'card', cardId);
    const offered = await walletOffered(card, device.wallet, wanted.pushMethod);
    if ('refused' in offered) return answerWalletProblem(reply, walletOutcomeAnswers.notOffered, offered.refused);
    let identity: WalletProvisioningIdentity;
    try {
      offered.adapter.verifyDevice(device, offered.onboarding, new Date());
      identity = offered.adapter.provisioningIdentity({ device, cardRef: card.cardRef });
    } catch (error) {
      if (!(error instanceof WalletRequestRefused)) throw error;
      return answerWalletProblem(reply, walletRefusalAnswers[error.reason], error.message);
    }
    return provision(reply, {
      customerId,
      card,
      tokenRequestorId: offered.tokenRequestorId,
      pushMethod: wanted.pushMethod ?? offered.adapter.pushMethod,
      deviceType: wanted.deviceType,
      assertion: wanted.assertion,
      device,
      identity,
    });
  }

  /** The wallet's adapter, onboarding and token requestor for this card, or why it is not offered. */
  async function walletOffered(
    card: VaultCard,
    wallet: WalletDeviceMaterial['wallet'],
    pushMethod: EnrollmentInput['pushMethod'] | undefined,
  ): Promise<
    { refused: string } | { adapter: WalletAdapter; onboarding: WalletOnboardingKeys; tokenRequestorId: string }
  > {
    const adapter = deps.walletAdapters.of(wallet);
    const onboarding = deps.wallets.of(wallet);
    const tokenRequestorId = onboarding?.tokenRequestorIds[card.network];
    if (!adapter || !onboarding || !tokenRequestorId) {
      return { refused: `This issuer does not offer ${adapter?.brand ?? wallet} for ${card.network} cards` };
    }
    const verdict = await deps.tokenRequestors.eligibility({
      network: card.network,
      tokenRequestorId,
      pushMethod: pushMethod ?? adapter.pushMethod,
      bins: [card.bin],
      cards: 1,
    });
    if (!verdict.eligible) return { refused: verdict.reason };
    if (!verdict.takesBin(card.bin)) return { refused: `${verdict.requestor.name} does not take cards of this range` };
    return { adapter, onboarding, tokenRequestorId };
  }

  async function provision(
    reply: FastifyReply,
    request: {
      customerId: string;
      card: VaultCard;
      tokenRequestorId: string;
      pushMethod: EnrollmentInput['pushMethod'];
      deviceType: WalletDeviceType;
      assertion: string;
      device: WalletDeviceMaterial;
      identity: WalletProvisioningIdentity;
    },
  ): Promise<FastifyReply> {
    const { customerId, card, device, identity } = request;
    // The wallet says what one provisioning is: the same again meets the same workflow, which refuses it.
    const requestId = requestIdOf(customerId, `wallet:${device.wallet}:${identity.key}`);
    const id = enrollmentWorkflowId(requestId);
    const input: EnrollmentInput = {
      requestId,
      customerId,
      cards: [{ method: 'card-on-file', cardId: card.cardRef }],
      tokenRequestorId: request.tokenRequestorId,
      pushMethod: request.pushMethod,
      authentication: { method: 'session-assertion' },
      wallet: { wallet: device.wallet, deviceType: request.deviceType },
    };
    const start = new WithStartWorkflowOperation<typeof enrollmentWorkflow>('enrollmentWorkflow', {
      taskQueue: deps.taskQueue,
      workflowId: id,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: identity.reusePolicy,
      staticSummary: enrollmentSummary(input),
    });
    let outcome;
    try {
      outcome = await deps.temporal.workflow.executeUpdateWithStart(provisionToWalletUpdate, {
        args: [{ assertion: request.assertion, device }],
        startWorkflowOperation: start,
      });
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return alreadyAnswered(reply, identity);
      const refusal = refusalOf(error);
      if (refusal?.status === 409) return alreadyAnswered(reply, identity);
      // The enrollment may have started though its answer did not come (a timeout): it stays the customer's.
      const started = await start.workflowHandle().then(
        () => true,
        () => false,
      );
      if (started)
        await recordEnrollment(deps.pool, {
          enrollmentId: id,
          customerId,
          requestId,
          traceParent: activeTraceParent(),
        });
      if (!refusal) throw error;
      return answerRefusal(reply, refusal);
    }
    await recordEnrollment(deps.pool, { enrollmentId: id, customerId, requestId, traceParent: activeTraceParent() });
    if (outcome.outcome === 'AUTHENTICATION_REFUSED') {
      return answerWalletProblem(reply, walletOutcomeAnswers.authenticationRefused, outcome.reason);
    }
    if (outcome.outcome === 'ENDED') return answerWalletProblem(reply, walletOutcomeAnswers.ended, outcome.reason);
    return reply.code(201).send({
      enrollmentId: id,
      ...outcome.payload,
      links: enrollmentLinks(id, deps.workflowUiBase),
    });
  }
}

/** A wallet route's schema: the card in the path, the body, the payload answered, and the refusals. */
function routeSchema<Body extends z.ZodType, Answer extends z.ZodType>(summary: string, body: Body, answer: Answer) {
  return {
    schema: {
      summary,
      tags: ['wallets'],
      params: z.strictObject({ id: uuid }),
      body,
      response: {
        201: answer,
        ...consumerProblems,
        ...bodyProblems,
        ...problemResponses(403, 404, 409, 422),
      },
    },
  };
}

function alreadyAnswered(reply: FastifyReply, identity: WalletProvisioningIdentity): FastifyReply {
  const answer = walletRefusalAnswers[identity.alreadyAnswered];
  return answerWalletProblem(reply, answer, answer.meaning);
}

/** The request's device material, as the wallet's member of the body holds it. */
function deviceMaterialOf(body: z.infer<typeof WalletProvisioningRequest>): WalletDeviceMaterial {
  switch (body.wallet) {
    case 'APPLE_PAY':
      return { wallet: body.wallet, applePay: body.applePay };
    case 'GOOGLE_PAY':
      return { wallet: body.wallet, googlePay: body.googlePay };
    case 'SAMSUNG_PAY':
      return { wallet: body.wallet, samsungPay: body.samsungPay };
  }
}
