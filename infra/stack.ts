import { Annotations, CfnOutput, Duration, RemovalPolicy, SecretValue, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, StreamViewType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret, type SecretProps } from 'aws-cdk-lib/aws-secretsmanager';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { projectionOf, tableDefinition } from '../shared/adapters/lead-store/table.ts';
import type { Config } from '../shared/config/schema.ts';
import { HandoffHttpApi, type HttpRoute } from './constructs/http-api.ts';
import { Mail } from './constructs/mail.ts';
import { NightlySchedule } from './constructs/nightly-schedule.ts';
import { Observability } from './constructs/observability.ts';
import { SecureQueue } from './constructs/secure-queue.ts';
import { leadStreamSettings } from './event-sources.ts';
import { HandoffFunction } from './handoff-function.ts';
import { lambdaEntries, routes } from './routes.ts';
import { isLoopbackUrl } from './loopback.ts';

export type Stage = 'dev' | 'prod';

type Invoker = 'api' | 'stream' | 'queue' | 'scheduler' | 'sns';

/** Every function the stack knows how to wire; each is created only once its entry appears in `lambdaEntries`. */
export const FUNCTION_SETTINGS = {
  capture: { description: 'Captures website and event form submissions', invokedBy: 'api', memorySize: 512, timeout: Duration.seconds(10) },
  health: { description: 'Answers 200 when the table is reachable', invokedBy: 'api', memorySize: 256, timeout: Duration.seconds(5) },
  processLeads: { description: 'Enriches, assigns and alerts each new lead from the table stream', invokedBy: 'stream', memorySize: 512, timeout: Duration.seconds(60) },
  leadsDlq: { description: 'Re-reads leads whose stream processing failed and retries them by key', invokedBy: 'queue', memorySize: 512, timeout: Duration.seconds(60) },
  leadActions: { description: 'Confirms and records one-click follow-up actions', invokedBy: 'api', memorySize: 256, timeout: Duration.seconds(10) },
  leadActivities: { description: 'Records follow-up activities posted by a CRM', invokedBy: 'api', memorySize: 256, timeout: Duration.seconds(10) },
  nightlyReport: { description: 'Sends the nightly missed-follow-up reports', invokedBy: 'scheduler', memorySize: 1024, timeout: Duration.minutes(5) },
  sesEvents: { description: 'Marks lead and rep addresses that bounced or complained', invokedBy: 'sns', memorySize: 256, timeout: Duration.seconds(30) },
} as const satisfies Record<string, { description: string; invokedBy: Invoker; memorySize: number; timeout: Duration }>;

/** Scheduler and SNS invoke Lambda asynchronously: their own retry and DLQ settings end once Lambda accepts the event. */
const ASYNC_INVOKERS: ReadonlySet<Invoker> = new Set(['scheduler', 'sns']);

/** How each public path authenticates its callers instead of an API Gateway authorizer (read by cdk-nag acknowledgements). */
const UNAUTHORIZED_ROUTE_REASONS: Record<string, string> = {
  '/forms/{formId}':
    'Public form endpoint: browsers on marketing websites post to it without credentials, by design. It is guarded by the per-form origin allow-list, per-IP rate limits, honeypot and fill-time spam checks, a 32 KB body cap and stage throttling; a form that sets webhookSignature takes only posts its form tool signed, checked by the handler against the form\'s secret. OPTIONS is the CORS preflight, which browsers always send unauthenticated.',
  '/health': 'Uptime probe for monitors without credentials; it answers only ok or unavailable and reveals no data.',
  '/actions/{token}':
    'One-click links in emails: the caller is authorized by the HMAC-signed, expiring, single-use token in the path, verified by the handler; GET only renders a confirmation page.',
  '/leads/{leadId}/activities':
    'CRM integration endpoint: the handler checks the bearer token against the Secrets Manager secret in constant time; an API Gateway authorizer would add a second function and latency for one route.',
};

export type HandoffFunctionName = keyof typeof FUNCTION_SETTINGS;

