import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IConfigurationSet } from 'aws-cdk-lib/aws-ses';
import type { Construct } from 'constructs';
import { tableDefinition } from '../shared/adapters/lead-store/table.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Where the validated config lands inside the deployment package; handlers find it through HANDOFF_CONFIG. */
export const BUNDLED_CONFIG_PATH = '/var/task/handoff.config.json';

/** EMF namespace and service dimension every handler's Powertools Metrics publishes under (the dashboard and alarms read them). */
export const METRICS_NAMESPACE = 'Handoff';
export const METRICS_SERVICE = 'handoff';

export type TableAccess = 'getItem' | 'read' | 'write' | 'readWrite';

/**
 * Explicit item-level actions instead of grantReadWriteData, which also hands out Scan, BatchWriteItem and
 * DescribeTable. Transactions need no actions of their own: IAM checks each item's Put/Update/Delete/ConditionCheck.
 */
const TABLE_ACTIONS: Record<TableAccess, { item: string[]; query: boolean }> = {
  /** The health probe reads one known key and nothing else. */
  getItem: { item: ['dynamodb:GetItem'], query: false },
  /** Most index queries return keys only (see tableDefinition.indexes); BatchGetItem fetches the items. */
  read: { item: ['dynamodb:GetItem', 'dynamodb:BatchGetItem'], query: true },
  write: { item: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'], query: false },
  readWrite: {
    item: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'],
    query: true,
  },
};

export interface MailerBinding {
  sender: string;
  configurationSet: IConfigurationSet;
  /**
   * Every SES identity a send is authorized against: the sender's address and domain and, because SES in
   * sandbox mode also authorizes each recipient's identity, the verified internal recipients.
   */
  identityArns: readonly string[];
}

export interface HandoffFunctionProps {
  /** Entry file relative to the repo root (from `lambdaEntries`); it exports `handler`. */
  entry: string;
  /** Absolute path of the config file that was validated at synth; it is copied into the bundle. */
  configFile: string;
  description: string;
  memorySize: number;
  timeout: Duration;
  logRetention?: RetentionDays;
  /** What happens to the log group when the stack is deleted (RETAIN in prod). */
  removalPolicy: RemovalPolicy;
  /**
   * Where Lambda parks events of asynchronous invocations (Scheduler, SNS) that failed every retry.
   * Synchronous and event-source-mapping callers have their own failure handling and leave it unset.
   */
  asyncFailureQueue?: IQueue;
}

/**
 * The one Lambda function construct: every Handoff function gets the same runtime, architecture, bundling,
 * tracing and log retention, and receives permissions only through the bind* helpers below, which grant the
 * least privilege and inject the matching environment variable in the same call.
 */
export class HandoffFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: HandoffFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy,
    });
    // Our own role, so logging is granted on this log group only instead of the AWSLambdaBasicExecutionRole managed policy.
    const role = new Role(scope, `${id}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);

    super(scope, id, {
      entry: join(REPO_ROOT, props.entry),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      tracing: Tracing.ACTIVE,
      deadLetterQueue: props.asyncFailureQueue,
      role,
      logGroup,
      environment: {
        HANDOFF_CONFIG: BUNDLED_CONFIG_PATH,
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: METRICS_SERVICE,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      },
      bundling: {
        format: OutputFormat.ESM,
        // ESM output still meets CommonJS dependencies that call require(); give them one.
        banner: "import { createRequire as __handoffCreateRequire } from 'node:module'; const require = __handoffCreateRequire(import.meta.url);",
        mainFields: ['module', 'main'],
        target: 'node22',
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        sourcesContent: false,
        // The nodejs22.x runtime ships AWS SDK v3. Bundling it would make every bundle 3-5 times larger (capture:
        // about 640 kB instead of about 130 kB) and every cold start slower, for calls that are stable across v3.
        externalModules: ['@aws-sdk/*'],
        forceDockerBundling: false,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir: string, outputDir: string) => [`cp ${shellQuote(props.configFile)} ${shellQuote(join(outputDir, basename(BUNDLED_CONFIG_PATH)))}`],
        },
      },
    });

    const runtimeReason =
      'Pinned to nodejs22.x on purpose: the handlers are bundled for node22 and tested on the Node 20/22 toolchain; moving to a newer runtime is a deliberate upgrade with its own test run.';
    Validations.of(this).acknowledge(
      { id: 'AwsSolutions::AwsSolutions-L1', reason: runtimeReason },
      { id: 'Serverless::Serverless-LambdaLatestVersion', reason: runtimeReason },
    );
    Validations.of(role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only actions that accept no resource ARN get "*": xray:PutTraceSegments/PutTelemetryRecords for active tracing and, for the stream consumer, dynamodb:ListStreams. test/infra/stack.test.ts asserts that every other statement names its resource.',
    });
  }

  /** Grants exactly the item actions `access` needs on the table (and Query on its indexes) and sets TABLE_NAME. */
  bindTable(table: ITable, access: TableAccess): void {
    const { item, query } = TABLE_ACTIONS[access];
    this.addToRolePolicy(new PolicyStatement({ actions: item, resources: [table.tableArn] }));
    if (query) {
      const indexArns = tableDefinition.indexes.map((index) => `${table.tableArn}/index/${index.name}`);
      this.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:Query'], resources: [table.tableArn, ...indexArns] }));
    }
    this.addEnvironment('TABLE_NAME', table.tableName);
  }

  /**
   * Lets the function re-read records of the table's stream, as the stream's failure-queue consumer does with
   * the shard and sequence range Lambda's on-failure destination reports (the records themselves are not sent).
   */
  bindTableStreamReplay(table: ITable): void {
    if (!table.tableStreamArn) throw new Error(`table ${table.node.path} has no stream to replay`);
    this.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:GetShardIterator', 'dynamodb:GetRecords'], resources: [table.tableStreamArn] }));
  }

  /** Lets the function send only from the mailer's identities, only through its configuration set; sets SENDER and SES_CONFIGURATION_SET. */
  bindMailer(mailer: MailerBinding): void {
    const configurationSetArn = Stack.of(this).formatArn({
      service: 'ses',
      resource: 'configuration-set',
      resourceName: mailer.configurationSet.configurationSetName,
    });
    this.addToRolePolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resources: [...mailer.identityArns, configurationSetArn],
      }),
    );
    this.addEnvironment('SENDER', mailer.sender);
    this.addEnvironment('SES_CONFIGURATION_SET', mailer.configurationSet.configurationSetName);
  }

  /** Lets the function read this one secret's value; `envName` receives its ARN. */
  bindSecret(secret: ISecret, envName: string): void {
    this.addToRolePolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }));
    this.addEnvironment(envName, secret.secretArn);
  }
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
