/**
 * The lead score: fit (who they are) plus intent (what they did), 0..100, with one reason per
 * contribution so a rep can see why a lead scored what it did. Weights come from config.
 */
import type { FormConfig, ScoringConfig } from '../config/schema.ts';
import { dialableNumber } from './phone-digits.ts';
import type { Enrichment, ScoreResult, Submission } from './lead.ts';

export interface ScoreInput {
  submission: Submission;
  enrichment: Enrichment;
  form: FormConfig;
  /** Earlier submissions from the same email address. */
  priorSubmissions: number;
  scoring: ScoringConfig;
}

interface Contribution {
  points: number;
  reason: string;
}

export function scoreLead({ submission, enrichment, form, priorSubmissions, scoring }: ScoreInput): ScoreResult {
  const { contact } = submission;
  const contributions: Contribution[] = [];
  const add = (points: number, reason: string) => {
    if (points !== 0) contributions.push({ points, reason });
  };

  if (enrichment.emailDomain && !enrichment.isFreeMail && !enrichment.isDisposable) add(scoring.businessEmail, `business email (${enrichment.emailDomain})`);
  const title = contact.jobTitle?.trim();
  if (title && hasSeniorTitle(title, scoring.seniorTitleWords)) add(scoring.seniorTitle, `senior title (${title})`);
  if (enrichment.companySource === 'form' && enrichment.companyName) add(scoring.companyGiven, `company given (${enrichment.companyName})`);
  if (dialableNumber(contact.phone, enrichment.phoneE164)) add(scoring.phoneGiven, 'phone given');

  if (form.kind === 'website') add(scoring.websiteForm, `website form (${form.name})`);
  else add(scoring.eventForm, `event form (${form.name})`);
  if (contact.message?.trim()) add(scoring.messageGiven, 'message given');
  if (priorSubmissions > 0) add(scoring.repeatVisit, `repeat visit (${priorSubmissions} earlier ${priorSubmissions === 1 ? 'submission' : 'submissions'})`);
  if (form.event && attendedEvent(submission.receivedAt, form.event)) add(scoring.eventAttendance, `met at ${form.event.name}`);
  if (enrichment.isDisposable) add(scoring.disposableEmail, `disposable email (${enrichment.emailDomain})`);

  const total = contributions.reduce((sum, contribution) => sum + contribution.points, 0);
  const score = Math.min(100, Math.max(0, Math.round(total)));
  const reasons = contributions.map(({ points, reason }) => `${points > 0 ? '+' : ''}${points} ${reason}`);
  if (total > 100) reasons.push('capped at 100');
  if (total < 0) reasons.push('raised to 0');
  return { score, reasons };
}

/** Whole-word (or whole-phrase) match, so "cto" does not match "director" and "Co-Founder" matches "founder". */
function hasSeniorTitle(title: string, seniorWords: readonly string[]): boolean {
  const words = ` ${tokens(title).join(' ')} `;
  return seniorWords.some((senior) => {
    const phrase = tokens(senior).join(' ');
    return phrase !== '' && words.includes(` ${phrase} `);
  });
}

function tokens(text: string): string[] {
  return text.toLocaleLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
}

/**
 * Received while the event ran, with a day's slack either side so timezones and badge scans
 * typed in the next morning still count as having met the person there.
 */
function attendedEvent(receivedAt: string, event: { startDate: string; endDate: string }): boolean {
  const day = 24 * 60 * 60 * 1000;
  const received = Date.parse(receivedAt);
  const start = Date.parse(`${event.startDate}T00:00:00Z`) - day;
  const end = Date.parse(`${event.endDate}T00:00:00Z`) + 2 * day;
  return received >= start && received < end;
}
