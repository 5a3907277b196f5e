import type { CrmModel, CrmName } from './connector';
import { hubspotModel } from './hubspot/leads';
import { salesforceModel } from './salesforce/leads';

/** Each CRM's model (pure: how its people become leads). A third CRM adds its own here. */
const MODELS: Record<CrmName, CrmModel> = { hubspot: hubspotModel, salesforce: salesforceModel };

export const crmModel = (crm: CrmName): CrmModel => MODELS[crm];
export const allCrmModels = (): CrmModel[] => Object.values(MODELS);
