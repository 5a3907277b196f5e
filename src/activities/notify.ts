import type { Knex } from 'knex';
import { findLead, type LeadRow } from '../db/leads';
import { insertNotifications, type NewNotification, type NotificationRow } from '../db/notifications';
import { findOrg, type OrgRow } from '../db/orgs';
import { repClock, repsByIds, type RepRow } from '../db/reps';
import { insertEvent } from '../db/timeline';
import { newId } from '../ids';
import { workflowIdFor } from '../lead/model';
import type { NotificationKind } from '../notify/kinds';
import { planDeliveries, type Recipient } from '../notify/plan';
import { nextSentence, renderEmail, renderSlack, type NotificationFacts } from '../notify/render';
import { slaPlan } from '../routing/sla';
import { workflowUrl } from '../temporal/links';

/**
 * Who hears of a lead's step, queued in the same transaction as the timeline event that records the step (an
 * outbox: the worker's dispatcher hands each notification to its own workflow after commit, so sending never
 * holds up routing or the SLA clock). A retried step queues nothing twice: each notification is keyed by
 * (lead, step, channel, recipient).
 */
export interface NotifyDeps {
  publicApiUrl: string;
  temporalUiUrl: string;
  namespace: string;
  /** Whether the server has SMTP_URL (an organization may bring its own). */
  smtpConfigured: boolean;
}

export type Trigger = {
  orgId: string;
  leadId: string;
  eventId: string;
  stepKey: string;
  /** The rep the step is about: who got the lead, who missed the SLA, who had it when routing gave up. */
  repId: string | null;
  /** When the step happened: a notification nobody can receive is recorded then, beside its step. */
  at: Date;
  /** The lead as the step left it, and its organization, when the caller has them (else they are read). */
  lead?: LeadRow;
  org?: OrgRow;
} & (
  | { kind: 'ASSIGNED'; notifyOnAssign: boolean | undefined; slaDueAt: number | null }
  | { kind: 'REMINDER' | 'ESCALATION' }
  | { kind: 'GIVEN_UP' }
);

const recipientOf = (r: RepRow): Recipient => ({ repId: r.id, name: r.name, email: r.email || null, slackUserId: r.slack_user_id, notifyEmail: r.notify_email, notifySlack: r.notify_slack });
const leadName = (l: LeadRow) => [l.first_name, l.last_name].filter(Boolean).join(' ') || null;

function wanted(t: Trigger, org: OrgRow, lead: LeadRow): boolean {
  if (t.kind === 'ASSIGNED') return t.notifyOnAssign ?? org.notify_on_assign;
  if (t.kind === 'GIVEN_UP') return lead.sla?.notify_on_give_up ?? org.notify_on_give_up;
  return true;
}

/** Who is told, and why nobody when nobody is. */
async function recipients(trx: Knex.Transaction, t: Trigger, org: OrgRow, rep: RepRow | undefined): Promise<{ people: Recipient[]; nobody: string; asManager: boolean }> {
  const contacts = async () => (await repsByIds(trx, t.orgId, org.escalation_contacts)).filter((r) => r.active).map(recipientOf);
  switch (t.kind) {
    case 'ASSIGNED':
    case 'REMINDER':
      return { people: rep ? [recipientOf(rep)] : [], nobody: 'the rep no longer exists', asManager: false };
    case 'ESCALATION': {
      const [manager] = rep?.manager_id ? await repsByIds(trx, t.orgId, [rep.manager_id]) : [];
      if (manager?.active) return { people: [recipientOf(manager)], nobody: '', asManager: true };
      return { people: await contacts(), nobody: 'the rep has no manager and the organization has no escalation contacts', asManager: false };
    }
    case 'GIVEN_UP':
      return { people: await contacts(), nobody: 'the organization has no escalation contacts', asManager: false };
  }
}

/** The escalation step after this one (for a reminder or escalation), or the first (for an assignment). */
async function nextStep(trx: Knex.Transaction, t: Trigger, lead: LeadRow, dueAt: number | null, rep: RepRow | undefined, tz: string): Promise<string | null> {
  if (t.kind === 'GIVEN_UP' || !lead.sla || dueAt === null || !rep) return null;
  const clock = await repClock(trx, rep.id);
  if (!clock) return null;
  const steps = slaPlan(dueAt, lead.sla, clock).steps;
  const done = /:escalation:(\d+)$/.exec(t.stepKey);
  return nextSentence(steps[done ? Number(done[1]) + 1 : 0], rep.name, tz);
}

