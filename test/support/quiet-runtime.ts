// Test files run workers in-process: only their warnings are worth reading. The native core's own
// warnings are errors only: against the Java test server it warns, on every worker, of a capability
// (heartbeat details on failure) that server does not advertise.
import { DefaultLogger, Runtime } from '@temporalio/worker';

Runtime.install({
  logger: new DefaultLogger('WARN'),
  telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
});
