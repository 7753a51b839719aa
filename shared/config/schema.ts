// zod/mini keeps this schema cheap to load in every Lambda (about 14 kB instead of 440 kB).
import * as z from 'zod/mini';

/**
 * A calendar date that exists: 2026-13-40 has the right shape and no day. True for anything not shaped like a
 * date, which the pattern refuses on its own.
 */
function isRealDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return true;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}
const DATE_MESSAGE = 'must be a date like 2026-12-24';
// The pattern also reaches the JSON Schema for editors; the refinement catches shapes without a day (2026-02-30).
const isoDate = z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, DATE_MESSAGE), z.refine(isRealDate, DATE_MESSAGE));
const clockTime = z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time like 09:00'));
/** When business hours end: a clock time, or 24:00 for hours that run up to midnight (23:59 would lose a minute a day). */
const closingTime = z.string().check(z.regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'must be a time like 17:00, or 24:00 for the end of the day'));
const email = z.string().check(z.regex(/^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/, 'must be an email address'));
const id = z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes'));
const countryCode = z.string().check(z.regex(/^[A-Z]{2}$/, 'must be an ISO 3166 two-letter country code like DE'));
const url = z.string().check(z.regex(/^https?:\/\/[^\s]+$/, 'must be an http(s) URL'));
const origin = z.string().check(z.regex(/^https?:\/\/[^/\s]+$/, 'must be an origin like https://www.example.com (no path)'));

const timezone = z.string().check(
  z.refine((value) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: value });
      return true;
    } catch {
      return false;
    }
  }, 'must be an IANA timezone like Europe/Berlin'),
);

/** At most a year in its own unit; business days and hours count as plain ones, which only makes the cap stricter. */
function withinAYear(value: string): boolean {
  const match = SLA_PATTERN.exec(value.trim());
  if (!match) return true;
  const perYear = { minute: 525_600, hour: 8_760, day: 365 }[match[3] as 'minute' | 'hour' | 'day'];
  return Number(match[1]) <= perYear;
}

/** "4 business hours", "30 minutes", "1 business day", "2 days". */
export const SLA_PATTERN = /^(\d+)\s+(business\s+)?(minute|hour|day)s?$/;
const sla = z.string().check(
  z.regex(SLA_PATTERN, 'must read like "4 business hours", "30 minutes" or "1 business day"'),
  z.refine((value) => !/^0+\s/.test(value), 'must give more than no time (a lead would be late the moment it arrives)'),
  z.refine(withinAYear, 'must be at most a year (365 days, 8760 hours); a first contact that can wait longer is no deadline'),
);

/**
 * An issue on `later` when it comes before `earlier`: a range that ends before it starts is a typo, not a plan.
 * Dates not written like 2026-12-24 are not compared: their own issue says what is wrong.
 */
const inOrder = <Shape extends Record<string, string>>(earlier: keyof Shape & string, later: keyof Shape & string, message: (earlierValue: string) => string) =>
  z.superRefine<Shape>((value, ctx) => {
    if (![value[earlier]!, value[later]!].every((date) => /^\d{4}-\d{2}-\d{2}$/.test(date))) return;
    if (value[later]! < value[earlier]!) ctx.addIssue({ code: 'custom', path: [later], message: message(value[earlier]!), input: value[later] });
  });

const awayPeriod = z.strictObject({ from: isoDate, to: isoDate }).check(inOrder('from', 'to', (from) => `must not be before from (${from})`));

const salesperson = z.strictObject({
  id,
  name: z.string().check(z.minLength(1)),
  email,
  team: id,
  territories: z._default(z.array(countryCode), []),
  active: z._default(z.boolean(), true),
  away: z._default(z.array(awayPeriod), []),
  managerEmail: email,
  /** Round-robin weight: a rep with weight 2 gets twice the leads of a rep with weight 1. */
  weight: z._default(z.number().check(z.int(), z.minimum(1, 'must be 1 to 10'), z.maximum(10, 'must be 1 to 10')), 1),
});

const eventDetails = z.strictObject({
  name: z.string().check(z.minLength(1)),
  startDate: isoDate,
  endDate: isoDate,
  location: z.string().check(z.minLength(1)),
  /** Where the event is, when not in the organisation's timezone: an imported scan time without a zone is read in it. */
  timezone: z.optional(timezone),
  /**
   * The country the event is in: a national phone number typed at the booth or in a scan file ("0171 1234567") with
   * nothing else to place it (no country field, no address at a country's domain) is read as a number of this country.
   * Never the lead's own country: visitors come from anywhere.
   */
  country: z.optional(countryCode),
}).check(inOrder('startDate', 'endDate', (startDate) => `must not be before startDate (${startDate})`));

/** The form tools whose webhook signatures capture checks, each by its own documented scheme (shared/domain/webhook-signature.ts). */
const WEBHOOK_VENDORS = ['typeform', 'tally', 'webflow', 'hubspot'] as const;

const REQUIRED_CONTACTS = ['email', 'email-or-phone'] as const;

