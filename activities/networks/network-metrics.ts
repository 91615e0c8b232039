/** Call metrics of the card networks, through the Temporal runtime's meter when called from an activity. */
import { Context } from '@temporalio/activity';

/** Times one call to a card network from inside an activity (and does nothing elsewhere). */
export function recordNetworkCall(network: string, operation: string, startedAt: number, outcome: string): void {
  let meter;
  try {
    meter = Context.current().metricMeter;
  } catch {
    return; // not in an activity (the API asking for a token requestor list)
  }
  meter
    .createHistogram('pushprov_network_call_duration', 'int', 'ms', 'Calls to the card networks')
    .record(Date.now() - startedAt, { network, operation, outcome });
}
