/**
 * `npx handoff contacted` (and `leads`) as a person runs it: a child process against DynamoDB Local, pointed at a
 * test table through the same variables the local stack's env file sets.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config/load.ts';
import { LeadStore } from '../../shared/adapters/lead-store/store.ts';
import { localDate } from '../../shared/domain/business-hours.ts';
import { LEAD_STATUSES, type Lead } from '../../shared/domain/lead.ts';
import { lastFireTime } from '../../infra/local/scheduler.ts';
import { seedLead } from '../fixtures/nightly-scenario.ts';
import { createTestTable, startSilentEndpoint, testDynamoDbClient } from '../support/local-aws.ts';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));
const CONFIG_FILE = join(repositoryRoot, 'handoff.config.json');
const config = loadConfig(CONFIG_FILE);
const FAR_FUTURE = new Date('2100-01-01T00:00:00Z');

let store: LeadStore;
let cliEnv: NodeJS.ProcessEnv;

interface CliRun {
  code: number;
  stdout: string;
  /** What the CLI itself said on stderr; Node 20 also prints the AWS SDK's "upgrade to Node 22" warning there. */
  errors: string[];
}

function handoff(args: string[], env: NodeJS.ProcessEnv = cliEnv): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile('npx', ['tsx', 'bin/handoff.ts', ...args], { cwd: repositoryRoot, env, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, errors: stderr.split('\n').filter((line) => line.startsWith('handoff:')) });
    });
  });
}

/**
 * Runs the CLI as `handoff leads --json | reader` does, with its stdout on an OS pipe, which holds 64 KiB (Node's own
 * child-process pipes are socket pairs, which hold several times more): what does not fit at once is still queued
 * inside the CLI when its command is done. The exit code is the CLI's, not the reader's.
 */
