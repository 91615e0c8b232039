/** Whether a Temporal frontend answers: its gRPC health check reports SERVING. */
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { TemporalConnectionOptions } from '../config/temporal-connection.js';

const { SERVING } = proto.grpc.health.v1.HealthCheckResponse.ServingStatus;

/** Resolves when the frontend behind `connection` reports SERVING; rejects with the reason otherwise. */
export async function checkTemporalServing(connection: Connection): Promise<void> {
  const { status } = await connection.healthService.check({});
  if (status !== SERVING) throw new Error(`Temporal reports ${status ?? 'no status'}, not SERVING`);
}

/** An address, or the full connection options (TLS, API key) from config/temporal-connection.ts. */
type Target = string | TemporalConnectionOptions;

export async function isTemporalReachable(target: Target, timeoutMs = 1_500): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({
      ...(typeof target === 'string' ? { address: target } : target),
      connectTimeout: timeoutMs,
    });
    await checkTemporalServing(connection);
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close();
  }
}

export async function waitForTemporal(target: Target, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await isTemporalReachable(target)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const address = typeof target === 'string' ? target : target.address;
  throw new Error(`Temporal did not answer at ${address} within ${timeoutMs / 1000} s`);
}