interface HandRotatedSecretProps extends Pick<SecretProps, 'description' | 'generateSecretString' | 'secretStringValue' | 'removalPolicy'> {
  /** The name after the stack's: `Handoff-<stage>/<name>`. */
  name: string;
  rotatedByHandBecause: string;
  output?: { id: string; description: string };
}
export const HANDOFF_FUNCTIONS = Object.keys(FUNCTION_SETTINGS) as HandoffFunctionName[];

export interface HandoffStackProps extends StackProps {
  config: Config;
  /** The file `config` was loaded from; it is bundled with every function. */
  configFile: string;
  stage: Stage;
  /** Entry files by function name; defaults to `lambdaEntries`. */
  entries?: Partial<Record<HandoffFunctionName, string>>;
  /** Defaults to `routes` from infra/routes.ts. */
  routes?: readonly HttpRoute[];
  /** Receives every alarm by email when set. */
  alarmEmail?: string;
  /** Overdue leads at the nightly count above which the alarm fires. */
  overdueLeadsAlarmThreshold?: number;
}

export const DEFAULT_API_THROTTLE = { rateLimit: 50, burstLimit: 100 };
export const DEFAULT_OVERDUE_LEADS_ALARM_THRESHOLD = 10;
const LOG_RETENTION = RetentionDays.ONE_MONTH;

export class HandoffStack extends Stack {
  readonly table: Table;
  readonly functions = new Map<HandoffFunctionName, HandoffFunction>();

