/** The workflow interceptors every workflow of the bundle runs with. */
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';
import { recordViewIfChanged } from './enrollment/view-projection.js';

export const interceptors: WorkflowInterceptorsFactory = () => ({
  internals: [
    {
      concludeActivation(input, next) {
        recordViewIfChanged({
          taskStaysOpen: input.commands.some((command) => command.scheduleLocalActivity),
        });
        return next(input);
      },
    },
  ],
});
