import fc from 'fast-check';
import { slaDeadline, escalationSchedule } from '../../src/routing/sla';
import { SlaSchema } from '../../src/routing/schema';
import { addBusinessMinutes, isWithinWorkingHours, localTime, nextWorkingInstant, zonedToUtc, type WeeklyHours } from '../../src/routing/time';

const iso = (ms: number) => new Date(ms).toISOString();
const at = (s: string) => Date.parse(s);
const NINE_TO_FIVE: WeeklyHours = { mon: [['09:00', '17:00']], tue: [['09:00', '17:00']], wed: [['09:00', '17:00']], thu: [['09:00', '17:00']], fri: [['09:00', '17:00']] };

describe('local wall clock and DST', () => {
  it.each([
    ['Berlin, summer', 2026, 7, 1, '09:00', 'Europe/Berlin', '2026-07-01T07:00:00.000Z'],
    ['Berlin, winter', 2026, 1, 15, '09:00', 'Europe/Berlin', '2026-01-15T08:00:00.000Z'],
    ['Berlin, 02:30 skipped by spring forward is shifted an hour', 2026, 3, 29, '02:30', 'Europe/Berlin', '2026-03-29T01:30:00.000Z'],
    ['Berlin, 02:30 that happens twice resolves to the first', 2026, 10, 25, '02:30', 'Europe/Berlin', '2026-10-25T00:30:00.000Z'],
    ['New York, 02:30 skipped on 8 March', 2026, 3, 8, '02:30', 'America/New_York', '2026-03-08T07:30:00.000Z'],
    ['New York, 01:30 twice on 1 November', 2026, 11, 1, '01:30', 'America/New_York', '2026-11-01T05:30:00.000Z'],
    ['24:00 is the next midnight', 2026, 7, 1, '24:00', 'Europe/Berlin', '2026-07-01T22:00:00.000Z'],
  ])('%s', (_name, y, m, d, hhmm, tz, expected) => {
    const [h, mi] = (hhmm as string).split(':').map(Number);
    expect(iso(zonedToUtc(y as number, m as number, d as number, h! * 60 + mi!, tz as string))).toBe(expected);
  });

  it('reads the local weekday and time', () => {
    expect(localTime(at('2026-11-27T23:30:00Z'), 'Asia/Tokyo')).toEqual({ year: 2026, month: 11, day: 28, weekday: 6, minuteOfDay: 8 * 60 + 30 });
  });
});

describe('working hours in the rep\'s time zone', () => {
  it.each([
    ['Berlin 09:30 CEST, the Monday after spring forward', 'Europe/Berlin', '2026-03-30T07:30:00Z', true],
    ['Berlin 08:30 CET, the Friday before it', 'Europe/Berlin', '2026-03-27T07:30:00Z', false],
    ['Berlin 16:59 CET after fall back', 'Europe/Berlin', '2026-10-26T15:59:00Z', true],
    ['Berlin 17:00 is outside (end is exclusive)', 'Europe/Berlin', '2026-10-26T16:00:00Z', false],
    ['New York 09:00 EDT on the Monday after 8 March', 'America/New_York', '2026-03-09T13:00:00Z', true],
    ['New York 08:00 EST on the Friday before', 'America/New_York', '2026-03-06T13:00:00Z', false],
    ['Saturday is a day off', 'Europe/Berlin', '2026-11-28T10:00:00Z', false],
  ])('%s', (_name, tz, instant, expected) => {
    expect(isWithinWorkingHours(NINE_TO_FIVE, tz, at(instant))).toBe(expected);
  });

  it('treats null hours as always working', () => {
    expect(isWithinWorkingHours(null, 'UTC', at('2026-11-28T03:00:00Z'))).toBe(true);
  });

  it('finds the next working instant', () => {
    expect(iso(nextWorkingInstant(at('2026-11-27T17:30:00Z'), NINE_TO_FIVE, 'Europe/Berlin'))).toBe('2026-11-30T08:00:00.000Z');
  });
});

