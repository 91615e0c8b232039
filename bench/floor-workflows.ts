/** The bench worker's workflows (its bundle's entry): the floors Temporal sets on this machine. */
export { bareWorkflow } from './bare-workflow.js';
export { shapedWorkflow } from './shaped-workflow.js';
