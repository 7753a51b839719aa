/**
 * The pages behind an alert's one-click links. Mail scanners and link previews prefetch GET
 * links, so GET only renders a confirmation with a POST button; the POST's outcome is a result
 * page. Self-contained (inline CSS, no scripts, no external assets) and mobile-first.
 */
import { ACTION_LINK_DAYS, type ActionActor } from '../action-token.ts';
import type { FollowUpAction } from '../lead.ts';
import { asSentence, emailColours, html, mailtoHref, multilineHtml, type SafeHtml } from './html.ts';
import { followUpActionLabels } from './owner-alert.ts';

export interface ActionLeadSummary {
  displayName: string;
  companyName?: string;
  /** The address as the person typed it, or the phone of a phone-only lead: two leads can share a name, rarely this. */
  contactLine: string;
}

/** A rep's manager, whom a page names when only the manager can help. */
export interface ManagerContact {
  /** Known only when the manager's address is also a configured rep's. */
  name?: string;
  email: string;
}

/** What an expired link we signed still tells: which lead it was for, and what its rep can do instead. */
export interface ExpiredLink {
  action: FollowUpAction;
  leadId: string;
  lead: ActionLeadSummary;
  /** The lead still waits for first contact, overdue, with the link's rep: their next digest carries a fresh link. */
  inNextDigest: boolean;
  /** The link's rep's manager; absent for a report recipient's link, whose reader may be that manager. */
  manager?: ManagerContact;
  /** The rep the CLI would record it for; absent for a report recipient's link, which records its recipient. */
  repId?: string;
  /** What happened since that leaves nothing to record: the lead went to another rep, or its first contact was made. */
  since?: { nowWith: string } | { contacted: EarlierContact };
}

/** Who a report recipient's link records as acting: not the lead's owner, whose link it is. */
export interface ActedBy {
  /** Their name where they are a configured rep, else their address. */
  name: string;
  role: ActionActor['role'];
  /** The owner's name; absent for a lead with no (configured) owner. */
  onBehalfOf?: string;
}

/** First contact recorded before this link was used: "Contacted" then only adds to the lead's history. */
export interface EarlierContact {
  /** Formatted for the reader, e.g. "Mon 30 Nov, 13:00 CET". */
  at: string;
  /** A name, an address, or "you". */
  by: string;
}

export interface ActionConfirmPageInput {
  action: FollowUpAction;
  lead: ActionLeadSummary;
  organisation: string;
  actedBy?: ActedBy;
  earlierContact?: EarlierContact;
  /** The other verdict, when the lead has it: "closed as not a fit on Mon 30 Nov, 13:00 CET by Maya Johnson". */
  otherVerdict?: string;
}

export type ActionOutcome =
  /** `reassignedTo`: for "Not mine", the name of the rep who has the lead now. */
  | { kind: 'done'; action: FollowUpAction; lead: ActionLeadSummary; actedBy?: ActedBy; earlierContact?: EarlierContact; reassignedTo?: string; note?: string }
  /**
   * `usedAt` is already formatted for the reader, e.g. "Mon 30 Nov, 13:00 CET"; `usedBy` is who used it, or "you";
   * `nowWith`, for a used "Not mine", names the rep who has the lead now.
   */
  | { kind: 'already-used'; action: FollowUpAction; lead: ActionLeadSummary; usedAt?: string; usedBy?: string; nowWith?: string }
  /** The lead was reassigned after the email went out: its links belong to the new owner now. */
  | { kind: 'moved'; lead: ActionLeadSummary; ownerName: string }
  /** The follow-up could not be recorded; `reason` is an error message written to be shown; `manager`, when it sends the rep to them. */
  | { kind: 'refused'; lead: ActionLeadSummary; reason: string; manager?: ManagerContact }
  /** The lead no longer exists (erased on request). */
  | { kind: 'gone' }
  /** `link` only for a link we signed that names a lead that still exists: anything else must learn nothing from the page. */
  | { kind: 'expired'; link?: ExpiredLink }
  | { kind: 'invalid' }
  /** The request failed before the lead could be read, e.g. storage did not answer; `reason` is written to be shown. */
  | { kind: 'failed'; reason: string; retry: boolean };