  constructor(scope: Construct, id: string, props: HandoffStackProps) {
    super(scope, id, props);
    const { config, stage } = props;
    const entries: Partial<Record<HandoffFunctionName, string>> = props.entries ?? lambdaEntries;
    const removalPolicy = stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.table = this.leadTable(stage, removalPolicy);
    const topicKey = this.notificationKey(removalPolicy);
    const observability = new Observability(this, 'Observability', {
      topicKey,
      overdueLeadsThreshold: props.overdueLeadsAlarmThreshold ?? DEFAULT_OVERDUE_LEADS_ALARM_THRESHOLD,
      alarmEmail: props.alarmEmail,
    });

    for (const name of HANDOFF_FUNCTIONS) {
      const entry = entries[name];
      if (!entry) continue;
      const { invokedBy, ...settings } = FUNCTION_SETTINGS[name];
      const asyncFailureQueue = ASYNC_INVOKERS.has(invokedBy)
        ? new SecureQueue(this, `${name}FailedInvocations`, { deadLetterFor: `the asynchronous invocations of ${name}` })
        : undefined;
      if (asyncFailureQueue) observability.watchQueue(`${name}FailedInvocations`, asyncFailureQueue);
      const fn = new HandoffFunction(this, name, { entry, configFile: props.configFile, removalPolicy, asyncFailureQueue, ...settings });
      if (!asyncFailureQueue) {
        Validations.of(fn).acknowledge({
          id: 'Serverless::Serverless-LambdaDLQ',
          reason: `Invoked synchronously (${invokedBy}): failures return to API Gateway or to the event source mapping, whose own destination and redrive settings apply; a Lambda DLQ only serves asynchronous invocations.`,
        });
      }
      observability.watchFunction(name, fn);
      this.functions.set(name, fn);
    }
    const { capture, health, processLeads, leadsDlq, leadActions, leadActivities, nightlyReport, sesEvents } = Object.fromEntries(this.functions) as Partial<
      Record<HandoffFunctionName, HandoffFunction>
    >;

    capture?.bindTable(this.table, 'readWrite');
    health?.bindTable(this.table, 'getItem');
    for (const fn of [processLeads, leadsDlq, leadActions, leadActivities, nightlyReport, sesEvents]) fn?.bindTable(this.table, 'readWrite');

    const http = new HandoffHttpApi(this, 'Http', {
      routes: props.routes ?? routes,
      handlers: this.functions,
      throttle: DEFAULT_API_THROTTLE,
      unauthorizedRouteReasons: UNAUTHORIZED_ROUTE_REASONS,
      logRetention: LOG_RETENTION,
      removalPolicy,
    });

    // leadActions mails the new owner when a rep passes a lead on ("Not mine — reassign").
    const mailers = [processLeads, leadsDlq, leadActions, nightlyReport].filter((fn) => fn !== undefined);
    if (mailers.length > 0) {
      const mail = new Mail(this, 'Mail', { sender: config.sender, topicKey, internalRecipients: internalRecipients(config) });
      for (const fn of mailers) fn.bindMailer(mail);
      if (sesEvents) {
        const undeliveredFeedback = new SecureQueue(this, 'UndeliveredFeedbackQueue', { deadLetterFor: 'the SES feedback subscription' });
        observability.watchQueue('UndeliveredFeedbackQueue', undeliveredFeedback);
        mail.feedbackTopic.addSubscription(new LambdaSubscription(sesEvents, { deadLetterQueue: undeliveredFeedback }));
      }
    }

    const actionLinkUsers = [processLeads, leadsDlq, leadActions, nightlyReport].filter((fn) => fn !== undefined);
    if (actionLinkUsers.length > 0) {
      const actionSecret = this.handRotatedSecret('ActionLinkSecret', {
        name: 'action-link-secret',
        description: 'HMAC key that signs the one-click action links in owner alerts and reports',
        generateSecretString: { passwordLength: 64, excludePunctuation: true },
        removalPolicy,
        rotatedByHandBecause: 'Rotating the signing key invalidates every action link already in an inbox; it is rotated by hand (deploy guide) when it may have leaked, not on a timer.',
      });
      for (const fn of actionLinkUsers) fn.bindSecret(actionSecret, 'ACTION_SECRET_ARN');
    }

    if (leadActivities) {
      const apiToken = this.handRotatedSecret('ActivitiesApiToken', {
        name: 'activities-api-token',
        description: 'Bearer token CRM integrations present to POST /leads/{leadId}/activities',
        generateSecretString: { passwordLength: 48, excludePunctuation: true },
        removalPolicy,
        rotatedByHandBecause: 'The CRM holds a copy of this token, so an automatic rotation would lock it out; it is rotated by hand together with the CRM configuration.',
        output: {
          id: 'ActivitiesApiTokenSecret',
          description: 'The CRM bearer token for POST /leads/{leadId}/activities: aws secretsmanager get-secret-value --secret-id <this>',
        },
      });
      leadActivities.bindSecret(apiToken, 'API_TOKEN_SECRET_ARN');
    }

    if (capture && config.forms.some((form) => form.webhookSignature)) {
      const webhookSecrets = this.handRotatedSecret('WebhookSecrets', {
        name: 'webhook-secrets',
        description: 'Signing secrets of the forms that take only signed form-tool webhooks, as JSON {"<formId>": "<secret>"}',
        // The form tools issue these secrets, so there is nothing to generate: it starts as an empty object for the
        // operator to fill in. CloudFormation writes SecretString only when the template's value changes, so later
        // deploys keep what the operator put there.
        secretStringValue: SecretValue.unsafePlainText('{}'),
        removalPolicy,
        rotatedByHandBecause: 'The form tools (Typeform, Tally, Webflow, HubSpot) issue these signing secrets and keep their own copy, which a rotation here cannot change; each is replaced by hand in the tool and here together (deploy guide).',
        output: {
          id: 'WebhookSecretsSecret',
          description: 'Signing secrets of the forms with webhookSignature, as {"<formId>": "<secret>"}: aws secretsmanager put-secret-value --secret-id <this> --secret-string file://webhook-secrets.json',
        },
      });
      capture.bindSecret(webhookSecrets, 'WEBHOOK_SECRETS_ARN');
    }

    if (processLeads) {
      const parkedLeads = new SecureQueue(this, 'ParkedLeadsQueue', { deadLetterFor: 'the failed-leads queue' });
      observability.watchQueue('ParkedLeadsQueue', parkedLeads);
      // Lambda's stream on-failure destination: it receives the failed batch's shard and sequence range, not the records.
      const failedLeads = new SecureQueue(this, 'FailedLeadsQueue', {
        // Six times the consumer's timeout, as Lambda recommends for SQS sources, so a slow retry is not delivered twice.
        visibilityTimeout: Duration.seconds(FUNCTION_SETTINGS.leadsDlq.timeout.toSeconds() * 6),
        deadLetterQueue: { queue: parkedLeads, maxReceiveCount: 5 },
      });
      observability.watchQueue('FailedLeadsQueue', failedLeads);
      processLeads.addEventSource(
        new DynamoEventSource(this.table, {
          startingPosition: StartingPosition[leadStreamSettings.startingPosition],
          batchSize: leadStreamSettings.batchSize,
          maxBatchingWindow: Duration.seconds(leadStreamSettings.maxBatchingWindowSeconds),
          bisectBatchOnError: leadStreamSettings.bisectBatchOnError,
          retryAttempts: leadStreamSettings.retryAttempts,
          maxRecordAge: Duration.seconds(leadStreamSettings.maxRecordAgeSeconds),
          reportBatchItemFailures: leadStreamSettings.reportBatchItemFailures,
          filters: leadStreamSettings.filterPatterns.map((pattern) => FilterCriteria.filter(pattern)),
          onFailure: new SqsDlq(failedLeads),
        }),
      );
      if (leadsDlq) {
        leadsDlq.addEventSource(new SqsEventSource(failedLeads, { batchSize: 10, reportBatchItemFailures: true }));
        leadsDlq.bindTableStreamReplay(this.table);
        Validations.of(leadsDlq).acknowledge({
          id: 'Serverless::Serverless-LambdaEventSourceMappingDestination',
          reason: 'SQS event source mappings accept no on-failure destination; the failed-leads queue redrives to the parked-leads queue after 5 receives instead.',
        });
      }
    }

    if (nightlyReport) {
      const missedRuns = new SecureQueue(this, 'MissedNightlyRunsQueue', { deadLetterFor: 'the nightly schedule' });
      observability.watchQueue('MissedNightlyRunsQueue', missedRuns);
      new NightlySchedule(this, 'NightlySchedule', {
        target: nightlyReport,
        at: config.reports.nightlyAt,
        timezone: config.organisation.timezone,
        deadLetterQueue: missedRuns,
      });
    }

    observability.renderDashboard();
    this.outputs(http, config);
  }