export async function queueNotifications(trx: Knex.Transaction, deps: NotifyDeps, t: Trigger): Promise<NotificationRow[]> {
  const [org, lead] = await Promise.all([t.org ?? findOrg(trx, t.orgId), t.lead ?? findLead(trx, t.orgId, t.leadId)]);
  if (!org || !lead || !wanted(t, org, lead)) return [];
  const [rep] = t.repId ? await repsByIds(trx, t.orgId, [t.repId]) : [];
  const who = await recipients(trx, t, org, rep);
  const dueAt = t.kind === 'ASSIGNED' ? t.slaDueAt : (lead.sla_due_at?.getTime() ?? null);
  const kind: NotificationKind = t.kind;
  const facts: NotificationFacts = {
    kind,
    orgName: org.name,
    timezone: org.timezone,
    lead: { id: lead.id, name: leadName(lead), company: lead.company, email: lead.email, source: lead.source },
    rep: rep ? { id: rep.id, name: rep.name } : null,
    slaDueAt: dueAt,
    next: await nextStep(trx, t, lead, dueAt, rep, org.timezone),
    reassignments: lead.reassignment_count,
    asManager: who.asManager,
    leadUrl: `${deps.publicApiUrl}/v1/leads/${lead.id}`,
    traceUrl: workflowUrl(deps.temporalUiUrl, deps.namespace, workflowIdFor(lead.id)),
  };
  const teamUrl = lead.team ? org.team_slack_webhook_urls[lead.team] : undefined;
  const channels = { email: deps.smtpConfigured || org.smtp_url !== null, slack: Boolean(teamUrl ?? org.slack_webhook_url) };
  const base = { org_id: t.orgId, lead_id: t.leadId, event_id: t.eventId, kind };
  const rows: NewNotification[] = planDeliveries(who.people, channels, who.nobody).map((d) => {
    const id = newId('notification');
    if (d.channel === 'SLACK') {
      const message = renderSlack(facts, d.mentions);
      const recipient = teamUrl ? `Slack: team ${lead.team}` : 'Slack: default channel';
      return { ...base, id, channel: 'SLACK', recipient_rep_id: null, recipient, status: 'PENDING', last_error: null, subject: message.text, body_text: message.text, body_html: null, slack_message: message, dedupe_key: `${t.leadId}:${t.stepKey}:SLACK` };
    }
    const mail = renderEmail(facts, d.to ?? { repId: null, name: 'team', email: null, slackUserId: null });
    const key = d.to?.repId ?? 'nobody';
    return {
      ...base,
      id,
      channel: 'EMAIL',
      recipient_rep_id: d.to?.repId ?? null,
      recipient: d.to?.email ?? '',
      status: d.skipped ? 'SKIPPED' : 'PENDING',
      last_error: d.skipped,
      subject: mail.subject,
      body_text: mail.text,
      body_html: mail.html,
      slack_message: null,
      dedupe_key: `${t.leadId}:${t.stepKey}:EMAIL:${key}`,
    };
  });
  const written = await insertNotifications(trx, rows);
  for (const n of written.filter((w) => w.status === 'SKIPPED')) await recordNotified(trx, n, t.at);
  return written;
}

/** The NOTIFIED timeline event: a notification's final word (sent, failed for good, or not sendable). */
export async function recordNotified(trx: Knex.Transaction, n: NotificationRow, at?: Date): Promise<void> {
  await insertEvent(trx, {
    ...(at ? { occurred_at: at } : {}),
    org_id: n.org_id,
    lead_id: n.lead_id,
    type: 'NOTIFIED',
    step_key: `notification:${n.id}`,
    rep_id: n.recipient_rep_id,
    data: { notification_id: n.id, kind: n.kind, channel: n.channel, recipient: n.recipient, recipient_rep_id: n.recipient_rep_id, status: n.status, attempts: n.attempts, error: n.last_error },
  });
}
