import { loadConfig } from '../../shared/config/load.ts';
import { leadStoreFromEnv } from '../../shared/adapters/lead-store/from-env.ts';
import { mailerFromEnv } from '../../shared/adapters/mailer-from-env.ts';
import { formatLocal } from '../../shared/domain/business-hours.ts';
import { recordFollowUp } from '../../shared/usecases/record-follow-up.ts';
import { UsageError } from '../usage-error.ts';

type OptionValue = string | boolean | Array<string | boolean> | undefined;

/**
 * `handoff contacted <leadId> --by <repId> [--note …]`: records first contact through the same use case as an
 * action link. First contact is stamped once; a repeat only adds an activity.
 */
export async function recordContact(options: { by?: OptionValue; note?: OptionValue }, positionals: string[]): Promise<void> {
  const config = loadConfig();
  const repIds = config.salespeople.map((rep) => rep.id);
  if (positionals.length !== 1) throw new UsageError(`name exactly one lead id (got ${positionals.length}): handoff contacted <leadId> --by <repId>`);
  const leadId = positionals[0]!;
  const by = typeof options.by === 'string' ? options.by.trim() : '';
  if (!by) throw new UsageError(`--by <repId> is required: one of ${repIds.join(', ')}`);
  const rep = config.salespeople.find((candidate) => candidate.id === by);
  if (!rep) throw new UsageError(`--by "${by}" is not a configured salesperson: use one of ${repIds.join(', ')}`);
  const note = typeof options.note === 'string' ? options.note : undefined;

  // Recording a contact signs no links, so it needs no action-link secret: a rep's credentials need table access only.
  const deps = { config, store: leadStoreFromEnv(config), mailer: mailerFromEnv(config), now: () => new Date() };
  const { lead } = await recordFollowUp({ leadId, action: 'contacted', by: rep.id, ...(note !== undefined ? { note } : {}), via: 'cli' }, deps);

  const timezone = config.organisation.timezone;
  const recorded = lead.activities?.at(-1);
  const firstContactAt = lead.firstContactAt ? formatLocal(new Date(lead.firstContactAt), timezone) : 'unknown';
  const firstContactBy = config.salespeople.find((candidate) => candidate.id === lead.firstContactBy)?.name ?? lead.firstContactBy ?? 'unknown';
  const owner = config.salespeople.find((candidate) => candidate.id === recorded?.onBehalfOf);
  const forOwner = owner ? `, on behalf of ${owner.name} (the owner),` : '';
  process.stdout.write(
    lead.firstContactAt === recorded?.at && lead.firstContactBy === rep.id
      ? `Recorded first contact with lead ${lead.leadId} by ${rep.name}${forOwner} at ${firstContactAt}; status ${lead.status}.\n`
      : `First contact with lead ${lead.leadId} was already recorded at ${firstContactAt} by ${firstContactBy}; added this contact to its activities${owner ? `, on behalf of ${owner.name} (the owner)` : ''} (status ${lead.status}).\n`,
  );
}
