// The failure converter of every worker, client and workflow bundle: failure messages and stack traces
// travel as encoded attributes, so the payload codec encrypts them like any payload. Plain CommonJS:
// the SDK loads it by path (require) in workers and clients, and bundles it into the workflow code.
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