const CONFIRM_COPY: Record<FollowUpAction, { question: string; effect: string; notePrompt: string; button: string }> = {
  contacted: {
    question: 'Mark as contacted?',
    button: 'Yes, I contacted them',
    effect: 'Records that you reached them and stops the follow-up clock.',
    notePrompt: 'How did you reach them? (optional)',
  },
  qualified: {
    question: 'Qualified — make it a deal?',
    button: 'Yes, it is qualified',
    effect: 'Records this lead as qualified and ready to become a deal.',
    notePrompt: 'What makes it a deal? (optional)',
  },
  disqualified: {
    question: 'Close as not a fit?',
    button: 'Yes, close it',
    effect: 'Closes this lead. A reason helps marketing spend where leads fit.',
    notePrompt: 'Why is it not a fit? (optional)',
  },
  reassign: {
    question: 'Not yours — reassign?',
    button: 'Yes, reassign it',
    effect: 'Hands this lead back so Handoff assigns it to someone else.',
    notePrompt: 'Who should take it, or why not you? (optional)',
  },
};

const DONE_COPY: Record<FollowUpAction, string> = {
  contacted: 'is marked as contacted',
  qualified: 'is marked as qualified',
  disqualified: 'is closed as not a fit',
  reassign: 'is handed back for reassignment',
};

const RECORDED_AS: Record<FollowUpAction, string> = {
  contacted: 'Recorded as contacted',
  qualified: 'Recorded as qualified',
  disqualified: 'Closed as not a fit',
  reassign: 'Handed back for reassignment',
};

const ACTOR_ROLES: Record<ActionActor['role'], string> = { manager: 'manager', 'sales-report': 'sales report' };

/** The CLI records every follow-up but "Not mine", which alerts the new owner and so needs the link-signing secret. */
const CLI_COMMANDS: Partial<Record<FollowUpAction, string>> = { contacted: 'contacted', qualified: 'qualified', disqualified: 'not-a-fit' };

const NOTE_MAX_LENGTH = 2000;

/** "Maria Keller (manager), on behalf of Ana Silva". */
function actorLine({ name, role, onBehalfOf }: ActedBy): string {
  return `${name} (${ACTOR_ROLES[role]})${onBehalfOf ? `, on behalf of ${onBehalfOf}` : ''}`;
}

/** "Your manager: Eva Klein, eva.klein@…", the address a mailto link. */
function managerLine(prompt: string, manager: ManagerContact): SafeHtml {
  return html`<p class="muted">${prompt}: ${manager.name ? `${manager.name}, ` : ''}<a href="${mailtoHref(manager.email)}">${manager.email}</a></p>`;
}

/** "On Mon 30 Nov, 13:00 CET you handed this lead on; it is now with Diego Ramos." */
function handedOnLine({ usedAt, usedBy, nowWith }: { usedAt?: string; usedBy?: string; nowWith?: string }): string {
  const handedOn = usedBy ? `${usedBy} handed this lead on` : 'this lead was handed on';
  const sentence = usedAt ? `On ${usedAt} ${handedOn}` : `${handedOn.charAt(0).toUpperCase()}${handedOn.slice(1)}`;
  return `${sentence}${nowWith ? `; it is now with ${nowWith}` : ''}.`;
}

function expiredLinkNextSteps(link: ExpiredLink | undefined): SafeHtml {
  if (!link) {
    return html`<p class="muted">Open the link in a newer email about this lead, or ask your sales manager.</p>
<p class="small">The Handoff CLI can record it too.</p>`;
  }
  if (link.since) {
    return 'nowWith' in link.since
      ? html`<p class="notice">It is now with ${link.since.nowWith}, so there is nothing for you to record.</p>`
      : html`<p class="notice">First contact was recorded on ${link.since.contacted.at} by ${link.since.contacted.by}, so there is nothing left to record.</p>`;
  }
  const command = CLI_COMMANDS[link.action];
  return html`${link.inNextDigest ? html`<p class="muted">It is still waiting for first contact, so your next nightly digest lists it with a fresh Mark contacted link.</p>` : ''}
${link.manager ? managerLine(link.inNextDigest ? 'To record it sooner, ask your manager' : 'To record it now, ask your manager', link.manager) : ''}
${command && link.repId ? html`<p class="small">With the Handoff CLI: <code>npx handoff ${command} ${link.leadId} --by ${link.repId}</code></p>` : ''}`;
}

