/**
 * The newcomer's path, for real: `npm start`'s entry point on free ports, both demo forms filled in and
 * submitted in Chromium, then `npx handoff leads` in "another terminal" and the owner alerts in the mailbox.
 * The nightly run is set to the coming minute, so the local scheduler's wiring fires it for real too.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextFireTime } from '../../infra/local/scheduler.ts';
import { findFreePort } from '../../infra/local/services.ts';
import type { Lead } from '../../shared/domain/lead.ts';
import { launchChromium } from '../support/screenshot.ts';

const run = promisify(execFile);
const dataDir = mkdtempSync(join(tmpdir(), 'handoff-e2e-'));
let stack: ChildProcess;
let browser: Browser;
let apiUrl: string;
let mailboxUrl: string;
let output = '';
let nightlyFiresAt: Date;

interface MailboxEntry {
  subject: string;
  destination: { to: string[] };
}
const mailbox = async () => ((await (await fetch(`${mailboxUrl}/store`)).json()) as { emails: MailboxEntry[] }).emails;

/** The local wall-clock minute at least a minute from now, as reports.nightlyAt spells it. */
function comingMinute(timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(Date.now() + 75_000));
  return `${parts.find((part) => part.type === 'hour')!.value}:${parts.find((part) => part.type === 'minute')!.value}`;
}

beforeAll(async () => {
  const [port, dynamoDbPort, sesPort] = [await findFreePort(), await findFreePort(), await findFreePort()];
  apiUrl = `http://localhost:${port}`;
  mailboxUrl = `http://127.0.0.1:${sesPort}`;
  // The example config, moved to this test's port so the demo page's origin is an allowed one.
  const configFile = join(dataDir, 'handoff.config.json');
  const config = JSON.parse(readFileSync('handoff.config.json', 'utf8').replaceAll('http://localhost:3000', apiUrl)) as { organisation: { timezone: string }; reports: { nightlyAt: string } };
  config.reports.nightlyAt = comingMinute(config.organisation.timezone);
  nightlyFiresAt = nextFireTime(new Date(), config.reports.nightlyAt, config.organisation.timezone);
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  stack = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], {
    env: { ...process.env, PORT: String(port), DYNAMODB_PORT: String(dynamoDbPort), SES_PORT: String(sesPort), HANDOFF_DATA_DIR: dataDir, HANDOFF_CONFIG: configFile, TABLE_NAME: 'handoff-e2e' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  stack.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  stack.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the local stack did not start:\n${output}`)), 90_000);
    stack.stdout!.on('data', () => {
      if (output.includes('Handoff is running')) {
        clearTimeout(timer);
        resolve();
      }
    });
    stack.on('exit', (code) => reject(new Error(`the local stack exited with ${code}:\n${output}`)));
  });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (stack && stack.exitCode === null) {
    const exited = new Promise((resolve) => stack.once('exit', resolve));
    stack.kill('SIGTERM');
    await exited;
  }
});

describe('a newcomer runs the local stack', () => {
  it('prints the URLs of the API, the demo page and the mailbox', () => {
    expect(output).toContain(`API          ${apiUrl}`);
    expect(output).toContain(`Demo page    ${apiUrl}/`);
    expect(output).toContain(`Mailbox      ${mailboxUrl}/`);
  });

  it('submits both demo forms in a browser and finds both leads with `npx handoff leads`, and both alerts in the mailbox', async () => {
    const page = await browser.newPage();
    await page.goto(`${apiUrl}/`);
    // A human takes more than the bot threshold (minFillSeconds) to fill a form.
    await page.waitForTimeout(2_500);
    const website = page.locator('form').first();
    await website.locator('[name=firstName]').fill('Grace');
    await website.locator('[name=lastName]').fill('Hopper');
    await website.locator('[name=email]').fill('grace.hopper@navy-systems.com');
    await website.locator('[name=company]').fill('Navy Systems');
    await website.locator('[name=country]').fill('US');
    await website.locator('[name=message]').fill('We would like a demo for 40 analysts.');
    await Promise.all([page.waitForURL(`${apiUrl}/thanks`), website.locator('button[type=submit]').click()]);

    await page.goto(`${apiUrl}/`);
    await page.waitForTimeout(2_500);
    const event = page.locator('#event-form');
    await event.locator('[name=name]').fill('Ada Lovelace');
    await event.locator('[name=email]').fill('ada@analytical-engines.co.uk');
    await event.locator('[name=company]').fill('Analytical Engines');
    await event.locator('[name=notes]').fill('Met at the booth, wants pricing.');
    const answer = page.waitForResponse((response) => response.url().endsWith('/forms/data-summit-booth') && response.request().method() === 'POST');
    await event.locator('button[type=submit]').click();
    expect((await answer).status()).toBe(201);
    await page.close();

    // A second terminal knows nothing of the stack but its data directory.
    const terminal = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(AWS_|TABLE_NAME$|HANDOFF_)/.test(name)));
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bin/handoff.ts', 'leads', '--json'], { env: { ...terminal, HANDOFF_DATA_DIR: dataDir } });
    const leads = JSON.parse(stdout) as Lead[];
    expect(leads.map((lead) => lead.contact.email).sort()).toEqual(['ada@analytical-engines.co.uk', 'grace.hopper@navy-systems.com']);
    expect(leads.every((lead) => lead.status !== 'spam')).toBe(true);

    // The stream poller alerts each owner within seconds.
    // The nightly reports may land meanwhile; only the alerts count here.
    let alerts: MailboxEntry[] = [];
    for (let tries = 0; tries < 40 && alerts.length < 2; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      alerts = (await mailbox()).filter((mail) => mail.subject.startsWith('New lead'));
    }
    expect(alerts.map((mail) => mail.subject).sort()).toEqual([
      expect.stringMatching(/^New lead: Ada Lovelace \(Analytical Engines\) · score \d+ · Data Summit 2026$/),
      expect.stringMatching(/^New lead: Grace Hopper \(Navy Systems\) · score \d+ · Website demo request$/),
    ]);
  }, 120_000);

  it('runs the nightly report at reports.nightlyAt and mails the sales and marketing reports', async () => {
    expect(output).toContain(`[scheduler] nightlyReport runs next at ${nightlyFiresAt.toISOString()}`);
    const deadline = nightlyFiresAt.getTime() + 30_000;
    let reports: MailboxEntry[] = [];
    while (Date.now() < deadline && reports.length < 2) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      reports = (await mailbox()).filter((mail) => !mail.subject.startsWith('New lead'));
    }
    expect(reports.map((mail) => mail.destination.to.join(', ')).sort()).toEqual(['marketing@northwind.example', 'sales-leads@northwind.example']);
    expect(reports.map((mail) => mail.subject).sort()).toEqual([expect.stringMatching(/follow-ups(: \d+ leads? overdue)? as of /), expect.stringMatching(/^Speed to lead · /)]);
    // Armed again for the next day, as EventBridge Scheduler would be.
    const nextDay = `[scheduler] nightlyReport runs next at ${new Date(nightlyFiresAt.getTime() + 86_400_000).toISOString()}`;
    for (let tries = 0; tries < 20 && !output.includes(nextDay); tries++) await new Promise((resolve) => setTimeout(resolve, 500));
    expect(output).toContain(nextDay);
  }, 150_000);
});
