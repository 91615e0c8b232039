/**
 * The VTS-style sandbox: issuer push provisioning with `x-pay-token` request authentication and an
 * `apikey`, `encPaymentInstrument` as a JWE (shared-secret A256GCMKW or RSA-OAEP-256), Visa's error
 * envelope, the tokenisation a token requestor asks for with a push receipt or with the card itself (a
 * wallet's), and Visa's notifications to the issuer: a JWS (PS256, cty JWE) around a JWE encrypted with the
 * issuer's shared secret. Each operation is a room of this folder; this file puts them together.
 */
import { registerLifecycleRoute } from './lifecycle-route.js';
import { registerCardReplacementRoute } from './card-replacement-route.js';
import { registerStatusRoute } from './status-route.js';
import { proofAudiences } from '../keys.js';
import { IssuerProofVerifier } from '../network/issuer-proofs.js';
import { NetworkState } from '../network/network-state.js';
import { createSandboxApp, type NetworkSandboxOptions } from '../network/sandbox-app.js';
import { registerScenarioRoutes } from '../network/scenario-routes.js';
import { vtsAuthentication } from './authentication.js';
import { visaError } from './errors.js';
import { vtsTokenisation } from './issuer-calls.js';
import { registerPushRoute } from './push-route.js';
import { registerTokenizeRoutes } from './tokenize-routes.js';
import { registerTokenRequestorsRoute } from './token-requestors-route.js';

export { visaError } from './errors.js';
export { vtsPaths } from './paths.js';

export type VtsSandboxOptions = NetworkSandboxOptions;

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
  const auth = vtsAuthentication(options);
  const tokenisation = vtsTokenisation(options, state);

  registerTokenRequestorsRoute(app, auth, options);
  registerPushRoute(app, { options, auth, state, proofs });
  // Before it tokenises, the token requestor may show the consumer the card as the network knows it.
  registerTokenizeRoutes(app, auth, tokenisation, options, proofs);
  app.get('/sandbox/jwks.json', () => ({ keys: [keys.vts.signing.publicJwk] }));
  registerScenarioRoutes(app, state, tokenisation);
  registerLifecycleRoute(app, { auth, state, ledger });
  registerStatusRoute(app, { auth, state, ledger });
  registerCardReplacementRoute(app, { options, auth, state, ledger });

  return { app, state, tokenisation, callbacks: tokenisation.callbacks };
}
