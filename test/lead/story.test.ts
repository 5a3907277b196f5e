import { initialState, type LeadState } from '../../src/lead/machine';
import { activitySummary, currentDetails, startDetails, startSummary, timerSummary } from '../../src/lead/story';

/** What a person reads in the Temporal Web UI. */
const T = Date.UTC(2026, 10, 29, 14, 5);
const assigned: LeadState = {
  ...initialState(),
  status: 'ASSIGNED',
  repId: 'rep_a',
  repName: 'Alice Adams',
  ruleId: 'enterprise-emea',
  attempt: 1,
  previousReps: ['rep_a'],
  sla: { dueAt: T, steps: [{ at: T, action: 'REMIND' }, { at: T + 600_000, action: 'REASSIGN' }], maxReassignments: 2 },
};

describe('the lead\'s story', () => {
  it('starts with who the lead is, and links to it', () => {
    const lead = { id: 'lead_1', name: 'Ada Lovelace', company: 'Analytical Engines', source: 'webinar' };
    expect(startSummary(lead)).toBe('Lead Ada Lovelace, Analytical Engines (webinar)');
    expect(startSummary({ id: 'lead_2', name: null, company: null, source: null })).toBe('Lead lead_2');
    expect(startDetails(lead, 'org_1', 'https://api.acme.com')).toContain('(https://api.acme.com/v1/leads/lead_1)');
  });

  it('names each step by what it does and for whom', () => {
    expect(activitySummary(assigned, { type: 'record', event: 'REMINDED', stepKey: 'k', repId: 'rep_a', data: {} })).toBe('Remind Alice Adams');
    expect(activitySummary(assigned, { type: 'record', event: 'SLA_BREACHED', stepKey: 'k', repId: 'rep_a', data: {} })).toBe('SLA breached: Alice Adams did not touch the lead by 2026-11-29 14:05 UTC');
    expect(activitySummary({ ...assigned, reassignments: 1 }, { type: 'route', request: { attempt: 2, reason: 'SLA_REASSIGN', exclude: [], onNoRep: 'UNASSIGN' }, then: 'SLA_REASSIGN' })).toBe(
      'Reassign 1 of 2: Alice Adams missed the SLA',
    );
    expect(activitySummary(assigned, { type: 'unassign', attempt: 3, reason: 'MAX_REASSIGNMENTS', alert: true })).toBe('Give up (MAX_REASSIGNMENTS): unassign and alert');
  });

  it('labels the timers it waits on', () => {
    expect(timerSummary(assigned, T)).toBe('SLA due 2026-11-29 14:05 UTC (Alice Adams)');
    expect(timerSummary({ ...assigned, breached: true, escalationsDone: 1 }, T + 600_000)).toBe('Escalation 2 of 2: REASSIGN at 2026-11-29 14:15 UTC');
  });

  it('keeps current details: status, rep, rule, deadline', () => {
    expect(currentDetails(assigned)).toBe('**Status** ASSIGNED  \n**Rep** Alice Adams `rep_a`  \n**Rule** enterprise-emea  \n**SLA due** 2026-11-29 14:05 UTC');
  });
});
