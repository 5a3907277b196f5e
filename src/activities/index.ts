import type { Db } from '../db/knex';
import { diagnosticsActivities } from './diagnostics';
import { leadActivities } from './lead';
import { maintenanceActivities } from './maintenance';
import { notificationActivities, type NotificationSettings } from './notifications';
import { monitorActivities } from './monitors';
import { webhookActivities } from './webhooks';
import { rerouteJobActivities } from './rerouteJobs';
import { backtestActivities } from './backtests';
import type { Temporal } from '../temporal/client';

export interface ActivityDeps {
  db: Db;
  /** OUTBOUND_TARGETS: where tenant-configured URLs may point. */
  outboundTargets: string;
  /** ENCRYPTION_KEYS: opens secrets stored sealed (webhook signing secrets). */
  encryptionKeys?: string;
  /** How notifications are sent, and the links they carry. */
  notifications: NotificationSettings;
  /** For activities that talk to other workflows (re-route jobs); absent in tests that need none. */
  temporal?: Temporal;
}

/** All activities the worker registers, bound to their dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...diagnosticsActivities(deps.db),
    ...leadActivities({ db: deps.db, notify: deps.notifications }),
    ...notificationActivities(deps.db, deps),
    ...webhookActivities(deps.db, deps),
    ...monitorActivities(deps.db),
    ...maintenanceActivities(deps.db),
    ...rerouteJobActivities({ db: deps.db, temporal: deps.temporal }),
    ...backtestActivities({ db: deps.db }),
  };
}
export type Activities = ReturnType<typeof createActivities>;
