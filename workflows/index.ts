/** The workflow bundle's entry: every workflow the worker hosts. */
export { enrollmentWorkflow } from './enrollment/workflow.js';
export { refreshTokenRequestorsWorkflow } from './token-requestor-refresh.js';
export { tokenLifecycleWorkflow } from './token-lifecycle.js';
export { tokenReconciliationWorkflow } from './token-reconciliation.js';
export { tokenActivationWorkflow } from './token-activation.js';
export { webhookDeliveryWorkflow } from './webhook-delivery.js';
export { webhookDispatchWorkflow } from './webhook-dispatch.js';
export { cardReplacementWorkflow } from './card-replacement.js';