const form = z.strictObject({
  id,
  kind: z.enum(['website', 'event']),
  name: z.string().check(z.minLength(1)),
  campaign: z.string().check(z.minLength(1)),
  event: z.optional(eventDetails),
  allowedOrigins: z.array(origin).check(z.minLength(1)),
  redirectUrl: url,
  firstContactDeadline: sla,
  /**
   * What a submission must give to reach a person: an email, or an email or a phone with at least 7 digits. Default:
   * "email-or-phone" for event forms ("no email, call him" is a normal booth lead), "email" for website forms.
   */
  requiredContact: z.optional(z.enum(REQUIRED_CONTACTS, `must be one of ${REQUIRED_CONTACTS.join(', ')}`)),
  /**
   * This form's own limit of submissions per client IP per minute, over `capture.rateLimitPerMinute`: a form tool's
   * webhook posts every lead from a few server addresses, and booth tablets share a venue's one address.
   */
  rateLimitPerMinute: z.optional(z.number().check(z.int(), z.positive())),
  /**
   * Every post to this form must carry this form tool's webhook signature, made with the form's secret from the
   * WEBHOOK_SECRETS secret (never this file, which is committed); anything else is refused with 401. Leave it out for
   * forms that plain HTML pages post to: a browser cannot sign.
   */
  webhookSignature: z.optional(z.strictObject({
    vendor: z.enum(WEBHOOK_VENDORS, `must be one of ${WEBHOOK_VENDORS.join(', ')}`),
    /**
     * HubSpot signs the URL it called. Behind a proxy or a custom domain with a path mapping, the URL the handler can
     * rebuild (Host header + path) is not that one: give the URL exactly as registered in HubSpot.
     */
    url: z.optional(url),
  }).check(z.superRefine((signature, ctx) => {
    if (signature.url !== undefined && signature.vendor !== 'hubspot') {
      ctx.addIssue({ code: 'custom', path: ['url'], message: `only hubspot signs the URL it calls; ${signature.vendor} does not, so leave url out`, input: signature.url });
    }
  }))),
});

const ISO_WEEKDAYS = 'must be an ISO weekday: 1 = Monday … 7 = Sunday';

const businessHours = z.strictObject({
  /** ISO weekdays: 1 = Monday … 7 = Sunday. */
  days: z.array(z.number().check(z.int(), z.minimum(1, ISO_WEEKDAYS), z.maximum(7, ISO_WEEKDAYS))).check(z.minLength(1)),
  start: clockTime,
  end: closingTime,
}).check(z.superRefine((hours, ctx) => {
  // Zero-padded HH:MM compares in time order, 24:00 last. Hours across midnight are not supported: every deadline would fail.
  if (hours.end <= hours.start) ctx.addIssue({ code: 'custom', path: ['end'], message: `must be after start (${hours.start}); hours across midnight are not supported`, input: hours.end });
}));

const team = z.strictObject({
  id,
  name: z.string().check(z.minLength(1)),
  /**
   * Where the team works, when not where the organisation does: its leads' deadlines run on its own clock, and its
   * reps read times in it. Each left out falls back to the organisation's.
   */
  timezone: z.optional(timezone),
  businessHours: z.optional(businessHours),
  holidays: z.optional(z.array(isoDate)),
});

const assignmentRule = z.strictObject({
  /** Shown in the owner's alert: why this rule matched. */
  name: z.string().check(z.minLength(1)),
  when: z.strictObject({
    formIds: z.optional(z.array(id)),
    formKind: z.optional(z.enum(['website', 'event'])),
    countries: z.optional(z.array(countryCode)),
    minScore: z.optional(z.number().check(z.minimum(0), z.maximum(100))),
  }),
  assignTo: z.union([z.strictObject({ rep: id }), z.strictObject({ team: id })], 'must name one rep or one team: {"rep": "<salesperson id>"} or {"team": "<team id>"}, not both'),
});

const scoring = z.strictObject({
  businessEmail: z._default(z.number(), 20),
  seniorTitle: z._default(z.number(), 20),
  companyGiven: z._default(z.number(), 10),
  phoneGiven: z._default(z.number(), 10),
  websiteForm: z._default(z.number(), 15),
  eventForm: z._default(z.number(), 10),
  messageGiven: z._default(z.number(), 5),
  repeatVisit: z._default(z.number(), 10),
  eventAttendance: z._default(z.number(), 10),
  disposableEmail: z._default(z.number(), -40),
  seniorTitleWords: z._default(z.array(z.string()), [
    'ceo', 'cto', 'cfo', 'coo', 'cmo', 'cio', 'founder', 'owner', 'president', 'vp', 'vice president',
    'head', 'director', 'chief', 'partner', 'principal', 'geschäftsführer', 'leiter',
  ]),
});

