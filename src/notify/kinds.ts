/** What a notification is about, where it goes, and where it stands. Plain constants: every layer uses them. */
export const NOTIFICATION_KINDS = ['ASSIGNED', 'REMINDER', 'ESCALATION', 'GIVEN_UP'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export const NOTIFICATION_CHANNELS = ['EMAIL', 'SLACK'] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];

export const NOTIFICATION_STATUSES = ['PENDING', 'SENT', 'FAILED', 'SKIPPED'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];