describe('SLA deadlines', () => {
  const sla = (over: object) => SlaSchema.parse({ first_touch_minutes: 15, ...over });
  const berlin = { timezone: 'Europe/Berlin', working_hours: NINE_TO_FIVE };

  it('Friday 16:50 with a 15-minute business-hours SLA is due Monday 09:05 local time', () => {
    const friday = zonedToUtc(2026, 11, 27, 16 * 60 + 50, 'Europe/Berlin');
    expect(iso(slaDeadline(friday, sla({ business_hours: true }), berlin))).toBe('2026-11-30T08:05:00.000Z');
  });

  it('counts wall time when business_hours is false', () => {
    const friday = zonedToUtc(2026, 11, 27, 16 * 60 + 50, 'Europe/Berlin');
    expect(iso(slaDeadline(friday, sla({}), berlin))).toBe('2026-11-27T16:05:00.000Z');
  });

  it.each([
    ['over the spring-forward weekend in Berlin', 2026, 3, 27, 'Europe/Berlin', '2026-03-30T07:05:00.000Z'],
    ['over the fall-back weekend in Berlin', 2026, 10, 23, 'Europe/Berlin', '2026-10-26T08:05:00.000Z'],
    ['over the spring-forward weekend in New York', 2026, 3, 6, 'America/New_York', '2026-03-09T13:05:00.000Z'],
    ['over the fall-back weekend in New York', 2026, 10, 30, 'America/New_York', '2026-11-02T14:05:00.000Z'],
  ])('Friday 16:50 + 15 business minutes %s', (_name, y, m, d, tz, expected) => {
    const start = zonedToUtc(y as number, m as number, d as number, 16 * 60 + 50, tz as string);
    expect(iso(slaDeadline(start, sla({ business_hours: true }), { timezone: tz as string, working_hours: NINE_TO_FIVE }))).toBe(expected);
  });

  it('spans several days: 600 business minutes from Friday 16:00 end Tuesday 10:00', () => {
    const start = zonedToUtc(2026, 11, 27, 16 * 60, 'Europe/Berlin');
    expect(iso(addBusinessMinutes(start, 600, NINE_TO_FIVE, 'Europe/Berlin'))).toBe('2026-12-01T09:00:00.000Z');
  });

  it('counts fractional minutes (0.05 = 3 s) in wall time', () => {
    expect(slaDeadline(1_000_000, sla({ first_touch_minutes: 0.05 }), berlin)).toBe(1_003_000);
  });

  it('schedules escalations after the deadline on the SLA\'s clock', () => {
    const s = sla({ business_hours: true, escalations: [{ after_minutes: 0, action: 'REMIND' }, { after_minutes: 30, action: 'REASSIGN' }] });
    const deadline = zonedToUtc(2026, 11, 27, 16 * 60 + 50, 'Europe/Berlin');
    expect(escalationSchedule(deadline, s, berlin).map((e) => [iso(e.at), e.action, e.step])).toEqual([
      ['2026-11-27T15:50:00.000Z', 'REMIND', 0],
      ['2026-11-30T08:20:00.000Z', 'REASSIGN', 1], // 10 minutes on Friday, 20 on Monday
    ]);
  });

  it('property: the business time between start and deadline is exactly the SLA (checked minute by minute)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: at('2026-03-20T00:00:00Z') / 60000, max: at('2026-11-10T00:00:00Z') / 60000 }),
        fc.integer({ min: 1, max: 1500 }),
        fc.constantFrom('Europe/Berlin', 'America/New_York', 'Asia/Kolkata'),
        (startMinute, minutes, tz) => {
          const start = startMinute * 60000;
          const end = addBusinessMinutes(start, minutes, NINE_TO_FIVE, tz);
          let counted = 0;
          for (let t = start; t < end; t += 60000) if (isWithinWorkingHours(NINE_TO_FIVE, tz, t)) counted++;
          expect(counted).toBe(minutes);
          expect(isWithinWorkingHours(NINE_TO_FIVE, tz, end - 60000)).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });
});
