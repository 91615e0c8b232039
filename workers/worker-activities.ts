/** The activities the worker registers (the enrollments', the token requestor refresh's, token lifecycle's, token activation's, the reconciliation's), over the shared services. */
import { TesseractCardReader } from '../activities/capture/tesseract-card-reader.js';
import type { EnrollmentActivities } from '../activities/enrollment/activity-types.js';
import { createEnrollmentActivities } from '../activities/enrollment/create-enrollment-activities.js';
import {
  createTokenRequestorActivities,
  type TokenRequestorActivities,
} from '../activities/token-requestors/token-requestor-activities.js';
import {
  createCardReplacementActivities,
  type CardReplacementActivities,
} from '../activities/lifecycle/card-replacement-activities.js';
import {
  createTokenActivationActivities,
  type TokenActivationActivities,
} from '../activities/lifecycle/token-activation-activities.js';
import {
  createTokenLifecycleActivities,
  type TokenLifecycleActivities,
} from '../activities/lifecycle/token-lifecycle-activities.js';
import {
  createTokenReconciliationActivities,
  type TokenReconciliationActivities,
} from '../activities/reconciliation/token-reconciliation-activities.js';
import { createWebhookActivities, type WebhookActivities } from '../activities/webhooks/webhook-activities.js';
import type { EngineServices } from '../services/engine-services.js';

export interface WorkerActivities {
  activities: EnrollmentActivities &
    TokenRequestorActivities &
    TokenLifecycleActivities &
    CardReplacementActivities &
    TokenActivationActivities &
    TokenReconciliationActivities &
    WebhookActivities;
  /** Closes the OCR worker the card reader holds once used, when the process stops. */
  close(): Promise<void>;
}

export function createWorkerActivities({
  pool,
  keys,
  vault,
  networks,
  tokenRequestors,
}: EngineServices): WorkerActivities {
  const cardReader = new TesseractCardReader();
  return {
    activities: {
      ...createEnrollmentActivities({ pool, vault, keys, networks, tokenRequestors, cardReader }),
      ...createTokenRequestorActivities({ pool, cache: tokenRequestors }),
      ...createTokenLifecycleActivities({ pool, networks }),
      ...createCardReplacementActivities({ pool, networks, vault, credentials: keys.networks }),
      ...createTokenActivationActivities({ pool, keys }),
      ...createTokenReconciliationActivities({ pool, networks }),
      ...createWebhookActivities({ pool, secretKeys: keys.vault }),
    },
    close: () => cardReader.close(),
  };
}