export const configSchema = z.strictObject({
  $schema: z.optional(z.string()),
  organisation: z.strictObject({
    name: z.string().check(z.minLength(1)),
    timezone,
    businessHours,
    holidays: z._default(z.array(isoDate), []),
  }),
  sender: email,
  publicBaseUrl: url,
  reports: z.strictObject({
    salesRecipients: z.array(email).check(z.minLength(1)),
    marketingRecipients: z.array(email).check(z.minLength(1)),
    /** Local time, in the organisation's timezone, when the nightly report runs. */
    nightlyAt: z._default(clockTime, '07:00'),
    /** Leads overdue by more than this many hours are escalated to the rep's manager. */
    escalateAfterHours: z._default(z.number().check(z.positive()), 24),
  }),
  teams: z.array(team).check(z.minLength(1)),
  salespeople: z.array(salesperson).check(z.minLength(1)),
  assignment: z.strictObject({
    rules: z._default(z.array(assignmentRule), []),
    fallbackOwner: id,
    /** An open lead from the same company domain within this many days keeps its owner. */
    continuityWindowDays: z._default(z.number().check(z.int(), z.positive()), 90),
  }),
  scoring: z.prefault(scoring, {}),
  forms: z.array(form).check(z.minLength(1)),
  capture: z.prefault(
    z.strictObject({
      /** Submissions per client IP per form per minute. */
      rateLimitPerMinute: z._default(z.number().check(z.int(), z.positive()), 10),
      /** The same submission repeated within this window returns the same lead. */
      dedupeWindowMinutes: z._default(z.number().check(z.int(), z.positive()), 10),
      /** A form filled faster than this (from its `_loadedAt` field) is treated as a bot. */
      minFillSeconds: z._default(z.number().check(z.nonnegative()), 2),
    }),
    {},
  ),
  retention: z.prefault(
    z.strictObject({
      /** At least 8: the marketing report counts spam over the last 7 days and the report date, and TTL must not take it first. */
      spamDays: z._default(z.number().check(z.int(), z.minimum(8, 'must be at least 8: the marketing report counts the last 7 days of spam')), 30),
      rawPayloadDays: z._default(z.number().check(z.int(), z.positive()), 90),
    }),
    {},
  ),
}).check(
  z.superRefine((config, ctx) => {
    const repIds = idsOnce(config.salespeople, 'salespeople', 'salesperson', ctx);
    const teamIds = idsOnce(config.teams, 'teams', 'team', ctx);
    const formIds = idsOnce(config.forms, 'forms', 'form', ctx);
    const unknown = (noun: string, value: string, known: ReadonlySet<string>) => `unknown ${noun} "${value}"; use one of ${[...known].join(', ')}`;
    config.forms.forEach((f, index) => {
      if (f.kind === 'event' && !f.event) ctx.addIssue({ code: 'custom', path: ['forms', index, 'event'], message: 'event forms need event details: {"name", "startDate", "endDate", "location"} (timezone and country optional)' });
    });
    config.salespeople.forEach((rep, index) => {
      if (!teamIds.has(rep.team)) ctx.addIssue({ code: 'custom', path: ['salespeople', index, 'team'], message: unknown('team', rep.team, teamIds) });
    });
    if (!repIds.has(config.assignment.fallbackOwner)) {
      ctx.addIssue({ code: 'custom', path: ['assignment', 'fallbackOwner'], message: unknown('salesperson', config.assignment.fallbackOwner, repIds) });
    }
    config.assignment.rules.forEach((rule, index) => {
      const target = rule.assignTo;
      if ('rep' in target && !repIds.has(target.rep)) {
        ctx.addIssue({ code: 'custom', path: ['assignment', 'rules', index, 'assignTo', 'rep'], message: unknown('salesperson', target.rep, repIds) });
      }
      if ('team' in target && !teamIds.has(target.team)) {
        ctx.addIssue({ code: 'custom', path: ['assignment', 'rules', index, 'assignTo', 'team'], message: unknown('team', target.team, teamIds) });
      }
      rule.when.formIds?.forEach((formId, i) => {
        if (!formIds.has(formId)) ctx.addIssue({ code: 'custom', path: ['assignment', 'rules', index, 'when', 'formIds', i], message: unknown('form', formId, formIds) });
      });
    });
  }),
);

/**
 * The ids of a list, each reported where it is given a second time: two reps with one id would send a lead assigned
 * to one of them to the other, with nothing to say so.
 */
function idsOnce(entries: ReadonlyArray<{ id: string }>, list: string, noun: string, ctx: { addIssue: (issue: { code: 'custom'; path: PropertyKey[]; message: string }) => void }): Set<string> {
  const ids = new Set<string>();
  entries.forEach((entry, index) => {
    if (ids.has(entry.id)) ctx.addIssue({ code: 'custom', path: [list, index, 'id'], message: `duplicate ${noun} id "${entry.id}": each ${noun} needs its own` });
    ids.add(entry.id);
  });
  return ids;
}

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type FormConfig = Config['forms'][number];
export type WebhookVendor = NonNullable<FormConfig['webhookSignature']>['vendor'];
export type Salesperson = Config['salespeople'][number];
export type AssignmentRule = Config['assignment']['rules'][number];
export type ScoringConfig = Config['scoring'];
export type RequiredContact = (typeof REQUIRED_CONTACTS)[number];

/** What a form's submissions must give to reach the person: its `requiredContact`, or its kind's default. */
export function requiredContactOf(form: Pick<FormConfig, 'kind' | 'requiredContact'>): RequiredContact {
  return form.requiredContact ?? (form.kind === 'event' ? 'email-or-phone' : 'email');
}
