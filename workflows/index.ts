/** The workflow bundle's entry: every workflow the worker hosts. */
export { enrollmentWorkflow } from './enrollment.js';
export { refreshTokenRequestorsWorkflow } from './token-requestor-refresh.js';