function handoffThroughPipe(args: string[], reader = 'cat'): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const pipeline = `npx tsx bin/handoff.ts "$@" | ${reader}; exit "\${PIPESTATUS[0]}"`;
    execFile('bash', ['-c', pipeline, 'handoff', ...args], { cwd: repositoryRoot, env: cliEnv, timeout: 30_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** A lead as the processor leaves it: captured, assigned to Ana, alerted, waiting for first contact. */
async function waitingLead(leadId: string, daysAgo = 2): Promise<void> {
  const receivedAt = new Date(Date.now() - daysAgo * 86_400_000).toISOString();
  const { enrichment, score, alert: _alert, ...captured } = seedLead(
    { leadId, formId: 'demo-request', receivedAt, status: 'new', name: 'Lena Fischer', email: `lena.${leadId.toLowerCase()}@brightpath.example`, score: 70 },
    config,
  );
  await store.putNewLead(captured);
  await store.recordAssignment(leadId, { enrichment: enrichment!, score: score!, scoreReasons: [], ownerId: 'ana', ownerReason: 'seeded' });
  await store.markAlertSent(leadId, new Date(receivedAt));
}

const waitingIds = async () => (await store.waitingDueBy(FAR_FUTURE)).map((lead) => lead.leadId);

beforeAll(async () => {
  const tableName = await createTestTable('follow-up-cli');
  store = new LeadStore({ client: testDynamoDbClient(), tableName, timezone: config.organisation.timezone });
  const secretFile = join(mkdtempSync(join(tmpdir(), 'handoff-cli-')), 'action-secret');
  writeFileSync(secretFile, randomBytes(48).toString('base64url'));
  // The SDK endpoints and dummy credentials come from the environment global-setup prepared.
  cliEnv = { ...process.env, TABLE_NAME: tableName, HANDOFF_CONFIG: CONFIG_FILE, ACTION_SECRET_FILE: secretFile };
});

describe('handoff contacted <leadId> --by <repId>', () => {
  it('takes the lead out of the waiting set and stamps first contact once', async () => {
    await waitingLead('CLI1');
    expect(await waitingIds()).toContain('CLI1');

    const first = await handoff(['contacted', 'CLI1', '--by', 'ana', '--note', 'Called, demo booked for Tuesday']);
    expect(first).toMatchObject({ code: 0, errors: [] });
    expect(first.stdout).toMatch(/^Recorded first contact with lead CLI1 by Ana Silva at \w{3} \d+ \w{3}, \d\d:\d\d CET; status contacted\.\n$/);
    const contacted = await store.getLead('CLI1');
    expect(contacted).toMatchObject({
      status: 'contacted',
      firstContactBy: 'ana',
      activities: [{ action: 'contacted', by: 'ana', via: 'cli', note: 'Called, demo booked for Tuesday' }],
    });
    expect(contacted!.firstContactAt).toBe(contacted!.activities![0]!.at);
    expect(await waitingIds()).not.toContain('CLI1');

    const again = await handoff(['contacted', 'CLI1', '--by', 'jonas']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('First contact with lead CLI1 was already recorded at');
    expect(again.stdout).toContain('by Ana Silva; added this contact to its activities, on behalf of Ana Silva (the owner) (status contacted).');
    const afterRepeat = await store.getLead('CLI1');
    expect(afterRepeat).toMatchObject({ firstContactAt: contacted!.firstContactAt, firstContactBy: 'ana' });
    expect(afterRepeat!.activities!.map((activity) => activity.by)).toEqual(['ana', 'jonas']);
    expect(afterRepeat!.activities![1]).toMatchObject({ by: 'jonas', onBehalfOf: 'ana' });
  }, 60_000);

  it('records a colleague\'s contact as made on behalf of the owner, and says so', async () => {
    await waitingLead('CLI5');
    const run = await handoff(['contacted', 'CLI5', '--by', 'jonas']);
    expect(run).toMatchObject({ code: 0, errors: [] });
    expect(run.stdout).toMatch(/^Recorded first contact with lead CLI5 by Jonas Weber, on behalf of Ana Silva \(the owner\), at \w{3} \d+ \w{3}, \d\d:\d\d CET; status contacted\.\n$/);
    expect(await store.getLead('CLI5')).toMatchObject({ ownerId: 'ana', firstContactBy: 'jonas', activities: [{ action: 'contacted', by: 'jonas', onBehalfOf: 'ana', via: 'cli' }] });
  }, 60_000);

  it('refuses a --by that is not a configured salesperson, in one line, and changes nothing', async () => {
    await waitingLead('CLI2');
    const run = await handoff(['contacted', 'CLI2', '--by', 'zoe']);
    expect(run).toEqual({ code: 1, stdout: '', errors: ['handoff: --by "zoe" is not a configured salesperson: use one of ana, jonas, maya, diego'] });
    expect(await store.getLead('CLI2')).not.toHaveProperty('firstContactAt');
    expect(await waitingIds()).toContain('CLI2');
  });

  it('refuses an unknown command, including names every object has', async () => {
    for (const name of ['follow', 'toString', '__proto__']) {
      const run = await handoff([name]);
      expect(run).toMatchObject({ code: 1, stdout: '', errors: [`handoff: unknown command "${name}"`] });
    }
  }, 60_000);

  it("prints a command's usage on stdout and exits 0 for --help or -h after it, touching nothing", async () => {
    for (const args of [['nightly', '--help'], ['import', '--help'], ['nightly', '-h'], ['contacted', 'CLI1', '--by', 'ana', '--help'], ['not-a-fit', '--help']]) {
      const run = await handoff(args);
      expect(run).toEqual({ code: 0, stdout: expect.stringMatching(new RegExp(`^usage: handoff ${args[0]} `)), errors: [] });
    }
  }, 60_000);

  it('says so when the lead does not exist', async () => {
    const run = await handoff(['contacted', 'NO-SUCH-LEAD', '--by', 'ana']);
    expect(run).toEqual({ code: 1, stdout: '', errors: ['handoff: lead "NO-SUCH-LEAD" does not exist'] });
  });

  it('asks for exactly one lead id and for --by', async () => {
    expect((await handoff(['contacted', '--by', 'ana'])).errors).toEqual(['handoff: name exactly one lead id (got 0): handoff contacted <leadId> --by <repId>']);
    expect((await handoff(['contacted', 'CLI2'])).errors).toEqual(['handoff: --by <repId> is required: one of ana, jonas, maya, diego']);
  }, 60_000);

  it('needs no action-link secret to record a contact', async () => {
    await waitingLead('CLI3');
    const withoutSecret = Object.fromEntries(Object.entries(cliEnv).filter(([name]) => name !== 'ACTION_SECRET_FILE'));
    const run = await handoff(['contacted', 'CLI3', '--by', 'ana'], withoutSecret);
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(await waitingIds()).not.toContain('CLI3');
  });
});

describe('handoff qualified, not-a-fit and note <leadId> --by <repId>', () => {
  it('records a verdict as the alert’s buttons do: qualifying a lead never contacted is its first contact too', async () => {
    await waitingLead('CLI7');
    const qualified = await handoff(['qualified', 'CLI7', '--by', 'ana', '--note', 'Budget approved']);
    expect(qualified).toMatchObject({ code: 0, errors: [] });
    expect(qualified.stdout).toMatch(/^Recorded lead CLI7 as qualified by Ana Silva; this is also its first contact, at \w{3} \d+ \w{3}, \d\d:\d\d CET; status qualified \(was open\)\.\n$/);
    const lead = await store.getLead('CLI7');
    expect(lead).toMatchObject({ status: 'qualified', firstContactBy: 'ana', activities: [{ action: 'qualified', by: 'ana', via: 'cli', note: 'Budget approved' }] });
    expect(await waitingIds()).not.toContain('CLI7');

    const notAFit = await handoff(['not-a-fit', 'CLI7', '--by', 'jonas']);
    expect(notAFit).toMatchObject({ code: 0, errors: [] });
    expect(notAFit.stdout).toBe('Recorded lead CLI7 as not a fit by Jonas Weber, on behalf of Ana Silva (the owner); status disqualified (was qualified).\n');
    expect(await store.getLead('CLI7')).toMatchObject({ status: 'disqualified', firstContactAt: lead!.firstContactAt, firstContactBy: 'ana' });
  }, 60_000);

  it('adds a note and changes nothing else, and asks for the note', async () => {
    await waitingLead('CLI8');
    expect(await handoff(['note', 'CLI8', '--by', 'ana'])).toEqual({ code: 1, stdout: '', errors: ['handoff: --note <text> is required: the note to add to the lead'] });
    const noted = await handoff(['note', 'CLI8', '--by', 'ana', '--note', 'Out of office until Monday']);
    expect(noted).toEqual({ code: 0, stdout: 'Added a note to lead CLI8 by Ana Silva; status open.\n', errors: [] });
    const lead = await store.getLead('CLI8');
    expect(lead).toMatchObject({ status: 'open', activities: [{ action: 'note', by: 'ana', via: 'cli', note: 'Out of office until Monday' }] });
    expect(lead).not.toHaveProperty('firstContactAt');
    expect(await waitingIds()).toContain('CLI8');
  }, 60_000);
});

describe('npx handoff leads', () => {
  it('filters by a known status, and refuses an unknown status or form in one line instead of listing nothing', async () => {
    await waitingLead('CLI4');
    const open = await handoff(['leads', '--status', 'open', '--json']);
    expect(open.code).toBe(0);
    expect((JSON.parse(open.stdout) as Lead[]).map((lead) => lead.leadId)).toContain('CLI4');

    expect(await handoff(['leads', '--status', 'bogus'])).toEqual({ code: 1, stdout: '', errors: [`handoff: --status must be one of ${LEAD_STATUSES.join(', ')}; got "bogus"`] });
    expect(await handoff(['leads', '--form', 'nope'])).toEqual({ code: 1, stdout: '', errors: [`handoff: --form must be one of ${config.forms.map((form) => form.id).join(', ')}; got "nope"`] });
  }, 60_000);

  it('lists every lead still waiting for first contact, however old, by deadline, with the overdue ones marked; and filters by owner', async () => {
    await waitingLead('CLI6');
    const waiting = await handoff(['leads', '--waiting', '--owner', 'ana']);
    expect(waiting.code).toBe(0);
    const lines = waiting.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^received \(Europe\/Berlin\)\s+lead\s+status\s+form\s+name\s+email or phone\s+company\s+owner\s+deadline \(Europe\/Berlin\)$/);
    const cli6 = lines.find((line) => line.includes('CLI6'))!;
    expect(cli6).toMatch(/ana\s+\d{4}-\d\d-\d\d \d\d:\d\d overdue$/);
    const stillWaiting = (await store.waitingDueBy(FAR_FUTURE)).filter((lead) => lead.ownerId === 'ana');
    expect(lines.at(-1)).toBe(`${stillWaiting.length} lead(s) waiting for first contact, ${stillWaiting.length} of them overdue.`);

    expect((await handoff(['leads', '--waiting', '--owner', 'maya'])).stdout).not.toContain('CLI6');
    expect(await handoff(['leads', '--owner', 'zoe'])).toEqual({ code: 1, stdout: '', errors: ['handoff: --owner must be one of ana, jonas, maya, diego; got "zoe"'] });
    expect((await handoff(['leads', '--waiting', '--days', '3'])).errors).toEqual(['handoff: --waiting lists every lead still waiting for first contact, whenever it came in: leave out --days and --status']);
  }, 60_000);
});

describe('npx handoff leads --json through a pipe', () => {
  it('delivers output many times the size of a pipe whole before exiting', async () => {
    const receivedAt = new Date(Date.now() - 3_600_000).toISOString();
    const longLeads = Array.from({ length: 60 }, (_, index) => {
      const lead = seedLead({ leadId: `LONG${index}`, formId: 'demo-request', receivedAt, status: 'new', name: 'Lena Fischer', email: `lena.long${index}@brightpath.example` }, config);
      return { ...lead, contact: { ...lead.contact, message: 'Please call me back about a demo for the whole team. '.repeat(90) } };
    });
    await Promise.all(longLeads.map((lead) => store.putNewLead(lead)));

    const run = await handoffThroughPipe(['leads', '--json']);
    expect(Buffer.byteLength(run.stdout)).toBeGreaterThan(4 * 65_536);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as Lead[]).map((lead) => lead.leadId)).toEqual(expect.arrayContaining(longLeads.map((lead) => lead.leadId)));

    // A reader that has read enough closes the pipe: the CLI stops quietly instead of dying on EPIPE.
    const firstBytes = await handoffThroughPipe(['leads', '--json'], 'head -c 100');
    expect(firstBytes.stdout).toHaveLength(100);
    expect(firstBytes.code).toBe(0);
    expect(firstBytes.stderr).not.toContain('EPIPE');
  }, 60_000);
});

