/**
 * The MDES Token Connect sandbox: getEligibleTokenRequestors, the asset endpoint, pushMultipleAccounts
 * (OAuth 1.0a, JWE or field-level payload, receipts with their validity, the JWS over them, requestId
 * idempotency), the tokenisation a token requestor asks for with a receipt or with the card itself (a
 * wallet's), and MDES's calls back to the issuer. Business errors are HTTP 200 with `errors[]`; gateway
 * errors have their own envelope. Each operation is a room of this folder; this file puts them together.
 */
import { registerLifecycleRoutes } from './lifecycle-routes.js';
import { registerCardReplacementRoute } from './card-replacement-route.js';
import { registerStatusRoutes } from './status-routes.js';
import { mdesGatewayError } from '../../activities/networks/mdes/schemas.js';
import { proofAudiences } from '../keys.js';
import { IssuerProofVerifier } from '../network/issuer-proofs.js';
import { NetworkState } from '../network/network-state.js';
import { createSandboxApp, type NetworkSandboxOptions } from '../network/sandbox-app.js';
import { registerScenarioRoutes } from '../network/scenario-routes.js';
import { mdesAuthentication } from './authentication.js';
import { registerConnectRoutes } from './connect-routes.js';
import { mdesTokenisation } from './issuer-calls.js';
import { registerPushRoute } from './push-route.js';
import { mdesSigner } from './receipt-signing.js';
import { registerTokenizeRoutes } from './tokenize-routes.js';

export { mdesPaths } from './paths.js';

export type MdesSandboxOptions = NetworkSandboxOptions;

export function createMdesSandbox(options: MdesSandboxOptions) {
  const { keys, ledger, knobs } = options;
  const { app } = createSandboxApp({ ledger, knobs, gatewayError: mdesGatewayError });
  const state = new NetworkState(ledger);
  const proofs = new IssuerProofVerifier({
    jwksUrl: options.issuerJwksUrl,
    issuer: keys.issuerId,
    audience: proofAudiences.mdes,
  });
  const auth = mdesAuthentication(options);
  const tokenisation = mdesTokenisation(options, state);

  registerConnectRoutes(app, auth, options);
  registerPushRoute(app, { options, auth, state, proofs, signer: mdesSigner(keys) });
  // Before it tokenises, the token requestor may show the consumer the card as the network knows it.
  registerTokenizeRoutes(app, auth, tokenisation, keys);
  app.get('/sandbox/jwks.json', () => ({ keys: [keys.mdes.signing.publicJwk] }));
  registerScenarioRoutes(app, state, tokenisation);
  registerLifecycleRoutes(app, { auth, state, ledger });
  registerStatusRoutes(app, { auth, state, ledger });
  registerCardReplacementRoute(app, { options, auth, state, ledger });

  return { app, state, tokenisation, callbacks: tokenisation.callbacks };
}
