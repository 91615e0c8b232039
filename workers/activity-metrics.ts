/**
 * Activity metrics through the Temporal runtime's meter (exported with its own metrics): how long each
 * activity takes and how it ends, by its failure type (NetworkUnavailable, NetworkDeclined, ...).
 */
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInboundCallsInterceptor, ActivityInboundCallsInterceptorFactory } from '@temporalio/worker';

export const activityMetrics: ActivityInboundCallsInterceptorFactory = (context): ActivityInboundCallsInterceptor => ({
  async execute(input, next) {
    const duration = context.metricMeter.createHistogram(
      'pushprov_activity_duration',
      'int',
      'ms',
      'Activity executions',
    );
    const startedAt = Date.now();
    const tags = { activity: context.info.activityType };
    try {
      const result = await next(input);
      duration.record(Date.now() - startedAt, { ...tags, outcome: 'ok' });
      return result;
    } catch (error) {
      const outcome = error instanceof ApplicationFailure ? (error.type ?? 'ApplicationFailure') : 'error';
      duration.record(Date.now() - startedAt, { ...tags, outcome });
      throw error;
    }
  },
});