function earlierContactLine({ at, by }: EarlierContact): SafeHtml {
  return html`<p class="notice">First contact was already recorded on ${at} by ${by}. The follow-up clock stopped then; this adds your contact to the lead's history.</p>`;
}

export function renderActionConfirmPage({ action, lead, organisation, actedBy, earlierContact, otherVerdict }: ActionConfirmPageInput): string {
  const copy = CONFIRM_COPY[action];
  // No form action: the POST goes to the very URL that rendered the page, token included,
  // whatever stage or path prefix the API sits behind.
  return renderPage(
    copy.question,
    organisation,
    html`<p class="eyebrow">Lead follow-up</p>
<h1>${copy.question}</h1>
${leadLine(lead)}
${earlierContact ? earlierContactLine(earlierContact) : html`<p class="muted">${copy.effect}</p>`}
${otherVerdict ? html`<p class="notice">This lead is currently ${otherVerdict}. Confirming changes the verdict; the lead keeps the latest one.</p>` : ''}
${actedBy ? html`<p class="muted">You record it as ${actorLine(actedBy)}.</p>` : ''}
<form method="post">
<label for="note">${copy.notePrompt}</label>
<textarea id="note" name="note" rows="4" maxlength="${NOTE_MAX_LENGTH}"></textarea>
<button type="submit">${copy.button}</button>
</form>
<p class="small">Nothing changes until you press the button.</p>`,
  );
}

export function renderActionResultPage(outcome: ActionOutcome, organisation: string): string {
  switch (outcome.kind) {
    case 'done':
      return renderPage(
        'Done',
        organisation,
        html`<p class="eyebrow ok">Done</p>
<h1>${outcome.lead.displayName} ${DONE_COPY[outcome.action]}.</h1>
${leadLine(outcome.lead)}
${outcome.actedBy ? html`<p class="muted">${RECORDED_AS[outcome.action]} by ${actorLine(outcome.actedBy)}.</p>` : ''}
${outcome.earlierContact ? earlierContactLine(outcome.earlierContact) : ''}
${outcome.reassignedTo ? html`<p class="muted">It is now with ${outcome.reassignedTo}, who has been sent an alert about it.</p>` : ''}
${outcome.note ? html`<p class="muted">Your note:</p>
<p class="note">${multilineHtml(outcome.note)}</p>` : ''}
<p class="muted">Thank you. You can close this page.</p>`,
      );
    case 'already-used':
      return renderPage(
        'Link already used',
        organisation,
        html`<p class="eyebrow warn">Already used</p>
<h1>This link was already used.</h1>
${leadLine(outcome.lead)}
<p class="muted">${outcome.action === 'reassign' ? handedOnLine(outcome) : `${followUpActionLabels[outcome.action]} was recorded${outcome.usedAt ? ` on ${outcome.usedAt}` : ''}${outcome.usedBy ? ` by ${outcome.usedBy}` : ''}.`} Each link works once, so nothing changed now.</p>`,
      );
    case 'moved':
      return renderPage(
        'Lead reassigned',
        organisation,
        html`<p class="eyebrow warn">Reassigned</p>
<h1>This lead is now with ${outcome.ownerName}.</h1>
${leadLine(outcome.lead)}
<p class="muted">It was reassigned after this email was sent, so its links no longer apply and nothing changed. ${outcome.ownerName} has the current links.</p>`,
      );
    case 'refused':
      return renderPage(
        'Nothing recorded',
        organisation,
        html`<p class="eyebrow warn">Not recorded</p>
<h1>Nothing was recorded.</h1>
${leadLine(outcome.lead)}
<p class="muted">${asSentence(outcome.reason)}</p>
${outcome.manager ? managerLine('Your manager', outcome.manager) : ''}`,
      );
    case 'gone':
      return renderPage(
        'Lead not found',
        organisation,
        html`<p class="eyebrow warn">Not found</p>
<h1>This lead no longer exists.</h1>
<p class="muted">It may have been erased at the person's request. Nothing changed.</p>`,
      );
    case 'expired':
      return renderPage(
        'Link expired',
        organisation,
        html`<p class="eyebrow warn">Expired</p>
<h1>This link has expired.</h1>
${outcome.link ? leadLine(outcome.link.lead) : ''}
<p class="muted">Follow-up links work for ${ACTION_LINK_DAYS} days, so an old email cannot change a lead. Nothing changed.</p>
${expiredLinkNextSteps(outcome.link)}`,
      );
    case 'failed':
      return renderPage(
        'Nothing recorded',
        organisation,
        html`<p class="eyebrow warn">Not recorded</p>
<h1>Nothing was recorded.</h1>
<p class="muted">${asSentence(outcome.reason)} ${outcome.retry ? 'Open the link again in a minute; it still works.' : 'Open the link again from the email.'}</p>`,
      );
    case 'invalid':
      return renderPage(
        'Link not valid',
        organisation,
        html`<p class="eyebrow warn">Not valid</p>
<h1>This link is not valid.</h1>
<p class="muted">It may have been cut off when it was copied. Open it again from the email.</p>`,
      );
  }
}

