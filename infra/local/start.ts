/**
 * `npm start`: the whole app on one machine. DynamoDB Local and a local SES stand in for AWS, and the gateway,
 * stream poller and scheduler stand in for API Gateway, the event source mapping and EventBridge Scheduler.
 * The handlers are the production ones, unchanged: the only difference is the endpoints they find in the env.
 * `npm start -- --fresh` starts from an empty data dir.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigError, configPath, loadConfig } from '../../shared/config/load.ts';
import type { Config } from '../../shared/config/schema.ts';
import { parseWebhookSecrets, WEBHOOK_SECRETS } from '../../shared/adapters/webhook-secrets.ts';
import { lambdaEntries, routes } from '../routes.ts';
import { demoPages, localAddressMismatches } from './demo-page.ts';
import { startGateway } from './gateway.ts';
import { lambdaContext, localRegion, type LambdaHandler } from './lambda-runtime.ts';
import { startDailySchedule } from './scheduler.ts';
import { assertPortFree, DUMMY_CREDENTIALS, ensureJava, ensureTable, LocalStackError, localDynamoDbClient, startDynamoDbLocal, startSesLocal } from './services.ts';
import { startStreamPoller } from './stream-poller.ts';
import { STACK_ENV_FILE, writeStackEnvironment } from './stack-environment.ts';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The secrets the CDK stack generates in Secrets Manager; handlers read `<NAME>_FILE` locally instead of `<NAME>_ARN`. */
const GENERATED_SECRETS = ['ACTION_SECRET', 'API_TOKEN_SECRET'] as const;

/** Made once and kept in the data dir, so action links in emails already sent stay valid across restarts. */
function ensureSecretFile(dataDir: string, name: string, initialValue = () => randomBytes(32).toString('hex')): string {
  const directory = join(dataDir, 'secrets');
  const file = join(directory, name);
  if (!existsSync(file)) {
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    writeFileSync(file, initialValue(), { mode: 0o600 });
  }
  return file;
}

/**
 * The form tools issue their signing secrets, so there is nothing to generate: the file starts as `{}` for the
 * operator to fill in. A signed form without its secret answers 503; say so now rather than at its first webhook.
 */
function webhookSecretsProblems(config: Config, file: string): string[] {
  const signedForms = config.forms.filter((form) => form.webhookSignature);
  if (signedForms.length === 0) return [];
  let secrets: Map<string, string>;
  try {
    secrets = parseWebhookSecrets(readFileSync(file, 'utf8'));
  } catch (error) {
    return [`${(error as Error).message} (${file}); forms ${signedForms.map((form) => `"${form.id}"`).join(', ')} answer 503 until it is`];
  }
  return signedForms
    .filter((form) => !secrets.has(form.id))
    .map((form) => `form "${form.id}" takes only signed webhooks (webhookSignature ${form.webhookSignature!.vendor}) and answers 503 until ${file} has its secret: add "${form.id}": "<the secret>" and restart`);
}

function portFromEnv(variable: string, fallback: number): number {
  const text = process.env[variable];
  if (text === undefined || text === '') return fallback;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new LocalStackError(`${variable} must be a port number between 1 and 65535, got "${text}".`);
  return port;
}

