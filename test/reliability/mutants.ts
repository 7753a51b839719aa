/**
 * `npm run mutants`: breaks the code on purpose, one property at a time, and checks that the test guarding
 * that property fails. A test that still passes with its property broken guards nothing.
 *
 * Each mutant replaces one exact snippet in one source file. The runner works on a copy of the working tree
 * (tracked and untracked, not ignored; node_modules linked), so an interrupted run leaves the checkout as it
 * was. A snippet that is missing or appears more than once fails the run: the code moved, and the mutant must
 * follow it. Not part of `npm test` (each mutant is its own vitest run, a few minutes in all).
 *
 *   npm run mutants                  every mutant
 *   npm run mutants -- cors redirect the named ones
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Mutant {
  name: string;
  /** The property the issue asks for, which this mutant breaks. */
  breaks: string;
  file: string;
  find: string;
  replace: string;
  /** The test file and the name pattern (vitest -t) of the test that must now fail. */
  test: { file: string; name: string };
}

/** The processor forgets that an alert was already sent: guarded both by redelivery and by the crash-under-load test. */
const FORGET_SENT_ALERTS = {
  file: 'shared/usecases/process-lead.ts',
  find: `if (!lead.alert || lead.alert.status === 'sent') return 'already-alerted';`,
  replace: `if (!lead.alert) return 'already-alerted';`,
};

