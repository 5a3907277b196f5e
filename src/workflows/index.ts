// The worker bundles this file: every workflow the task queue serves is exported here.
export { diagnosticsWorkflow } from './diagnostics';
export { leadWorkflow } from './lead';