  private leadTable(stage: Stage, removalPolicy: RemovalPolicy): Table {
    const table = new Table(this, 'Leads', {
      partitionKey: { name: tableDefinition.partitionKey, type: AttributeType.STRING },
      sortKey: { name: tableDefinition.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      stream: StreamViewType.NEW_IMAGE,
      timeToLiveAttribute: tableDefinition.ttlAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: stage === 'prod',
      removalPolicy,
    });
    for (const index of tableDefinition.indexes) {
      const projection = projectionOf(index);
      table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        projectionType: ProjectionType[projection.ProjectionType],
        nonKeyAttributes: projection.NonKeyAttributes,
      });
    }
    return table;
  }

  /**
   * A secret named `<stack>/<name>`, rotated by hand and never on a timer, for the reason given (cdk-nag's SMG4 asks
   * for one); with `output`, a stack output names it for the deployer.
   */
  private handRotatedSecret(id: string, { name, rotatedByHandBecause, output, ...props }: HandRotatedSecretProps): Secret {
    const secretName = `${this.stackName}/${name}`;
    const secret = new Secret(this, id, { secretName, ...props });
    Validations.of(secret).acknowledge({ id: 'AwsSolutions::AwsSolutions-SMG4', reason: rotatedByHandBecause });
    if (output) new CfnOutput(this, output.id, { value: secretName, description: output.description });
    return secret;
  }

  /** A customer-managed key for the SNS topics: SES and CloudWatch cannot publish to topics under the AWS-managed SNS key. */
  private notificationKey(removalPolicy: RemovalPolicy): Key {
    const key = new Key(this, 'NotificationKey', {
      description: 'Encrypts the Handoff alarm and SES feedback topics',
      enableKeyRotation: true,
      removalPolicy,
    });
    for (const service of ['ses.amazonaws.com', 'cloudwatch.amazonaws.com']) {
      key.addToResourcePolicy(
        new PolicyStatement({
          actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
          principals: [new ServicePrincipal(service)],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
        }),
      );
    }
    return key;
  }

  private outputs(http: HandoffHttpApi, config: Config): void {
    const apiUrl = http.stage.url;
    for (const { setting, advice } of loopbackSettings(config)) {
      Annotations.of(this).addWarningV2('handoff:loopback-setting', `${setting} points at this machine: ${advice}, and deploy again`);
    }
    new CfnOutput(this, 'ApiUrl', { value: apiUrl, description: 'Base URL of the Handoff HTTP API' });
    const form = config.forms.find((candidate) => candidate.kind === 'website');
    if (form) {
      new CfnOutput(this, 'FormSnippet', {
        description: `Paste into a page on ${form.allowedOrigins.join(' or ')} to post to the "${form.name}" form`,
        value: formSnippet(`${apiUrl}forms/${form.id}`),
      });
    }
  }
}

