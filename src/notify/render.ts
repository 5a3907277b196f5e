import fs from 'node:fs';
import path from 'node:path';
import Mustache from 'mustache';
import type { NotificationKind } from './kinds';

/**
 * What a notification says, in words: an email (plain text and HTML from the templates beside this file) or
 * a Slack message (Block Kit). Pure: the facts come in, text goes out.
 */
export interface LeadBrief {
  id: string;
  name: string | null;
  company: string | null;
  email: string | null;
  source: string | null;
}

export interface Person {
  repId: string | null;
  name: string;
  email: string | null;
  slackUserId: string | null;
}

export interface NotificationFacts {
  kind: NotificationKind;
  orgName: string;
  /** The organization's time zone: times are written in it. */
  timezone: string;
  lead: LeadBrief;
  /** The rep who has (or had) the lead. */
  rep: { id: string; name: string } | null;
  slaDueAt: number | null;
  /** What happens next if nobody acts, in a sentence; null when nothing will. */
  next: string | null;
  /** For GIVEN_UP: after how many reassignments routing stopped. */
  reassignments?: number;
  /** For ESCALATION: told as the rep's manager, or as an escalation contact. */
  asManager?: boolean;
  leadUrl: string;
  traceUrl: string;
}

export interface Email {
  subject: string;
  text: string;
  html: string;
}

export interface SlackMessage {
  text: string;
  blocks: object[];
}

const TEMPLATES = path.join(__dirname, 'templates');
const template = (name: string) => fs.readFileSync(path.join(TEMPLATES, name), 'utf8');
const EMAIL_TEXT = template('email.txt.mustache');
const EMAIL_HTML = template('email.html.mustache');

export function formatTime(ms: number, timeZone: string): string {
  const text = new Intl.DateTimeFormat('en-GB', { timeZone, day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms);
  return `${text} (${timeZone})`;
}

/** Text into HTML (and attribute values): Mustache's own escaping also encodes "/", which breaks links. */
const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (v: string) => String(v).replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]!);

const leadName = (l: LeadBrief) => l.name ?? l.email ?? l.id;

/** Lead-supplied text a subject quotes: on one line, at most this long, in quotation marks. */
const SUBJECT_QUOTE_CHARS = 60;

/**
 * What a lead's web form said, as a subject shows it: marked as quoted text (a lead named "Your password
 * expires today - reset it at …" must not read as the mail's own words), on one line and cut short.
 */
export function subjectQuote(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  const cut = [...line].length > SUBJECT_QUOTE_CHARS ? `${[...line].slice(0, SUBJECT_QUOTE_CHARS).join('')}…` : line;
  return `“${cut}”`;
}

function wording(f: NotificationFacts): { subject: string; headline: string; why: string } {
  const who = leadName(f.lead);
  const of = f.lead.company ? ` (${f.lead.company})` : '';
  // In subjects, everything the lead supplied is one quoted span.
  const quotedLead = subjectQuote(`${who}${of}`);
  const quotedWho = subjectQuote(who);
  const due = f.slaDueAt === null ? 'its deadline' : formatTime(f.slaDueAt, f.timezone);
  const rep = f.rep?.name ?? 'The rep';
  switch (f.kind) {
    case 'ASSIGNED':
      return { subject: `New lead for you: ${quotedLead}`, headline: `${who}${of} is yours.`, why: 'the rule that routed this lead tells the rep who gets it' };
    case 'REMINDER':
      return { subject: `Reminder: ${quotedWho} is waiting for your first touch`, headline: `${who}${of} has not been touched yet: the first touch was due ${due}.`, why: 'you hold this lead and its SLA has passed' };
    case 'ESCALATION':
      return {
        subject: `SLA missed: ${rep} has not touched ${quotedWho}`,
        headline: `${rep} missed the SLA on ${who}${of}: the first touch was due ${due}.`,
        why: f.asManager ? `you manage ${rep}` : `you are an escalation contact of ${f.orgName}`,
      };
    case 'GIVEN_UP':
      return {
        subject: `Routing gave up on ${quotedWho}: assign it by hand`,
        headline: `Nobody touched ${who}${of} after ${f.reassignments ?? 0} reassignment(s), so routing has stopped. Assign it by hand or close it.`,
        why: `you are an escalation contact of ${f.orgName}`,
      };
  }
}

export function renderEmail(f: NotificationFacts, to: Person): Email {
  const w = wording(f);
  const view = {
    recipientName: to.name,
    headline: w.headline,
    why: w.why,
    leadName: leadName(f.lead),
    company: f.lead.company,
    leadEmail: f.lead.email ?? '(none)',
    source: f.lead.source ?? '(none)',
    repName: f.kind === 'ASSIGNED' ? null : (f.rep?.name ?? null),
    slaDue: f.slaDueAt === null ? null : formatTime(f.slaDueAt, f.timezone),
    next: f.next,
    leadUrl: f.leadUrl,
    traceUrl: f.traceUrl,
    orgName: f.orgName,
  };
  // Plain text is not HTML: no escaping there.
  return { subject: w.subject, text: Mustache.render(EMAIL_TEXT, view, {}, { escape: (v: string) => v }), html: Mustache.render(EMAIL_HTML, view, {}, { escape: escapeHtml }) };
}

/** Slack's mrkdwn treats &, < and > as markup. */
const slackText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const mention = (p: Person) => (p.slackUserId ? `<@${p.slackUserId}>` : `*${slackText(p.name)}*`);

const TITLE: Record<NotificationKind, string> = {
  ASSIGNED: ':inbox_tray: New lead',
  REMINDER: ':alarm_clock: Reminder',
  ESCALATION: ':rotating_light: SLA missed',
  GIVEN_UP: ':warning: Routing gave up',
};

export function renderSlack(f: NotificationFacts, mentions: Person[]): SlackMessage {
  const w = wording(f);
  const to = mentions.length ? `${mentions.map(mention).join(' ')} ` : '';
  const lines = [`${to}${slackText(w.headline)}`];
  if (f.next) lines.push(`_What happens next:_ ${slackText(f.next)}`);
  const links = `<${f.leadUrl}|Open the lead> · <${f.traceUrl}|Trace in Temporal>`;
  return {
    text: `${TITLE[f.kind]}: ${w.subject}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${TITLE[f.kind]}*\n${lines.join('\n')}` } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `${links} · ${slackText(f.orgName)}` }] },
    ],
  };
}

const STEP: Record<string, (rep: string) => string> = {
  REMIND: (rep) => `${rep} is reminded`,
  NOTIFY_MANAGER: (rep) => `${rep}'s manager is told`,
  REASSIGN: () => 'the lead goes to another rep',
  UNASSIGN: (rep) => `the lead is taken off ${rep} and waits to be assigned by hand`,
};

/** "If nobody touches it, …": the next escalation step in words, or that nothing more happens by itself. */
export function nextSentence(step: { at: number; action: string } | undefined, repName: string, timeZone: string): string {
  if (!step) return 'nothing more happens by itself: touch the lead, reassign it or close it.';
  return `if nobody touches the lead by ${formatTime(step.at, timeZone)}, ${STEP[step.action]?.(repName) ?? step.action}.`;
}
