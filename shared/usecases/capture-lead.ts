import { createHash } from 'node:crypto';
import { type Config, type FormConfig, requiredContactOf } from '../config/schema.ts';
import { HttpError, invalidFields } from '../errors.ts';
import { followUpDeadline } from '../domain/business-hours.ts';
import { awaitsImportAlert, followUpClockStart, type Lead, personKeyOf, type Submission } from '../domain/lead.ts';
import { readSubmission, setAsideRefusedContactFields, type RequestContext } from '../domain/submission.ts';
import { fieldsFromVendorPayload } from '../domain/vendor-payloads.ts';
import { counterHitsFor, type SubmissionsSeenHere } from '../domain/rate-limit.ts';
import type { LeadStore, PutLeadResult, RawPayload } from '../adapters/lead-store/store.ts';
import { logger } from '../adapters/logger.ts';

export interface SubmissionRequest {
  formId: string;
  fields: Array<[string, string]>;
  /** The decoded JSON body, when there was one: vendor webhooks are recognised by their shape. */
  json?: unknown;
  idempotencyKey?: string;
  context: Omit<RequestContext, 'formId' | 'receivedAt'>;
}

export interface ImportedSubmissionRequest extends SubmissionRequest {
  /**
   * When the person was actually met (a badge scan's own time), for a row imported later: the lead counts as
   * received then, so its deadline and speed to lead run from the scan, not from the import. Defaults to now.
   */
  capturedAt?: Date;
  /** The import this row belongs to: its owner hears of it in the import's digest (see `Lead.importId`). */
  importId?: string;
}

export interface CaptureRequest extends SubmissionRequest {
  sourceIp: string;
  /** The body as it arrived, kept for `retention.rawPayloadDays`. */
  raw?: Omit<RawPayload, 'receivedAt'>;
}

export interface CaptureOutcome {
  leadId: string;
  outcome: 'created' | 'duplicate' | 'spam';
  /** Where a browser goes next: `_next`/`retURL` when it is on an allowed origin, else the form's redirect URL. */
  redirectTo: string;
}

export interface CaptureDependencies {
  config: Config;
  store: Pick<LeadStore, 'putNewLead' | 'withdrawNewLead' | 'hitRateLimit'>;
  now: () => Date;
}

export interface PublicCaptureDependencies extends CaptureDependencies {
  /** What this process has seen of each address this minute; one per process, made at module load. */
  seenHere: SubmissionsSeenHere;
}

export interface ImportedCaptureOutcome extends CaptureOutcome {
  /**
   * The lead is stored, its owner has not been told, and the import's digest is to tell them: true for a new row,
   * and for a row stored by an earlier run of an import whose digest never went out (see `awaitsImportAlert`).
   */
  awaitsImportAlert: boolean;
  /** Who the lead is (`personKeyOf`) and when it counts as received: the import tells a person's rows together, oldest scans first. */
  person: { key: string; receivedAt: string };
  /** The lead was stored by this very import: by this row, or (for a duplicate) by an earlier row or a retried write. */
  storedByThisImport: boolean;
}

export type ImportCaptureDependencies = Omit<CaptureDependencies, 'store'> & { store: Pick<LeadStore, 'putNewLead'> };

/** A public submission is rate-limited per source address; an operator's import is not. */
type Admission =
  | { kind: 'public'; sourceIp: string; store: CaptureDependencies['store']; raw?: CaptureRequest['raw']; seenHere: SubmissionsSeenHere }
  | { kind: 'operator-import'; capturedAt?: Date; importId?: string };

export function findForm(config: Config, formId: string): FormConfig {
  const form = config.forms.find((candidate) => candidate.id === formId);
  if (!form) throw new HttpError(404, `form "${formId.slice(0, 64)}" does not exist`, { code: 'unknown_form' });
  return form;
}

export async function captureLead(request: CaptureRequest, deps: PublicCaptureDependencies): Promise<CaptureOutcome> {
  const { outcome } = await capture(request, deps, { kind: 'public', sourceIp: request.sourceIp, store: deps.store, raw: request.raw, seenHere: deps.seenHere });
  return outcome;
}

/**
 * Operator imports (badge scans, attendee lists) take the same path as a public submission without the
 * per-address rate limit, which guards the public endpoint against floods and means nothing for a file an
 * operator chose to load. A row names its lead by content alone, with no dedupe window, so importing the
 * same file again adds nothing.
 */
