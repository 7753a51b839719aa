import { loadConfig } from '../../shared/config/load.ts';
import type { Config } from '../../shared/config/schema.ts';
import { leadStoreFromEnv } from '../../shared/adapters/lead-store/from-env.ts';
import { mailerFromEnv } from '../../shared/adapters/mailer-from-env.ts';
import { formatLocal } from '../../shared/domain/business-hours.ts';
import type { Lead } from '../../shared/domain/lead.ts';
import { recordFollowUp } from '../../shared/usecases/record-follow-up.ts';
import { UsageError } from '../usage-error.ts';

type OptionValue = string | boolean | Array<string | boolean> | undefined;

/** What a rep can record from the command line, under the command's name: the alert's buttons, less "Not mine". */
export const CLI_FOLLOW_UPS = {
  contacted: 'contacted',
  qualified: 'qualified',
  'not-a-fit': 'disqualified',
  note: 'note',
} as const;

export type CliFollowUp = keyof typeof CLI_FOLLOW_UPS;

/**
 * `handoff contacted|qualified|not-a-fit|note <leadId> --by <repId> [--note …]`: records a follow-up through the
 * same use case as an action link. First contact is stamped once; a repeat only adds an activity. "Not mine" is not
 * offered: handing a lead on alerts its new owner, which needs the action-link secret a rep's credentials lack.
 */
export async function recordFollowUpFromCli(command: CliFollowUp, options: { by?: OptionValue; note?: OptionValue }, positionals: string[]): Promise<void> {
  const config = loadConfig();
  const repIds = config.salespeople.map((rep) => rep.id);
  if (positionals.length !== 1) throw new UsageError(`name exactly one lead id (got ${positionals.length}): handoff ${command} <leadId> --by <repId>`);
  const leadId = positionals[0]!;
  const by = typeof options.by === 'string' ? options.by.trim() : '';
  if (!by) throw new UsageError(`--by <repId> is required: one of ${repIds.join(', ')}`);
  const rep = config.salespeople.find((candidate) => candidate.id === by);
  if (!rep) throw new UsageError(`--by "${by}" is not a configured salesperson: use one of ${repIds.join(', ')}`);
  const note = typeof options.note === 'string' && options.note.trim() ? options.note : undefined;
  if (command === 'note' && note === undefined) throw new UsageError('--note <text> is required: the note to add to the lead');

  // Recording a follow-up signs no links, so it needs no action-link secret: a rep's credentials need table access only.
  const deps = { config, store: leadStoreFromEnv(config), mailer: mailerFromEnv(config), now: () => new Date() };
  const before = await deps.store.getLead(leadId);
  const { lead } = await recordFollowUp({ leadId, action: CLI_FOLLOW_UPS[command], by: rep.id, ...(note !== undefined ? { note } : {}), via: 'cli' }, deps);
  process.stdout.write(`${confirmation(command, before?.status, lead, rep.name, config)}\n`);
}

function confirmation(command: CliFollowUp, statusBefore: Lead['status'] | undefined, lead: Lead, repName: string, config: Config): string {
  const nameOf = (repId: string | undefined) => config.salespeople.find((candidate) => candidate.id === repId)?.name ?? repId ?? 'unknown';
  const recorded = lead.activities?.at(-1);
  const owner = recorded?.onBehalfOf ? nameOf(recorded.onBehalfOf) : undefined;
  const firstContactAt = lead.firstContactAt ? formatLocal(new Date(lead.firstContactAt), config.organisation.timezone) : 'unknown';
  const stampedFirstContact = lead.firstContactAt === recorded?.at && lead.firstContactBy === recorded?.by;
  const changed = statusBefore !== undefined && statusBefore !== lead.status ? ` (was ${statusBefore})` : '';
  switch (command) {
    case 'contacted':
      return stampedFirstContact
        ? `Recorded first contact with lead ${lead.leadId} by ${repName}${owner ? `, on behalf of ${owner} (the owner),` : ''} at ${firstContactAt}; status ${lead.status}.`
        : `First contact with lead ${lead.leadId} was already recorded at ${firstContactAt} by ${nameOf(lead.firstContactBy)}; added this contact to its activities${owner ? `, on behalf of ${owner} (the owner)` : ''} (status ${lead.status}).`;
    case 'qualified':
    case 'not-a-fit': {
      const verdict = command === 'qualified' ? 'qualified' : 'not a fit';
      // Qualifying someone means having spoken to them: without an earlier contact, it is the first contact too.
      const firstContact = stampedFirstContact ? `; this is also its first contact, at ${firstContactAt}` : '';
      return `Recorded lead ${lead.leadId} as ${verdict} by ${repName}${owner ? `, on behalf of ${owner} (the owner)` : ''}${firstContact}; status ${lead.status}${changed}.`;
    }
    case 'note':
      return `Added a note to lead ${lead.leadId} by ${repName}${owner ? `, on behalf of ${owner} (the owner)` : ''}; status ${lead.status}.`;
  }
}