describe('a storage outage', () => {
  it('tells each command what the outage did: nothing when the table refused the connection, maybe when it stopped answering', async () => {
    const unreachable = { ...cliEnv, AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9' };
    const readFailure = `handoff: the lead table "${cliEnv.TABLE_NAME}" cannot be reached right now (connect ECONNREFUSED 127.0.0.1:9): nothing was changed; try again`;
    expect(await handoff(['leads'], unreachable)).toEqual({ code: 1, stdout: '', errors: [readFailure] });
    expect(await handoff(['export', '--email', 'lena.fischer@brightpath.example'], unreachable)).toEqual({ code: 1, stdout: '', errors: [readFailure] });
    const refused = (outcome: string) => `handoff: the lead table "${cliEnv.TABLE_NAME}" cannot be reached right now (connect ECONNREFUSED 127.0.0.1:9): ${outcome}`;
    expect(await handoff(['contacted', 'CLI1', '--by', 'ana'], unreachable)).toEqual({ code: 1, stdout: '', errors: [refused('nothing was recorded; try again')] });
    expect(await handoff(['erase', '--email', 'nobody@example.com'], unreachable)).toEqual({ code: 1, stdout: '', errors: [refused('nothing was removed; try again')] });

    // No region is a setting to fix, not an outage to wait out.
    const { AWS_REGION: _region, AWS_DEFAULT_REGION: _defaultRegion, ...withoutRegion } = cliEnv;
    const noRegion = await handoff(['leads'], { ...withoutRegion, AWS_CONFIG_FILE: '/dev/null', AWS_PROFILE: 'handoff-test-no-such-profile' });
    expect(noRegion.code).toBe(1);
    expect(noRegion.errors).toEqual([`handoff: no AWS region is set, so the lead table "${cliEnv.TABLE_NAME}" cannot be found: set AWS_REGION (or use a profile that names one), or unset TABLE_NAME to use the local stack that npm start runs`]);

    // A table that takes the connection and never answers: the message says so, without the SDK's internals.
    const silent = await startSilentEndpoint();
    try {
      const frozen = { ...cliEnv, AWS_ENDPOINT_URL_DYNAMODB: silent.endpoint };
      const timedOut = (outcome: string) => `handoff: the lead table "${cliEnv.TABLE_NAME}" cannot be reached right now (it did not answer in time): ${outcome}`;
      expect(await handoff(['leads'], frozen)).toEqual({ code: 1, stdout: '', errors: [timedOut('nothing was changed; try again')] });
      expect(await handoff(['contacted', 'CLI1', '--by', 'ana'], frozen)).toEqual({
        code: 1, stdout: '',
        errors: [timedOut('the contact may have been recorded before it stopped answering; check `handoff leads --status contacted` before you repeat it (a repeat adds a second activity, never a second first contact)')],
      });
    } finally {
      silent.stop();
    }
  }, 60_000);
});

describe('npx handoff nightly', () => {
  it('without --at catches up on the schedule\'s last run, and prints its summary without log or metric lines', async () => {
    const run = await handoff(['nightly']);
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    const lastRun = lastFireTime(new Date(), config.reports.nightlyAt, config.organisation.timezone);
    expect(run.stdout).toContain(`Nightly report for ${localDate(lastRun, config.organisation.timezone)} (as of ${lastRun.toISOString()})`);
    expect(run.stdout.split('\n').filter((line) => line.trimStart().startsWith('{'))).toEqual([]);

    const again = await handoff(['nightly']);
    expect(again.stdout).toContain('Each report goes out once per date');
  }, 60_000);

  it('--preview writes the reports a run would send, sending and claiming nothing, with links that record nothing', async () => {
    // Old enough to be overdue a day before the schedule's last run, whose date the test above claimed.
    await waitingLead('CLI9', 6);
    const directory = mkdtempSync(join(tmpdir(), 'handoff-preview-'));
    const lastRun = lastFireTime(new Date(), config.reports.nightlyAt, config.organisation.timezone);
    const at = new Date(lastRun.getTime() - 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const preview = await handoff(['nightly', '--at', at, '--preview', directory]);
    expect(preview).toMatchObject({ code: 0, errors: [] });
    expect(preview.stdout).toMatch(/^Preview of the nightly report for \d{4}-\d\d-\d\d .*nothing sent or claimed/);
    const reportDate = localDate(new Date(at), config.organisation.timezone);
    const sales = readFileSync(join(directory, `${reportDate}-sales.txt`), 'utf8');
    expect(sales).toMatch(/^To: .+\nSubject: (No missed|Missed) follow-ups/);
    const files = readdirSync(directory);
    expect(files).toEqual(expect.arrayContaining([`${reportDate}-sales.html`, `${reportDate}-sales.txt`, `${reportDate}-marketing.html`, `${reportDate}-marketing.txt`]));
    // No link in a preview is signed: each is a placeholder that records nothing.
    const everything = files.map((file) => readFileSync(join(directory, file), 'utf8')).join('\n');
    expect(everything).toContain('/actions/preview-only-');
    expect(everything).not.toMatch(/\/actions\/(?!preview-only-)/);

    // Nothing was claimed: the run for the same time still sends the sales report.
    const run = await handoff(['nightly', '--at', at]);
    expect(run.stdout).toMatch(/Sent \d+: sales, marketing/);
  }, 60_000);

  it('refuses a date that does not exist or lies in the future, instead of sending that date\'s reports', async () => {
    for (const at of ['2026-02-30T07:00', '2026-13-01T07:00', '2026-11-30T25:00', '2026-02-30T06:00:00Z']) {
      expect(await handoff(['nightly', '--at', at])).toEqual({ code: 1, stdout: '', errors: [`handoff: --at must be a time like 2026-11-26T07:00 (in ${config.organisation.timezone}) or 2026-11-26T06:00:00Z, got "${at}"`] });
    }
    expect(await handoff(['nightly', '--at', '2999-01-01T07:00'])).toEqual({
      code: 1, stdout: '', errors: ['handoff: --at 2999-01-01T07:00 is in the future: the schedule sends that date\'s reports itself, and each goes out once'],
    });
  }, 60_000);
});
