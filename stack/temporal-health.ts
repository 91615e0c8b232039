/** Whether a Temporal frontend answers: its gRPC health check reports SERVING. */
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';

const { SERVING } = proto.grpc.health.v1.HealthCheckResponse.ServingStatus;

/** Resolves when the frontend behind `connection` reports SERVING; rejects with the reason otherwise. */
export async function checkTemporalServing(connection: Connection): Promise<void> {
  const { status } = await connection.healthService.check({});
  if (status !== SERVING) throw new Error(`Temporal reports ${status ?? 'no status'}, not SERVING`);
}

export async function isTemporalReachable(address: string, timeoutMs = 1_500): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: timeoutMs });
    await checkTemporalServing(connection);
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close();
  }
}

export async function waitForTemporal(address: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await isTemporalReachable(address)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`Temporal did not answer at ${address} within ${timeoutMs / 1000} s`);
}