export async function captureImportedLead(request: ImportedSubmissionRequest, deps: ImportCaptureDependencies): Promise<ImportedCaptureOutcome> {
  const { outcome, lead } = await capture(request, deps, { kind: 'operator-import', capturedAt: request.capturedAt, importId: request.importId });
  return {
    ...outcome,
    awaitsImportAlert: awaitsImportAlert(lead),
    person: { key: personKeyOf(lead.contact), receivedAt: lead.receivedAt },
    storedByThisImport: request.importId !== undefined && lead.importId === request.importId,
  };
}

/** What capture answers, and the lead it names: the one it stored, or the one stored before that this repeats. */
async function capture(request: SubmissionRequest, { config, store, now }: ImportCaptureDependencies, admission: Admission): Promise<{ outcome: CaptureOutcome; lead: Lead }> {
  const form = findForm(config, request.formId);
  const arrivedAt = now();
  const importedAt = admission.kind === 'operator-import' ? arrivedAt : undefined;
  const receivedAt = (admission.kind === 'operator-import' ? admission.capturedAt : undefined) ?? arrivedAt;
  // A form tool's own id for the submission wins over an Idempotency-Key: a relay in between may add a new key per attempt.
  const vendor = fieldsFromVendorPayload(request.json);
  if (vendor && Object.keys(vendor.problems).length > 0) throw invalidFields(vendor.problems);
  const context = { ...request.context, formId: form.id, receivedAt, requiredContact: requiredContactOf(form) };
  let fields = vendor?.fields ?? request.fields;
  let read = readSubmission(fields, context);
  // A form tool relays what a person typed, and nobody is there to correct it: a contact value capture refuses (a
  // phone "n/a") is kept as an answer instead of losing the lead, as an import keeps a file's. Each round renames a field.
  while (vendor && !read.ok) {
    const setAside = setAsideRefusedContactFields(fields, read.fields, 'formTool');
    if (!setAside) break;
    fields = setAside.fields;
    read = readSubmission(fields, context);
  }
  if (!read.ok) throw invalidFields(read.fields);
  const { submission, controls } = read;

  const spamReason = controls.honeypotFilled
    ? 'honeypot field was filled'
    : controls.fillMilliseconds !== undefined && controls.fillMilliseconds >= 0 && controls.fillMilliseconds < config.capture.minFillSeconds * 1000
      ? `form was filled in ${controls.fillMilliseconds} ms`
      : undefined;

  const timing = { receivedAt: submission.receivedAt, ...(importedAt ? { importedAt: importedAt.toISOString() } : {}) };
  const lead: Lead = {
    ...submission,
    ...timing,
    leadId: leadIdFor(form, submission, vendor?.deliveryId ?? request.idempotencyKey, admission.kind === 'public' ? config.capture.dedupeWindowMinutes : 'forever'),
    formKind: form.kind,
    status: spamReason ? 'spam' : 'new',
    followUpDeadline: followUpDeadline(followUpClockStart(timing), form.firstContactDeadline, config.organisation).toISOString(),
    ...(spamReason ? { spamReason } : {}),
    ...(admission.kind === 'operator-import' && admission.importId ? { importId: admission.importId } : {}),
  };
  const expiresAt = spamReason ? new Date(receivedAt.getTime() + config.retention.spamDays * 86_400_000) : undefined;
  const stored = admission.kind === 'public'
    ? await storeCountedSubmission(lead, expiresAt, form, admission, config)
    : await store.putNewLead(lead, expiresAt);
  const redirectTo = allowedRedirect(form, controls.requestedRedirect);

  if (!stored.created) return { outcome: { leadId: stored.existing.leadId, outcome: 'duplicate', redirectTo }, lead: stored.existing };
  return { outcome: { leadId: lead.leadId, outcome: spamReason ? 'spam' : 'created', redirectTo }, lead };
}

/**
 * A public submission is counted against its address's limit and stored, with its raw payload on the lead item, in
 * one round trip. The first submission from an address this process sees in a minute is not counted at all
 * (`SubmissionsSeenHere`): it costs one conditional write, and the second brings it to the counter.
 *
 * When the counter says the address is over the limit, the new lead is withdrawn again with a delete that only
 * succeeds while the lead is still untouched (`new` or `spam`), and the caller gets 429: nothing of it stays. If the
 * processor took the lead first, the delete fails, and the submission was admitted after all: the caller gets 201,
 * which is then true. The stream's INSERT of a withdrawn lead finds no lead and is skipped.
 *
 * A counter that cannot be reached does not turn away a lead that was stored: the limit guards against floods,
 * not single leads.
 */