const MUTANTS: Mutant[] = [
  {
    name: 'html-escape',
    breaks: 'HTML in any field arrives escaped in every email and page',
    file: 'shared/domain/render/html.ts',
    find: `return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);`,
    replace: 'return value;',
    test: { file: 'test/unit/owner-alert.test.ts', name: 'escapes every submitted value in the HTML' },
  },
  {
    name: 'email-header-injection',
    breaks: 'a header-injection corpus adds no headers to any email',
    // Breaking headerSafe alone is not enough: nodemailer encodes every header value it composes as well.
    // A value handed over as "prepared" skips that, and is the mistake that would let submitted text through.
    file: 'shared/adapters/mailer.ts',
    find: `headers: { 'X-Handoff-Key': headerSafe(email.idempotencyKey) },`,
    replace: `headers: { 'X-Handoff-Key': { prepared: true, value: email.idempotencyKey } },`,
    test: { file: 'test/reliability/email-headers.test.ts', name: 'email header injection' },
  },
  {
    name: 'header-safe',
    breaks: 'submitted text is flattened to one line before it reaches any header (the first layer)',
    file: 'shared/domain/render/html.ts',
    find: 'return truncateText(flattened, maxLength);',
    replace: 'return truncateText(value, maxLength);',
    test: { file: 'test/unit/header-safe.test.ts', name: 'headerSafe' },
  },
  {
    name: 'forged-link',
    breaks: 'forged action links are refused',
    file: 'shared/domain/action-token.ts',
    find: `if (!timingSafeEqual(presented, sign(encodedPayload, secret))) return { ok: false, reason: 'bad-signature' };`,
    replace: '',
    test: { file: 'test/unit/action-token.test.ts', name: 'never accepts a token that was tampered with anywhere' },
  },
  {
    name: 'expired-link',
    breaks: 'expired action links are refused',
    file: 'shared/domain/action-token.ts',
    find: `if (now.getTime() >= expiresAt.getTime()) return { ok: false, reason: 'expired', payload };`,
    replace: '',
    test: { file: 'test/integration/processing.test.ts', name: 'refuses a tampered link and an expired one' },
  },
  {
    name: 'replayed-link',
    breaks: 'replayed action links are refused',
    file: 'shared/adapters/lead-store/store.ts',
    find: `condition += ' AND NOT contains(usedLinkNonces, :nonce)';`,
    replace: `condition += ' AND (NOT contains(usedLinkNonces, :nonce) OR attribute_exists(pk))';`,
    test: { file: 'test/integration/processing.test.ts', name: 'GET only shows a confirmation; POST records who did what, once' },
  },
  {
    name: 'old-owner-link',
    breaks: 'an action link acts only while its rep owns the lead (after a reassignment the old links are refused)',
    file: 'shared/usecases/action-links.ts',
    find: 'return lead.ownerId === payload.repId || !config.salespeople.some((rep) => rep.id === lead.ownerId);',
    replace: 'return true;',
    test: { file: 'test/integration/processing.test.ts', name: 'stop acting once the lead is reassigned' },
  },
  {
    name: 'stale-owner-write',
    breaks: 'a link\'s follow-up is not written once the lead changed hands after the owner check',
    file: 'shared/adapters/lead-store/store.ts',
    find: `condition += followUp.usedLink.ownerId === undefined ? ' AND attribute_not_exists(ownerId)' : ' AND ownerId = :linkOwner';`,
    replace: `condition += ' AND (attribute_exists(pk) OR ownerId = :linkOwner)';`,
    test: { file: 'test/integration/processing.test.ts', name: 'changed hands between the owner check and the write' },
  },
  {
    name: 'bounce-back',
    breaks: 'a lead is never handed back to a rep who already said "not mine"',
    file: 'shared/usecases/record-follow-up.ts',
    find: `const declined = new Set([currentOwner, ...(lead.activities ?? []).filter((activity) => activity.action === 'reassign').map((activity) => activity.by)]);`,
    replace: 'const declined = new Set([currentOwner]);',
    test: { file: 'test/integration/processing.test.ts', name: 'never hands a lead back' },
  },
  {
    name: 'cors',
    breaks: 'CORS answers only allowed origins',
    file: 'shared/adapters/http/api-gateway.ts',
    find: 'if (!origin || !allowedOrigins.includes(origin)) return undefined;',
    replace: 'if (!origin) return undefined;',
    test: { file: 'test/reliability/security.test.ts', name: 'CORS answers only allowed origins' },
  },
  {
    name: 'open-redirect',
    breaks: '_next / retURL never redirects off the allowed origins',
    file: 'shared/usecases/capture-lead.ts',
    find: 'if (form.allowedOrigins.includes(url.origin)) return url.toString();',
    replace: 'return url.toString();',
    test: { file: 'test/reliability/security.test.ts', name: 'open redirect' },
  },
  {
    name: 'json-500',
    breaks: 'the answer is always 2xx or 4xx (malformed JSON)',
    file: 'shared/adapters/http/body.ts',
    find: `    json = JSON.parse(text);
  } catch {
    throw badRequest('body is not valid JSON');
  }`,
    replace: `    json = JSON.parse(text);
  } finally {
    // mutant: a parse error escapes as itself
  }`,
    test: { file: 'test/reliability/capture-corpus.test.ts', name: 'JSON' },
  },
  {
    name: 'leak-internals',
    breaks: 'the response never leaks internals',
    file: 'shared/adapters/http/api-gateway.ts',
    find: `: json(error.statusCode, { message: error.message, `,
    replace: `: json(error.statusCode, { message: \`\${error.message} \${error.stack}\`, `,
    test: { file: 'test/reliability/capture-fuzz.test.ts', name: 'never fails, leaks or half-stores' },
  },
  {
    name: 'half-stored-lead',
    breaks: 'a lead is either stored whole or not at all',
    file: 'shared/adapters/lead-store/store.ts',
    find: 'answers: storedAnswers(lead.answers),',
    replace: 'answers: storedAnswers({}),',
    test: { file: 'test/reliability/capture-fuzz.test.ts', name: 'answers every modelled lead exactly' },
  },
  {
    name: 'body-limit',
    breaks: 'a 1 MB body is refused with 413',
    file: 'shared/adapters/http/body.ts',
    find: 'if (bytes.length > MAX_BODY_BYTES) {',
    replace: 'if (bytes.length > 100 * MAX_BODY_BYTES) {',
    test: { file: 'test/reliability/capture-corpus.test.ts', name: '1 MB' },
  },
  {
    name: 'retry-after',
    breaks: 'DynamoDB down during capture → 503 with Retry-After',
    file: 'shared/errors.ts',
    find: `headers: { 'retry-after': String(retryAfterSeconds) },`,
    replace: 'headers: {},',
    test: { file: 'test/integration/capture.test.ts', name: 'capture answers 503 with Retry-After' },
  },
  {
    name: 'raw-payload-dropped',
    breaks: "a placed lead keeps its raw payload (placing drops it from the lead item; it must be set apart first)",
    file: 'shared/usecases/process-lead.ts',
    find: '  if (!lead.importedAt) await deps.store.setRawPayloadApart(lead.leadId);',
    replace: '',
    test: { file: 'test/integration/processing.test.ts', name: 'keeps its raw payload once placed' },
  },
  {
    name: 'rate-limit',
    breaks: 'too many submissions from one address → 429, and nothing of them stored (the shared counter across processes)',
    file: 'shared/usecases/capture-lead.ts',
    find: 'if (counted.value) return stored.value;',
    replace: 'return stored.value;',
    test: { file: 'test/integration/capture.test.ts', name: 'counts an address across processes' },
  },
  {
    name: 'uncounted-first-submission',
    breaks: "an address's first submission in a process, let through uncounted, is added to the counter with its second",
    file: 'shared/domain/rate-limit.ts',
    find: 'return seenHere === 2 ? 2 : 1;',
    replace: 'return 1;',
    test: { file: 'test/integration/capture.test.ts', name: 'counts an address across processes' },
  },
  {
    name: 'rate-limit-in-process',
    breaks: 'too many submissions from one address → 429 with Retry-After, and nothing of them stored',
    file: 'shared/usecases/capture-lead.ts',
    find: "  if (hits === 'over') throw limit.refusal();",
    replace: "  if (hits === 'over') return store.putNewLead(lead, leadExpiresAt);",
    test: { file: 'test/integration/capture.test.ts', name: '429 with Retry-After' },
  },
  {
    name: 'withdraw-taken-lead',
    breaks: 'a lead the processor already took is never withdrawn (the caller is told 201)',
    file: 'shared/adapters/lead-store/store.ts',
    find: `ConditionExpression: '#status IN (:new, :spam)',`,
    replace: `ConditionExpression: 'attribute_exists(pk) OR #status IN (:new, :spam)',`,
    test: { file: 'test/integration/capture.test.ts', name: 'when the processor took it' },
  },
  {
    name: 'second-alert',
    breaks: 'stream records delivered twice → one alert',
    ...FORGET_SENT_ALERTS,
    test: { file: 'test/integration/processing.test.ts', name: 'a redelivered stream record never sends a second alert' },
  },
  {
    name: 'second-alert-after-crash',
    breaks: 'the processor crashes mid-batch → no lead skipped, none alerted twice (2,000 leads, 50 clients)',
    ...FORGET_SENT_ALERTS,
    test: { file: 'test/reliability/load-and-faults.test.ts', name: 'stores exactly what it accepted and alerts every real lead exactly once' },
  },
  {
    name: 'skipped-after-crash',
    breaks: 'the processor crashes mid-batch → no lead is skipped (the local event source drops the second half when it bisects)',
    file: 'infra/local/stream-poller.ts',
    find: `shard.retries.unshift({ records: remaining.slice(0, middle), attempts }, { records: remaining.slice(middle), attempts });`,
    replace: `shard.retries.unshift({ records: remaining.slice(0, middle), attempts });`,
    test: { file: 'test/reliability/load-and-faults.test.ts', name: 'stores exactly what it accepted and alerts every real lead exactly once' },
  },
  {
    name: 'swallowed-failure',
    breaks: 'SES down, then back → every pending alert delivered (a failed record is retried, not skipped)',
    file: 'functions/process-leads.ts',
    find: `batchItemFailures.push({ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' });`,
    replace: 'void record;',
    test: { file: 'test/integration/processing.test.ts', name: 'SES down' },
  },
  {
    name: 'nightly-twice',
    breaks: 'the nightly job run twice for a date → one set of reports',
    file: 'shared/adapters/lead-store/store.ts',
    find: `        Item: marshall({ ...key.report(reportDate, reportKind), claimedAt: claimedAt.toISOString(), [TTL_ATTRIBUTE]: epochSeconds(claimedAt) + 90 * 86_400 }),
        ConditionExpression: 'attribute_not_exists(pk)',`,
    replace: `        Item: marshall({ ...key.report(reportDate, reportKind), claimedAt: claimedAt.toISOString(), [TTL_ATTRIBUTE]: epochSeconds(claimedAt) + 90 * 86_400 }),`,
    test: { file: 'test/integration/nightly.test.ts', name: 'sends nothing when the same date runs again' },
  },
  {
    name: 'scheduler-wiring',
    breaks: '`npm start` runs the nightly report on schedule, as EventBridge Scheduler does in AWS',
    file: 'infra/local/start.ts',
    find: `fire: (event) => invoke('nightlyReport', event),`,
    replace: 'fire: async () => undefined,',
    test: { file: 'test/e2e/newcomer.test.ts', name: 'runs the nightly report at reports.nightlyAt' },
  },
  {
    name: 'overdue-owner',
    breaks: 'an old overdue lead is listed for its owner from the deadline index alone',
    file: 'shared/domain/lead.ts',
    find: `'score', 'ownerId', 'alert'`,
    replace: `'score', 'alert'`,
    test: { file: 'test/integration/nightly.test.ts', name: 'still lists it for its owner' },
  },
];

