import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../shared/config/json-schema.ts';
import { ConfigError, loadConfig, parseConfig } from '../../shared/config/load.ts';
import { requiredContactOf } from '../../shared/config/schema.ts';

const example = () => JSON.parse(readFileSync('handoff.config.json', 'utf8'));

describe('config', () => {
  it('accepts the shipped example and fills in defaults', () => {
    const config = loadConfig('handoff.config.json');
    expect(config.salespeople).toHaveLength(4);
    expect(config.teams).toHaveLength(2);
    expect(config.forms.map((form) => form.kind).sort()).toEqual(['event', 'website']);
    expect(config.scoring.businessEmail).toBe(20);
  });

  it.each([
    [(c: any) => (c.forms[0].allowedOrigins[0] = 'https://example.com/path'), 'forms[0].allowedOrigins[0]: must be an origin like https://www.example.com (no path)'],
    [(c: any) => (c.organisation.timezone = 'Mars/Olympus'), 'organisation.timezone: must be an IANA timezone like Europe/Berlin'],
    [(c: any) => (c.teams[1].timezone = 'America/Gotham'), 'teams[1].timezone: must be an IANA timezone like Europe/Berlin'],
    [(c: any) => (c.organisation.businessHours.end = '08:00'), 'organisation.businessHours.end: must be after start (09:00); hours across midnight are not supported'],
    [(c: any) => (c.organisation.businessHours.end = c.organisation.businessHours.start), 'organisation.businessHours.end: must be after start (09:00); hours across midnight are not supported'],
    [(c: any) => (c.organisation.holidays = ['2026-13-40']), 'organisation.holidays[0]: must be a date like 2026-12-24'],
    [(c: any) => (c.organisation.holidays = ['2026-02-30']), 'organisation.holidays[0]: must be a date like 2026-12-24'],
    [(c: any) => (c.forms[1].event.endDate = '2026-01-01'), 'forms[1].event.endDate: must not be before startDate (2026-11-24)'],
    [(c: any) => (c.salespeople[0].away = [{ from: '2026-12-20', to: '2026-12-01' }]), 'salespeople[0].away[0].to: must not be before from (2026-12-20)'],
    [(c: any) => (c.forms[0].firstContactDeadline = '0 minutes'), 'forms[0].firstContactDeadline: must give more than no time (a lead would be late the moment it arrives)'],
    [(c: any) => (c.forms[0].firstContactDeadline = '100000 business days'), 'forms[0].firstContactDeadline: must be at most a year (365 days, 8760 hours); a first contact that can wait longer is no deadline'],
    [(c: any) => (c.teams[0].businessHours = { days: [1], start: '9:00', end: '17:00' }), 'teams[0].businessHours.start: must be a time like 09:00'],
    [(c: any) => (c.forms[1].firstContactDeadline = 'soon'), 'forms[1].firstContactDeadline: must read like "4 business hours"'],
    [(c: any) => (c.salespeople[2].email = 'maya'), 'salespeople[2].email: must be an email address'],
    [(c: any) => (c.assignment.fallbackOwner = 'nobody'), 'assignment.fallbackOwner: unknown salesperson "nobody"; use one of ana, jonas, maya, diego'],
    [(c: any) => (c.salespeople[0].team = 'apac'), 'salespeople[0].team: unknown team "apac"; use one of emea, americas'],
    [(c: any) => (c.forms[0].colour = 'blue'), 'forms[0]: unknown key(s) colour; allowed here: id, kind, name,'],
    [(c: any) => (c.forms[0].webhookSignature = { vendor: 'jotform' }), 'forms[0].webhookSignature.vendor: must be one of typeform, tally, webflow, hubspot'],
    [(c: any) => (c.forms[0].webhookSignature = { vendor: 'typeform', secret: 'not-in-a-committed-file' }), 'forms[0].webhookSignature: unknown key(s) secret'],
    [(c: any) => (c.forms[0].webhookSignature = { vendor: 'typeform', url: 'https://leads.example/forms/x' }), 'forms[0].webhookSignature.url: only hubspot signs the URL it calls; typeform does not, so leave url out'],
    [(c: any) => (c.forms[0].webhookSignature = { vendor: 'hubspot', url: 'leads.example/forms/x' }), 'forms[0].webhookSignature.url: must be an http(s) URL'],
    [(c: any) => delete c.sender, 'sender: is required'],
    [(c: any) => (c.sender = 42), 'sender: expected string'],
    [(c: any) => (c.salespeople[2].weight = 2.5), 'salespeople[2].weight: must be a whole number'],
    [(c: any) => (c.salespeople[0].weight = 11), 'salespeople[0].weight: must be 1 to 10'],
    [(c: any) => (c.salespeople[0].weight = 0), 'salespeople[0].weight: must be 1 to 10'],
    [(c: any) => (c.salespeople[1].id = c.salespeople[0].id), `salespeople[1].id: duplicate salesperson id "ana": each salesperson needs its own`],
    [(c: any) => c.teams.push({ ...c.teams[0] }), 'teams[2].id: duplicate team id "emea": each team needs its own'],
    [(c: any) => (c.forms[1].id = c.forms[0].id), 'forms[1].id: duplicate form id "demo-request": each form needs its own'],
    [(c: any) => (c.assignment.rules[0].assignTo = { team: 'emea', rep: 'ana' }), 'assignment.rules[0].assignTo: must name one rep or one team: {"rep": "<salesperson id>"} or {"team": "<team id>"}, not both'],
    [(c: any) => (c.forms[0].kind = 'tradeshow'), 'forms[0].kind: must be one of website, event'],
    [(c: any) => (c.organisation.businessHours.days = [0, 1]), 'organisation.businessHours.days[0]: must be an ISO weekday: 1 = Monday … 7 = Sunday'],
    [(c: any) => delete c.forms[1].event, 'forms[1].event: event forms need event details: {"name", "startDate", "endDate", "location"}'],
    [(c: any) => (c.organisation.busnessHours = c.organisation.businessHours), 'organisation: unknown key(s) busnessHours (did you mean businessHours?)'],
    [(c: any) => (c.teams[0].timeZone = 'Europe/Berlin'), 'teams[0]: unknown key(s) timeZone (did you mean timezone?)'],
    [(c: any) => (c.scoring = { businessMail: 5 }), 'scoring: unknown key(s) businessMail (did you mean businessEmail?)'],
    [(c: any) => (c.capture = { rateLimitPerMinute: 0 }), 'capture.rateLimitPerMinute: must be above 0'],
    [(c: any) => (c.retention = { spamDays: 7 }), 'retention.spamDays: must be at least 8: the marketing report counts the last 7 days of spam'],
    [(c: any) => (c.organisation.businessHours.days = []), 'organisation.businessHours.days: must be at least 1 item'],
    [(c: any) => (c.organisation.businessHours.start = '24:00'), 'organisation.businessHours.start: must be a time like 09:00'],
    [(c: any) => (c.organisation.businessHours.end = '24:30'), 'organisation.businessHours.end: must be a time like 17:00, or 24:00 for the end of the day'],
    [(c: any) => (c.teams[1].businessHours = { days: [1], start: '18:00', end: '25:00' }), 'teams[1].businessHours.end: must be a time like 17:00, or 24:00 for the end of the day'],
    [(c: any) => (c.reports.nightlyAt = '24:00'), 'reports.nightlyAt: must be a time like 09:00'],
  ])('rejects a bad field with its path (%#)', (mutate, message) => {
    const config = example();
    mutate(config);
    expect(() => parseConfig(config, 'test config')).toThrowError(ConfigError);
    expect(() => parseConfig(config, 'test config')).toThrowError(message);
  });

  it('says on which line and column a file stops being JSON', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'handoff-config-')), 'broken.json');
    writeFileSync(file, '{\n  "organisation": {\n    name: "Nordlicht"\n  }\n}\n');
    expect(() => loadConfig(file)).toThrowError(/broken\.json is not valid JSON: .* at line 3, column 5/);
  });

  it('does not compare dates it cannot read: the date’s own issue says what to fix', () => {
    const config = example();
    config.salespeople[0].away = [{ from: '30.11.2026', to: '04.12.2026' }];
    expect(() => parseConfig(config, 'test config')).toThrowError(/away\[0\]\.to: must be a date like 2026-12-24$/);
  });

  it('words its messages the same once a library has loaded full zod’s English messages (the local stack does)', async () => {
    // Full zod registers its English messages, globally, when it builds its first schema.
    (await import('zod')).z.string();
    const config = example();
    delete config.sender;
    config.salespeople[0].weight = 11;
    expect(() => parseConfig(config, 'test config')).toThrowError('test config is invalid:\n  sender: is required\n  salespeople[0].weight: must be 1 to 10');
  });

  it('accepts 24:00 as the end of business hours, for the organisation and for a team', () => {
    const config = example();
    config.organisation.businessHours = { days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '24:00' };
    config.teams[1].businessHours = { days: [1, 2, 3, 4, 5], start: '18:00', end: '24:00' };
    const parsed = parseConfig(config, 'test config');
    expect(parsed.organisation.businessHours.end).toBe('24:00');
    expect(parsed.teams[1]!.businessHours?.end).toBe('24:00');
  });

  it('publishes an up-to-date JSON Schema for editors (run `npm run schema` after changing the zod schema)', () => {
    const committed = JSON.parse(readFileSync('handoff.config.schema.json', 'utf8'));
    expect(committed).toEqual(configJsonSchema());
    expect(example().$schema).toBe('./handoff.config.schema.json');
  });
});

describe('forms[].requiredContact', () => {
  const withBoothForm = (change: Record<string, unknown>) => {
    const config = example();
    Object.assign(config.forms.find((form: { kind: string }) => form.kind === 'event'), change);
    return config;
  };

  it('defaults to an email or a phone on event forms and to an email on website forms', () => {
    const config = parseConfig(example());
    expect(Object.fromEntries(config.forms.map((form) => [form.kind, requiredContactOf(form)]))).toEqual({ website: 'email', event: 'email-or-phone' });
  });

  it('can make an event form require an email', () => {
    const form = parseConfig(withBoothForm({ requiredContact: 'email' })).forms.find((candidate) => candidate.kind === 'event')!;
    expect(requiredContactOf(form)).toBe('email');
  });

  it('refuses any other value, naming the field', () => {
    expect(() => parseConfig(withBoothForm({ requiredContact: 'phone' }))).toThrow(/forms\[1\]\.requiredContact: must be one of email, email-or-phone/);
  });
});
