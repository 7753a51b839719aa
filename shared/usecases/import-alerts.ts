import { awaitsImportAlert, type Lead } from '../domain/lead.ts';
import type { ActionActor } from '../domain/action-token.ts';
import type { Salesperson } from '../config/schema.ts';
import { renderImportDigest, type ImportDigestEntry } from '../domain/render/import-digest.ts';
import type { ImportPart } from '../adapters/lead-store/store.ts';
import { countAlert } from '../adapters/metrics.ts';
import { logger } from '../adapters/logger.ts';
import { StorageUnavailableError } from '../errors.ts';
import { mapBounded } from './bounded.ts';
import { findForm } from './capture-lead.ts';
import { actionLinksFor, awayOwner, placedLead, sendOwnerAlert, type ProcessDependencies } from './process-lead.ts';

export interface ImportAlertOutcome {
  /** Owners who got one email listing their leads of this part. */
  digests: number;
  /** Owners with a single lead in this part, who got the usual alert for it. */
  singleAlerts: number;
  /** Leads this run told their owner about (rows that joined one person's lead count once each). */
  leadsTold: number;
  /** Leads whose owner could not be told this time. */
  failed: number;
}

/** Leads placed at once when their own stream records have not got to them yet: enough to be quick, few enough not to be throttled. */
const PLACING_AT_ONCE = 8;

/**
 * Tells each owner about their leads from one part of an import, in one email, instead of an email per row (a
 * booth's 2,000 badge scans would otherwise be 2,000 alerts). The part lists the leads its import stored; each is
 * placed first, as its own stream record would (that record may still be on its way, in another shard), so every
 * lead has its owner by the time the digests are written.
 *
 * An owner with one lead gets the usual alert for it, which says more. Rows about one person count once: a badge
 * scanned twice, or a person who already had an open lead, which then stands in the digest as "returning".
 *
 * Every lead that made it into a sent email is marked told, so a retried run sends only what is left, and a lead's own
 * stream record finds it told. A failed email throws (the record is retried) unless this is the final attempt,
 * which marks its leads' alerts failed for the nightly report to show.
 */
export async function alertImportedLeads(ref: { importId: string; part: number }, deps: ProcessDependencies, options: { finalAttempt?: boolean } = {}): Promise<ImportAlertOutcome | 'no-such-part'> {
  const { config, store } = deps;
  const finalAttempt = options.finalAttempt ?? false;
  const outcome: ImportAlertOutcome = { digests: 0, singleAlerts: 0, leadsTold: 0, failed: 0 };
  const part = await store.getImportPart(ref.importId, ref.part);
  if (!part) return 'no-such-part';
  const read = await store.getLeads(part.leadIds);
  // A lead that cannot be placed (a poison row) must not keep the others' owners waiting: they are told, and the part
  // fails afterwards so the lead is tried again; on the final attempt it stays unplaced, as a poison record would.
  let unplaceable: unknown;
  const placed = (await mapBounded(read, PLACING_AT_ONCE, (lead) => placedLead(lead.leadId, deps, lead).catch((error: unknown) => {
    if (error instanceof StorageUnavailableError) throw error;
    logger.warn('an imported lead could not be placed; the others are told without it', { importId: part.importId, part: part.part, leadId: lead.leadId, error });
    unplaceable ??= error;
    outcome.failed++;
    return undefined;
  }))).filter((lead): lead is Lead => lead !== undefined);
  const waiting = placed.filter(awaitsImportAlert);

  const subjects = new Map(placed.map((lead) => [lead.leadId, lead]));
  const elsewhere = [...new Set(waiting.flatMap((lead) => (lead.mergedInto && !subjects.has(lead.mergedInto) ? [lead.mergedInto] : [])))];
  for (const lead of await store.getLeads(elsewhere)) subjects.set(lead.leadId, lead);

  const byOwner = new Map<string, { owner: Salesperson; people: Map<string, { subject: Lead; rows: Lead[] }> }>();
  const unowned: Lead[] = [];
  for (const row of waiting) {
    const subject = row.mergedInto ? subjects.get(row.mergedInto) : row;
    const owner = config.salespeople.find((rep) => rep.id === subject?.ownerId);
    if (!subject?.enrichment || !owner) {
      unowned.push(row);
      continue;
    }
    const group = byOwner.get(owner.id) ?? { owner, people: new Map() };
    byOwner.set(owner.id, group);
    const person = group.people.get(subject.leadId) ?? { subject, rows: [] };
    group.people.set(subject.leadId, person);
    person.rows.push(row);
  }

  let retry: unknown = finalAttempt ? undefined : unplaceable;
  // sendOwnerAlert marks a lead with no owner failed, as it does for any lead.
  for (const row of unowned) {
    await sendOwnerAlert(row, deps, true);
    outcome.failed++;
  }
  for (const { owner, people } of byOwner.values()) {
    const persons = [...people.values()];
    try {
      if (persons.length === 1) {
        await tellOneLead(part, persons[0]!, deps, finalAttempt, outcome);
      } else {
        await sendDigest(part, owner, persons, deps, finalAttempt, outcome);
      }
    } catch (error) {
      // Told owners stay told; the retry sends the rest.
      logger.warn('imported leads could not be told to their owner; the part will be retried', { importId: part.importId, part: part.part, ownerId: owner.id, error });
      retry ??= error;
    }
  }
  if (retry !== undefined) throw retry;
  return outcome;
}

