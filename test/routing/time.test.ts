import fc from 'fast-check';
import { slaDeadline, escalationSchedule } from '../../src/routing/sla';
import { SlaSchema } from '../../src/routing/schema';
import { addBusinessMinutes, closureIntervals, isWithinWorkingHours, localTime, nextWorkingInstant, zonedToUtc, type WeeklyHours } from '../../src/routing/time';

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

describe('holidays and half days (calendar closures)', () => {
  const sla = (over: object) => SlaSchema.parse({ first_touch_minutes: 60, business_hours: true, ...over });
  // Christmas in Germany: 24 and 25 December closed, 26 is a Saturday; New Year's Eve closes at 13:00.
  const closures = closureIntervals([
    { timezone: 'Europe/Berlin', closures: [{ date: '2026-12-24' }, { date: '2026-12-25' }, { date: '2026-12-31', from: '13:00', to: '24:00' }, { date: '2027-01-01' }] },
  ]);
  const berlin = { timezone: 'Europe/Berlin', working_hours: NINE_TO_FIVE, closures };

  it('a lead arriving on 24 December is due after the holidays, not during them', () => {
    const christmasEve = zonedToUtc(2026, 12, 24, 10 * 60, 'Europe/Berlin');
    expect(iso(slaDeadline(christmasEve, sla({}), berlin))).toBe('2026-12-28T09:00:00.000Z');
    // Without the calendar the same lead is due that morning.
    expect(iso(slaDeadline(christmasEve, sla({}), { ...berlin, closures: [] }))).toBe('2026-12-24T10:00:00.000Z');
  });

  it('a half day ends the working day early, and the next working day is after New Year', () => {
    const eve = zonedToUtc(2026, 12, 31, 12 * 60 + 30, 'Europe/Berlin');
    expect(iso(slaDeadline(eve, sla({}), berlin))).toBe('2027-01-04T08:30:00.000Z');
  });

  it('escalations count on the same clock', () => {
    const due = zonedToUtc(2026, 12, 23, 16 * 60 + 30, 'Europe/Berlin');
    const steps = escalationSchedule(due, sla({ escalations: [{ after_minutes: 60, action: 'REMIND' }] }), berlin);
    expect(iso(steps[0]!.at)).toBe('2026-12-28T08:30:00.000Z');
  });

  it('closed time is not working time, and the next working instant skips it', () => {
    expect(isWithinWorkingHours(NINE_TO_FIVE, 'Europe/Berlin', at('2026-12-24T10:00:00Z'), closures)).toBe(false);
    expect(isWithinWorkingHours(NINE_TO_FIVE, 'Europe/Berlin', at('2026-12-23T10:00:00Z'), closures)).toBe(true);
    expect(iso(nextWorkingInstant(at('2026-12-24T10:00:00Z'), NINE_TO_FIVE, 'Europe/Berlin', closures))).toBe('2026-12-28T08:00:00.000Z');
    // A rep without working hours works around the clock, except when closed.
    expect(iso(nextWorkingInstant(at('2026-12-24T10:00:00Z'), null, 'Europe/Berlin', closures))).toBe('2026-12-25T23:00:00.000Z');
  });

  it('merges overlapping closures from several calendars, each in its own zone', () => {
    const merged = closureIntervals([
      { timezone: 'UTC', closures: [{ date: '2026-12-24' }] },
      { timezone: 'America/New_York', closures: [{ date: '2026-12-24', from: '12:00', to: '24:00' }] },
    ]);
    expect(merged.map(([s, e]) => [iso(s), iso(e)])).toEqual([['2026-12-24T00:00:00.000Z', '2026-12-25T05:00:00.000Z']]);
  });

  it('keeps far deadlines exact across a year of holidays (weeks with closures are walked, others skipped)', () => {
    const yearly = closureIntervals([{ timezone: 'Europe/Berlin', closures: Array.from({ length: 52 }, (_, i) => ({ date: new Date(Date.UTC(2027, 0, 4 + 7 * i)).toISOString().slice(0, 10) })) }]);
    // Every Monday of 2027 closed: 4 working days a week, 32 hours; 40 weeks' worth of business time.
    const start = zonedToUtc(2027, 1, 4, 0, 'Europe/Berlin');
    const due = addBusinessMinutes(start, 40 * 32 * 60, NINE_TO_FIVE, 'Europe/Berlin', yearly);
    const naive = (() => {
      let left = 40 * 32 * 60;
      let t = start;
      for (;;) {
        if (left === 0) return t;
        if (isWithinWorkingHours(NINE_TO_FIVE, 'Europe/Berlin', t, yearly)) left--;
        t += 60_000;
      }
    })();
    expect(iso(due)).toBe(iso(naive));
  });
});