const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function workingCopy(): string {
  const copy = mkdtempSync(join(tmpdir(), 'handoff-mutants-'));
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repositoryRoot, encoding: 'utf8' });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    try {
      cpSync(join(repositoryRoot, file), join(copy, file), { recursive: false });
    } catch (error) {
      // A file git still lists but that was deleted in the working tree is simply not copied.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  symlinkSync(join(repositoryRoot, 'node_modules'), join(copy, 'node_modules'), 'dir');
  return copy;
}

interface Outcome {
  mutant: Mutant;
  verdict: 'caught' | 'NOT CAUGHT' | 'snippet not found once';
  detail: string;
}

function runMutant(copy: string, mutant: Mutant): Outcome {
  const path = join(copy, mutant.file);
  const original = readFileSync(path, 'utf8');
  const occurrences = original.split(mutant.find).length - 1;
  if (occurrences !== 1) return { mutant, verdict: 'snippet not found once', detail: `${occurrences} occurrences in ${mutant.file}` };
  writeFileSync(path, original.replace(mutant.find, mutant.replace));
  try {
    const run = spawnSync('npx', ['vitest', 'run', mutant.test.file, '-t', mutant.test.name], {
      cwd: copy,
      encoding: 'utf8',
      env: { ...process.env, CI: 'true', FORCE_COLOR: '0' },
      timeout: 10 * 60_000,
    });
    const output = `${run.stdout}\n${run.stderr}`;
    // The summary reporter's last line: only failed assertions count, not a file that would not load.
    const summary = output.match(/(\d+) passed, (\d+) failed/g)?.at(-1) ?? '';
    const failed = Number(summary.match(/, (\d+) failed/)?.[1] ?? 0);
    return failed > 0 ? { mutant, verdict: 'caught', detail: summary } : { mutant, verdict: 'NOT CAUGHT', detail: summary || output.slice(-400) };
  } finally {
    writeFileSync(path, original);
  }
}

