// The worker bundles this file: every workflow the task queue serves is exported here.
export { diagnosticsWorkflow } from './diagnostics';
export { leadWorkflow } from './lead';
export { webhookDeliveryWorkflow } from './webhook';
export { digestWorkflow, monitorWorkflow, rollupRefreshWorkflow } from './monitors';
export { maintenanceWorkflow, retentionWorkflow } from './maintenance';
export { notificationWorkflow } from './notification';
export { rerouteJobWorkflow } from './rerouteJob';
export { backtestWorkflow } from './backtest';
export { crmInboundWorkflow, crmOwnerSyncWorkflow, crmPollWorkflow, crmWriteWorkflow } from './crm';