async function main(): Promise<void> {
  // Lambda runs Node 22; on a Node 20 workstation the SDK's upgrade notice is noise. Set before the first SDK client
  // (the table check below) is made, as the SDK decides at the first one. Only this process and its children see it,
  // and a value already set is kept.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const apiPort = portFromEnv('PORT', 3000);
  const dynamoDbPort = portFromEnv('DYNAMODB_PORT', 8000);
  const sesPort = portFromEnv('SES_PORT', 8005);
  const dataDir = resolve(process.env.HANDOFF_DATA_DIR ?? '.handoff');
  const tableName = process.env.TABLE_NAME ?? 'handoff-local';
  const configFile = configPath();
  const config = loadConfig(configFile);
  ensureJava();
  // Checked before anything starts, so a busy API port does not leave DynamoDB Local starting for nothing.
  await assertPortFree(apiPort, 'the API', 'PORT');

  if (process.argv.includes('--fresh')) rmSync(dataDir, { recursive: true, force: true });
  const dynamoDb = await startDynamoDbLocal({ port: dynamoDbPort, dataDir: join(dataDir, 'dynamodb') });
  const ses = await startSesLocal({ port: sesPort });
  const client = localDynamoDbClient(dynamoDb.endpoint);
  await ensureTable(client, tableName);
  client.destroy();

  const webhookSecretsFile = ensureSecretFile(dataDir, WEBHOOK_SECRETS, () => '{}\n');
  // Handlers read their env once at module load, so it must be complete before the first import below.
  Object.assign(process.env, {
    AWS_REGION: localRegion(),
    AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: dynamoDb.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB_STREAMS: dynamoDb.endpoint,
    AWS_ENDPOINT_URL_SES: ses.endpoint,
    TABLE_NAME: tableName,
    HANDOFF_CONFIG: configFile,
    HANDOFF_DATA_DIR: dataDir,
    ...Object.fromEntries(GENERATED_SECRETS.map((name) => [`${name}_FILE`, ensureSecretFile(dataDir, name)])),
    [`${WEBHOOK_SECRETS}_FILE`]: webhookSecretsFile,
  });
  delete process.env.AWS_SESSION_TOKEN;

  const entries: Partial<Record<string, string>> = lambdaEntries;
  const loaded = new Map<string, Promise<LambdaHandler>>();
  const resolveHandler = (name: string): Promise<LambdaHandler> => {
    const cached = loaded.get(name);
    if (cached) return cached;
    const entry = entries[name];
    const loading = entry
      ? import(pathToFileURL(join(repositoryRoot, entry)).href).then((module: { handler?: unknown }) => {
          if (typeof module.handler !== 'function') throw new Error(`${entry} does not export a handler function`);
          return module.handler as LambdaHandler;
        })
      : Promise.reject(new Error(`no Lambda named ${name} in infra/routes.ts lambdaEntries`));
    loaded.set(name, loading);
    return loading;
  };
  const invoke = async (name: string, event: unknown) => (await resolveHandler(name))(event, lambdaContext(name));

  const gateway = await startGateway({ port: apiPort, routes, resolveHandler, staticPages: demoPages(config), accessLog: true });

  const poller = entries.processLeads
    ? await startStreamPoller({
        endpoint: dynamoDb.endpoint,
        tableName,
        functionName: 'processLeads',
        handler: (event, context) => resolveHandler('processLeads').then((handler) => handler(event, context)),
        ...(entries.leadsDlq && { onFailure: (event) => invoke('leadsDlq', event) }),
        dataDir,
      })
    : undefined;

  const schedule = entries.nightlyReport
    ? startDailySchedule({
        at: config.reports.nightlyAt,
        timeZone: config.organisation.timezone,
        fire: (event) => invoke('nightlyReport', event),
        onArmed: (nextAt) => console.log(`[scheduler] nightlyReport runs next at ${nextAt.toISOString()} (${config.reports.nightlyAt} ${config.organisation.timezone})`),
      })
    : undefined;

  const removeStackEnvironment = writeStackEnvironment(dataDir);

  console.log(`
Handoff is running (data in ${dataDir})
  API          ${gateway.url}
  Demo page    ${gateway.url}/
  Mailbox      ${ses.endpoint}/
  DynamoDB     ${dynamoDb.endpoint}  table ${tableName}
  Secrets      ${join(dataDir, 'secrets')}
  CLI          npx handoff leads   (talks to this stack through ${join(dataDir, STACK_ENV_FILE)})
  Stream       ${poller ? 'processLeads' : 'off (no processLeads Lambda yet)'}   Schedule ${schedule ? 'nightlyReport' : 'off (no nightlyReport Lambda yet)'}
`);
  for (const problem of webhookSecretsProblems(config, webhookSecretsFile)) console.log(`Note: ${problem}`);
  const mismatches = localAddressMismatches(config, gateway.url);
  if (mismatches.length) {
    console.log(`Note: ${configFile} names another local address than ${gateway.url}, where the API listens:
${mismatches.map((line) => `  - ${line}`).join('\n')}
  Replace that address with ${gateway.url} in ${configFile} (or in a copy, started with HANDOFF_CONFIG=<the copy>) and start again.`);
  }

  let stoppingSince: number | undefined;
  const shutdown = async (signal: NodeJS.Signals) => {
    // Ctrl-C reaches us twice at once (from the terminal and relayed by tsx); only a later one means "force it".
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince > 1_000) process.exit(1);
      return;
    }
    stoppingSince = Date.now();
    console.log(`\n${signal}: stopping…`);
    removeStackEnvironment();
    schedule?.stop();
    await poller?.stop();
    await gateway.stop();
    await ses.stop();
    await dynamoDb.stop();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  if (error instanceof LocalStackError || error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error(error);
  }
  process.exit(1);
});
