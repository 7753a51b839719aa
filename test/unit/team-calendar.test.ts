import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config/load.ts';
import { calendarOfRep, followUpDeadline } from '../../shared/domain/business-hours.ts';

const shipped = loadConfig('handoff.config.json');
const config = {
  ...shipped,
  teams: shipped.teams.map((team) => (team.id === 'americas' ? { ...team, timezone: 'America/New_York', holidays: ['2026-11-26'] } : team)),
};

describe('calendarOfRep', () => {
  it("takes what the rep's team sets and the organisation's for the rest", () => {
    expect(calendarOfRep(config, 'maya')).toEqual({ timezone: 'America/New_York', businessHours: shipped.organisation.businessHours, holidays: ['2026-11-26'] });
  });

  it("is the organisation's for a team that sets nothing, and for no owner at all", () => {
    const organisations = { timezone: shipped.organisation.timezone, businessHours: shipped.organisation.businessHours, holidays: shipped.organisation.holidays };
    expect(calendarOfRep(config, 'ana')).toEqual(organisations);
    expect(calendarOfRep(config, undefined)).toEqual(organisations);
  });

  it("counts a team's holiday (Thanksgiving) out of its deadlines", () => {
    // Wednesday 25 Nov, 16:00 in New York: one hour that day, the rest on Friday.
    expect(followUpDeadline(new Date('2026-11-25T21:00:00Z'), '4 business hours', calendarOfRep(config, 'maya')).toISOString()).toBe('2026-11-27T17:00:00.000Z');
  });
});