function leadLine(lead: ActionLeadSummary): SafeHtml {
  return html`<p class="lead">${lead.displayName}${lead.companyName ? html` <span class="muted">· ${lead.companyName}</span>` : ''}</p>
<p class="contact">${lead.contactLine}</p>`;
}

function renderPage(title: string, organisation: string, content: SafeHtml): string {
  const c = emailColours;
  // The URL carries the signed token, so no Referer may leak it and no crawler may index it.
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>${title} · ${organisation}</title>
<style>
*{box-sizing:border-box}
body{margin:0;background:${c.page};color:${c.text};font:16px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
main{max-width:480px;margin:0 auto;padding:24px 16px}
.brand{font-size:13px;font-weight:600;letter-spacing:.04em;text-transform:uppercase;color:${c.muted};margin:0 4px 12px}
.card{background:${c.card};border:1px solid ${c.border};border-radius:10px;padding:24px}
h1{font-size:22px;line-height:1.3;margin:0 0 8px;overflow-wrap:anywhere}
p{margin:0 0 12px;overflow-wrap:anywhere}
.eyebrow{font-size:12px;font-weight:700;letter-spacing:.06em;text-transform:uppercase;color:${c.brand};margin-bottom:6px}
.eyebrow.ok{color:${c.success}}
.eyebrow.warn{color:${c.warning}}
.lead{font-size:17px;font-weight:600;margin-bottom:2px}
.contact{font-size:15px;color:${c.muted}}
.note{border-left:3px solid ${c.border};padding:4px 12px}
a{color:${c.brand}}
code{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace;overflow-wrap:anywhere}
.muted{color:${c.muted};font-weight:400}
.small{font-size:13px;color:${c.muted};margin:12px 0 0}
.notice{background:${c.warningSoft};border-left:3px solid ${c.warning};padding:10px 12px;border-radius:4px}
label{display:block;font-size:14px;font-weight:600;margin:16px 0 6px}
textarea{width:100%;font:inherit;padding:10px;border:1px solid ${c.border};border-radius:6px;resize:vertical}
textarea:focus{outline:2px solid ${c.brand};outline-offset:1px}
button{display:block;width:100%;margin-top:16px;padding:14px;border:0;border-radius:6px;background:${c.brand};color:#fff;font:inherit;font-weight:600;cursor:pointer}
button:focus-visible{outline:3px solid ${c.text};outline-offset:2px}
</style>
</head>
<body>
<main>
<p class="brand">${organisation} · Handoff</p>
<div class="card">
${content}
</div>
</main>
</body>
</html>`.value;
}