async function storeCountedSubmission(lead: Lead, leadExpiresAt: Date | undefined, form: FormConfig, admission: Extract<Admission, { kind: 'public' }>, config: Config): Promise<PutLeadResult> {
  const { store, raw, seenHere } = admission;
  const receivedAt = new Date(lead.receivedAt);
  const limit = rateLimitOf(form, admission.sourceIp, receivedAt, config);
  const hits = counterHitsFor(seenHere.add(limit.bucket, limit.minute), limit.perMinute);
  if (hits === 'over') throw limit.refusal();
  // A spam lead is never placed, so its raw payload is never set apart: it goes with the lead.
  const held = raw ? { ...raw, expiresAt: leadExpiresAt ?? new Date(receivedAt.getTime() + config.retention.rawPayloadDays * 86_400_000) } : undefined;
  if (hits === 'first') return store.putNewLead(lead, leadExpiresAt, held);

  const [counted, stored] = await Promise.allSettled([
    store.hitRateLimit(limit.bucket, limit.perMinute, limit.counterExpiresAt, hits),
    store.putNewLead(lead, leadExpiresAt, held),
  ]);
  if (stored.status === 'rejected') throw stored.reason;
  if (counted.status === 'rejected') {
    logger.warn('rate-limit counter not reachable; the stored lead is admitted', { leadId: lead.leadId, error: (counted.reason as Error).name });
    return stored.value;
  }
  if (counted.value) return stored.value;
  // A repeat of a lead stored earlier changes nothing, so only the answer says "slow down".
  if (!stored.value.created) throw limit.refusal();
  const withdrawn = await store.withdrawNewLead(lead.leadId).catch((error: unknown) => {
    logger.warn('lead over the rate limit could not be withdrawn; it is admitted', { leadId: lead.leadId, error: (error as Error).name });
    return false;
  });
  if (!withdrawn) return stored.value;
  throw limit.refusal();
}

/** The per-minute counter one submission from an address to a form counts against, and the 429 for going over it. */
function rateLimitOf(form: FormConfig, sourceIp: string, at: Date, config: Config) {
  const minute = Math.floor(at.getTime() / 60_000);
  const windowEnd = new Date((minute + 1) * 60_000);
  const retryAfter = Math.max(1, Math.ceil((windowEnd.getTime() - at.getTime()) / 1000));
  return {
    bucket: `${form.id}#${digest(sourceIp).slice(0, 16)}#${minute}`,
    minute,
    perMinute: form.rateLimitPerMinute ?? config.capture.rateLimitPerMinute,
    counterExpiresAt: new Date(windowEnd.getTime() + 60_000),
    refusal: () => new HttpError(429, `too many submissions to form "${form.id}" from this address; retry in ${retryAfter} s`, {
      code: 'rate_limited',
      headers: { 'retry-after': String(retryAfter) },
    }),
  };
}

/**
 * The lead id is derived, not random: an Idempotency-Key names the lead for good, and without one the same
 * submission within the same dedupe window (for imports: ever) names the same lead. The conditional write then
 * turns a double click, a client retry or a re-imported file into "already stored" instead of a second lead.
 */
function leadIdFor(form: FormConfig, submission: Submission, idempotencyKey: string | undefined, dedupeWindowMinutes: number | 'forever'): string {
  if (idempotencyKey) return encodeId(digest(`key|${form.id}|${idempotencyKey}`));
  const answers = Object.entries(submission.answers).sort(([a], [b]) => a.localeCompare(b));
  if (dedupeWindowMinutes === 'forever') {
    // Spreadsheets change an address's case between exports; the lowercased address alone names the person.
    const { emailDisplay: _asTyped, ...contact } = submission.contact;
    return encodeId(digest(`import|${form.id}|${JSON.stringify([contact, answers])}`));
  }
  const content = JSON.stringify([submission.contact, answers]);
  const window = Math.floor(Date.parse(submission.receivedAt) / (dedupeWindowMinutes * 60_000));
  return encodeId(digest(`submission|${form.id}|${window}|${content}`));
}

const digest = (text: string) => createHash('sha256').update(text).digest('hex');

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';
/** 100 bits of the hash in Crockford base32: short enough to read aloud, long enough never to collide. */
function encodeId(hex: string): string {
  let bits = BigInt(`0x${hex.slice(0, 25)}`);
  let id = '';
  for (let i = 0; i < 20; i++) {
    id = CROCKFORD[Number(bits & 31n)] + id;
    bits >>= 5n;
  }
  return `ld_${id}`;
}

function allowedRedirect(form: FormConfig, requested: string | undefined): string {
  if (!requested) return form.redirectUrl;
  try {
    const url = new URL(requested);
    if (form.allowedOrigins.includes(url.origin)) return url.toString();
  } catch {
    // A relative or malformed _next is ignored rather than guessed at.
  }
  return form.redirectUrl;
}