function main(): void {
  const requested = process.argv.slice(2);
  const unknown = requested.filter((name) => !MUTANTS.some((mutant) => mutant.name === name));
  if (unknown.length) throw new Error(`unknown mutant(s): ${unknown.join(', ')}; choose from ${MUTANTS.map((mutant) => mutant.name).join(', ')}`);
  const selected = requested.length ? MUTANTS.filter((mutant) => requested.includes(mutant.name)) : MUTANTS;
  const copy = workingCopy();
  const outcomes: Outcome[] = [];
  try {
    for (const mutant of selected) {
      const started = Date.now();
      const outcome = runMutant(copy, mutant);
      outcomes.push(outcome);
      console.error(`[${mutant.name}] ${outcome.verdict} (${outcome.detail.split('\n')[0]}) in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
  console.log('| Mutant | Property it breaks | Test that must fail | Verdict |');
  console.log('|---|---|---|---|');
  for (const { mutant, verdict, detail } of outcomes) {
    console.log(`| ${mutant.name} | ${mutant.breaks} | \`${mutant.test.file}\` › ${mutant.test.name} | ${verdict === 'caught' ? `caught (${detail})` : `**${verdict}** ${detail.replaceAll('\n', ' ').slice(0, 200)}`} |`);
  }
  if (outcomes.some((outcome) => outcome.verdict !== 'caught')) process.exitCode = 1;
}

main();
