/** The workflow bundle's entry: every workflow the worker hosts. */
export { enrollmentWorkflow } from './enrollment/workflow.js';
export { refreshTokenRequestorsWorkflow } from './token-requestor-refresh.js';
export { tokenLifecycleWorkflow } from './token-lifecycle.js';