/** One person for this owner: the usual alert, about the row that is the lead when there is one, and every row marked told. */
async function tellOneLead(part: ImportPart, { subject, rows }: { subject: Lead; rows: Lead[] }, deps: ProcessDependencies, finalAttempt: boolean, outcome: ImportAlertOutcome): Promise<void> {
  const about = rows.find((row) => row.leadId === subject.leadId) ?? rows[0]!;
  const result = await sendOwnerAlert(about, deps, finalAttempt, { scanTimeColumns: part.scanTimeColumns ?? [] });
  if (result !== 'alerted') {
    outcome.failed += rows.length;
    return;
  }
  for (const row of rows) if (row !== about) await deps.store.markAlertSent(row.leadId, deps.now());
  outcome.singleAlerts++;
  outcome.leadsTold++;
}

async function sendDigest(part: ImportPart, owner: Salesperson, persons: Array<{ subject: Lead; rows: Lead[] }>, deps: ProcessDependencies, finalAttempt: boolean, outcome: ImportAlertOutcome): Promise<void> {
  const { config, store, mailer, now } = deps;
  const { away, managerCopy } = awayOwner(owner, config, now());
  const digestFor = (actor: ActionActor | undefined, awayNotice: string | undefined) => renderImportDigest({
    owner, form: findForm(config, part.formId), fileName: part.fileName, importedAt: part.importedAt, scanTimeColumns: part.scanTimeColumns ?? [],
    part: { number: part.part, of: part.parts }, config, now: now(),
    entries: persons.map(({ subject, rows }): ImportDigestEntry => ({
      lead: subject,
      kind: rows.some((row) => row.leadId === subject.leadId) ? 'new' : 'returning',
      rows,
      actionLinks: actionLinksFor(subject.leadId, owner.id, deps, actor),
    })),
    ...(awayNotice ? { awayNotice } : {}),
    forManager: actor !== undefined,
  });
  const digest = digestFor(undefined, away === undefined ? undefined : `You are marked ${away}${managerCopy ? `, so your manager (${owner.managerEmail}) gets a copy of this email` : ''}.`);
  const rows = persons.flatMap((person) => person.rows);
  try {
    await mailer.send({
      to: [owner.email], subject: digest.subject, html: digest.html, text: digest.text,
      attachments: [{ filename: digest.csv.filename, content: digest.csv.content, contentType: 'text/csv; charset=utf-8' }],
      idempotencyKey: `import:${part.importId}:${part.part}:${owner.id}`,
    });
  } catch (error) {
    for (const row of rows) await store.markAlertAttemptFailed(row.leadId, `import digest could not be sent: ${(error as Error).name}`, finalAttempt);
    if (!finalAttempt) throw error;
    for (const _ of rows) countAlert('failed');
    outcome.failed += rows.length;
    return;
  }
  for (const row of rows) if (await store.markAlertSent(row.leadId, now())) countAlert('sent');
  outcome.digests++;
  outcome.leadsTold += persons.length;
  // As for a single alert (sendManagerCopy): best effort, once the owner's email is marked sent.
  if (!managerCopy) return;
  const copy = digestFor({ role: 'manager', address: owner.managerEmail }, `${owner.name} is marked ${away}, so you get this copy as their manager. Its links record you, on ${owner.name}'s behalf.`);
  try {
    await mailer.send({
      to: [owner.managerEmail], subject: `[Copy for ${owner.name}] ${copy.subject}`, html: copy.html, text: copy.text,
      attachments: [{ filename: copy.csv.filename, content: copy.csv.content, contentType: 'text/csv; charset=utf-8' }],
      idempotencyKey: `import-copy:${part.importId}:${part.part}:${owner.id}`,
    });
  } catch (error) {
    logger.warn('the manager\'s copy of an import email to an away rep could not be sent', { importId: part.importId, part: part.part, ownerId: owner.id, errorName: (error as Error).name });
  }
}
