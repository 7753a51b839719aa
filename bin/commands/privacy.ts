import { loadConfig } from '../../shared/config/load.ts';
import { nonEmpty, readEnv } from '../../shared/config/env.ts';
import { dynamoClient } from '../../shared/adapters/aws-clients.ts';
import { leadStoreFromEnv } from '../../shared/adapters/lead-store/from-env.ts';
import { leadEraser } from '../../shared/adapters/lead-store/privacy-queries.ts';
import { EmailHealthStore } from '../../shared/adapters/lead-store/email-health.ts';
import { erasePersonalData, exportPersonalData, type PersonQuery, type PrivacyDependencies } from '../../shared/usecases/privacy.ts';
import { UsageError } from '../usage-error.ts';

type OptionValue = string | boolean | Array<string | boolean> | undefined;

/** `handoff export --email <address> | --phone <number>`: everything Handoff holds on that person, as JSON on stdout. */
export async function exportPerson(options: PersonOptions): Promise<void> {
  const personalData = await exportPersonalData(personOf(options, 'export'), privacyDependencies());
  process.stdout.write(`${JSON.stringify(personalData, null, 2)}\n`);
}

/** `handoff erase --email <address> | --phone <number>`: removes that person everywhere Handoff stores them and says what went. */
export async function erasePerson(options: PersonOptions): Promise<void> {
  const report = await erasePersonalData(personOf(options, 'erase'), privacyDependencies());
  const byStatus = Object.entries(report.leadsByStatus).map(([status, count]) => `${count} ${status}`).join(', ');
  const rows: Array<[string, string]> = [
    ['leads', `${report.leads}${byStatus ? ` (${byStatus})` : ''}`],
    ["submissions joined into other people's leads", String(report.joinedSubmissions)],
    ['activities', `${report.activities} (removed with their leads)`],
    ['email-health mark', report.emailHealthMark ? 'removed' : 'none'],
  ];
  const labelWidth = Math.max(...rows.map(([label]) => label.length));
  const lines = [
    `Erased ${report.email ?? report.phone}:`,
    ...rows.map(([label, value]) => `  ${label.padEnd(labelWidth)}  ${value}`),
    'Notes:',
    ...report.notes.map((note) => `  - ${note}`),
  ];
  if (report.leads === 0 && report.joinedSubmissions === 0) lines.push(`Nothing was stored for this ${report.email ? 'address' : 'phone number'} (or it was erased already).`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

type PersonOptions = { email?: OptionValue; phone?: OptionValue };

/** The one person to find: `--email`, or `--phone` for someone who gave only a phone. */
function personOf(options: PersonOptions, command: string): PersonQuery {
  const [email, phone] = [options.email, options.phone].map((value) => (typeof value === 'string' ? value.trim() : ''));
  if (email && phone) throw new UsageError(`give --email or --phone, not both: a lead that gave an address is found by it (handoff ${command} --email jane@example.com)`);
  if (email) return { email };
  if (phone) return { phone };
  throw new UsageError(`--email <address> or --phone <number> is required: handoff ${command} --email jane@example.com (--phone for a lead that gave only a phone)`);
}

function privacyDependencies(): PrivacyDependencies {
  const config = loadConfig();
  const { TABLE_NAME } = readEnv({ TABLE_NAME: nonEmpty });
  return {
    store: leadStoreFromEnv(config),
    eraser: leadEraser({ client: dynamoClient(), tableName: TABLE_NAME }),
    emailHealth: new EmailHealthStore({ client: dynamoClient(), tableName: TABLE_NAME }),
    now: () => new Date(),
  };
}