/** Settings still naming this machine, as the example config does, and what each should be instead: deployed as they are, links and forms break. */
function loopbackSettings(config: Config): Array<{ setting: string; advice: string }> {
  return [
    ...(isLoopbackUrl(config.publicBaseUrl) ? [{ setting: `publicBaseUrl ${config.publicBaseUrl}`, advice: 'set it to the ApiUrl output (the links in emails point there)' }] : []),
    ...config.forms.flatMap((form) => [
      ...form.allowedOrigins.filter(isLoopbackUrl).map((origin) => ({
        setting: `forms "${form.id}" allowedOrigins ${origin}`,
        advice: 'list the origin of the website the form is on instead (https://www.your-site.example), not the API',
      })),
      ...(isLoopbackUrl(form.redirectUrl) ? [{ setting: `forms "${form.id}" redirectUrl ${form.redirectUrl}`, advice: "set it to your site's thank-you page" }] : []),
    ]),
  ];
}

/** Everyone Handoff mails: owners get alerts and digests, managers escalations, the report lists the reports. */
function internalRecipients(config: Config): string[] {
  return [
    ...config.salespeople.flatMap((rep) => [rep.email, rep.managerEmail]),
    ...config.reports.salesRecipients,
    ...config.reports.marketingRecipients,
  ];
}

/**
 * A plain HTML form; `_gotcha` is the honeypot capture treats as spam when a bot fills it. The script fills in the
 * page's own URL (with its UTM parameters), where the visitor came from and when the form loaded: a browser posting
 * to another origin sends only the page's origin as Referer, so without it a campaign landing page's UTMs are lost.
 */
export function formSnippet(action: string): string {
  return [
    `<form action="${action}" method="POST">`,
    '<input name="firstName" placeholder="First name" required>',
    '<input name="lastName" placeholder="Last name" required>',
    '<input type="email" name="email" placeholder="Work email" required>',
    '<input name="company" placeholder="Company">',
    '<textarea name="message" placeholder="How can we help?"></textarea>',
    '<input type="text" name="_gotcha" tabindex="-1" autocomplete="off" style="display:none">',
    '<input type="hidden" name="pageUrl"><input type="hidden" name="referrer"><input type="hidden" name="_loadedAt">',
    '<button type="submit">Send</button>',
    '</form>',
    '<script>(function (form) { form.pageUrl.value = location.href; form.referrer.value = document.referrer; form._loadedAt.value = Date.now(); })(document.currentScript.previousElementSibling);</script>',
  ].join('');
}
