import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stage as CdkStage } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { tableDefinition } from '../../shared/adapters/lead-store/table.ts';
import { WAITING_LEAD_FIELDS } from '../../shared/domain/lead.ts';
import { leadStreamSettings, nightlyScheduleInput } from '../../infra/event-sources.ts';
import { BUNDLED_CONFIG_PATH } from '../../infra/handoff-function.ts';
import { lambdaEntries, routes } from '../../infra/routes.ts';
import { DEFAULT_API_THROTTLE, DEFAULT_OVERDUE_LEADS_ALARM_THRESHOLD, HANDOFF_FUNCTIONS, type HandoffFunctionName, type HandoffStack } from '../../infra/stack.ts';
import { NIGHTLY_RETRY } from '../../infra/constructs/nightly-schedule.ts';
import { BUSINESS_METRICS } from '../../infra/constructs/observability.ts';
import { synthesizeStack, TEST_CONFIG_FILE, testConfig } from './synth.ts';

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

/** Actions AWS offers no resource-level permission for, so "*" is the only possible resource. */
const RESOURCELESS_ACTIONS = new Set(['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'dynamodb:ListStreams']);

let stack: HandoffStack;
let template: Template;
let fnLogicalIds: Map<HandoffFunctionName, string>;

beforeAll(() => {
  // One synthesis (with real esbuild bundling) for the whole file.
  stack = synthesizeStack('dev');
  template = Template.fromStack(stack);
  fnLogicalIds = new Map([...stack.functions].map(([name, fn]) => [name, stack.getLogicalId(fn.node.defaultChild as CfnFunction)]));
}, 120_000);

const resources = (type: string): [string, Resource][] => Object.entries(template.findResources(type)) as [string, Resource][];
const fnResource = (name: HandoffFunctionName): Resource => template.toJSON().Resources[fnLogicalIds.get(name)!];
const env = (name: HandoffFunctionName): Record<string, unknown> => fnResource(name).Properties.Environment.Variables;
const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** All statements of the inline policies attached to a function's role. */
function roleStatements(name: HandoffFunctionName): Statement[] {
  const roleRef = fnResource(name).Properties.Role['Fn::GetAtt'][0];
  return resources('AWS::IAM::Policy')
    .filter(([, policy]) => policy.Properties.Roles.some((role: { Ref: string }) => role.Ref === roleRef))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Statement[]);
}
const actionsOf = (name: HandoffFunctionName): string[] => roleStatements(name).flatMap((s) => asArray(s.Action));
/**
 * Every (action, resource) pair a function's role allows, resources as JSON. Policies are compared by what they
 * allow, not by how CDK groups and orders their statements (the minimizePolicies flag merges them).
 */
const grantsOf = (name: HandoffFunctionName): Set<string> =>
  new Set(roleStatements(name).filter((s) => s.Effect === 'Allow').flatMap((s) => asArray(s.Action).flatMap((action) => asArray(s.Resource).map((resource) => `${action} ${JSON.stringify(resource)}`))));
const grant = (action: string, resource: unknown) => `${action} ${JSON.stringify(resource)}`;
const ref = (logicalId: string) => ({ Ref: logicalId });
const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });
const logicalIdOf = (type: string, predicate: (resource: Resource) => boolean): string => {
  const match = resources(type).find(([, resource]) => predicate(resource));
  if (!match) throw new Error(`no ${type} matches`);
  return match[0];
};

describe('functions', () => {
  it('creates one function per planned handler, each from its entry', () => {
    expect(resources('AWS::Lambda::Function')).toHaveLength(HANDOFF_FUNCTIONS.length);
    expect([...stack.functions.keys()].sort()).toEqual([...HANDOFF_FUNCTIONS].sort());
  });

  it.each(HANDOFF_FUNCTIONS)('%s: nodejs22.x, arm64, active tracing, explicit memory and timeout, source maps', (name) => {
    const props = fnResource(name).Properties;
    expect(props.Runtime).toBe('nodejs22.x');
    expect(props.Architectures).toEqual(['arm64']);
    expect(props.TracingConfig).toEqual({ Mode: 'Active' });
    expect(props.MemorySize).toBeGreaterThanOrEqual(128);
    expect(props.Timeout).toBeGreaterThan(0);
    expect(props.Handler).toBe('index.handler');
    expect(env(name)).toMatchObject({ NODE_OPTIONS: '--enable-source-maps', HANDOFF_CONFIG: BUNDLED_CONFIG_PATH, POWERTOOLS_METRICS_NAMESPACE: 'Handoff' });
  });

  it.each(HANDOFF_FUNCTIONS)('%s logs to its own log group kept for one month', (name) => {
    const logGroupId = fnResource(name).Properties.LoggingConfig.LogGroup.Ref as string;
    expect(template.toJSON().Resources[logGroupId]).toMatchObject({ Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 } });
  });

  it('bundles ESM with the validated config file beside the handler', () => {
    const outdir = CdkStage.of(stack)!.outdir;
    const configText = readFileSync(TEST_CONFIG_FILE, 'utf8');
    for (const name of HANDOFF_FUNCTIONS) {
      const assetHash = String(fnResource(name).Properties.Code.S3Key).replace(/\.zip$/, '');
      const assetDir = join(outdir, `asset.${assetHash}`);
      expect(readFileSync(join(assetDir, 'handoff.config.json'), 'utf8')).toBe(configText);
      expect(readFileSync(join(assetDir, 'index.mjs'), 'utf8')).toMatch(/^import \{ createRequire/);
      expect(existsSync(join(assetDir, 'index.mjs.map'))).toBe(true);
    }
  });
});

describe('table', () => {
  it('is on demand, streams new images, expires items by TTL and keeps point-in-time recovery', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
      TimeToLiveSpecification: { AttributeName: tableDefinition.ttlAttribute, Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      KeySchema: [
        { AttributeName: tableDefinition.partitionKey, KeyType: 'HASH' },
        { AttributeName: tableDefinition.sortKey, KeyType: 'RANGE' },
      ],
    });
  });

  it('has exactly the indexes of tableDefinition: keys only, but the deadline index keeps what the nightly report reads', () => {
    const [, table] = resources('AWS::DynamoDB::Table')[0]!;
    const projections = Object.fromEntries(
      (table.Properties.GlobalSecondaryIndexes as Array<{ IndexName: string; Projection: unknown }>).map((index) => [index.IndexName, index.Projection]),
    );
    expect(projections).toEqual({
      byEmail: { ProjectionType: 'KEYS_ONLY' },
      byPhone: { ProjectionType: 'KEYS_ONLY' },
      byDomain: { ProjectionType: 'KEYS_ONLY' },
      byDay: { ProjectionType: 'KEYS_ONLY' },
      waitingByDeadline: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...WAITING_LEAD_FIELDS] },
    });
    expect(table.Properties.GlobalSecondaryIndexes).toEqual(
      tableDefinition.indexes.map((index) => expect.objectContaining({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
      })),
    );
  });

  it('can be deleted in dev', () => {
    const [, table] = resources('AWS::DynamoDB::Table')[0]!;
    expect(table.DeletionPolicy).toBe('Delete');
    expect(table.Properties.DeletionProtectionEnabled).toBe(false);
  });

  it('is deletion-protected and retained in prod, with its logs and secrets', () => {
    const prod = Template.fromStack(synthesizeStack('prod', { bundle: false }));
    prod.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', Properties: { DeletionProtectionEnabled: true } });
    for (const type of ['AWS::Logs::LogGroup', 'AWS::SecretsManager::Secret']) {
      const policies = Object.values(prod.findResources(type)).map((resource) => resource.DeletionPolicy);
      expect(policies.length).toBeGreaterThan(0);
      expect(new Set(policies)).toEqual(new Set(['Retain']));
    }
  });
});

describe('HTTP API', () => {
  it('has exactly the routes of infra/routes.ts', () => {
    const routeKeys = resources('AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties.RouteKey).sort();
    expect(routeKeys).toEqual(routes.map((route) => `${route.method} ${route.path}`).sort());
  });

  it('sends each route to its handler, with one integration per handler', () => {
    const integrations = resources('AWS::ApiGatewayV2::Integration');
    expect(integrations).toHaveLength(new Set(routes.map((route) => route.handler)).size);
    for (const route of routes) {
      const [, routeResource] = resources('AWS::ApiGatewayV2::Route').find(([, r]) => r.Properties.RouteKey === `${route.method} ${route.path}`)!;
      const integrationId = routeResource.Properties.Target['Fn::Join'][1][1].Ref as string;
      const integration = template.toJSON().Resources[integrationId];
      expect(integration.Properties).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
      expect(integration.Properties.IntegrationUri).toEqual(arnOf(fnLogicalIds.get(route.handler)!));
    }
  });

  it('throttles the default stage and writes JSON access logs without raw paths to a retained log group', () => {
    const [, stage] = resources('AWS::ApiGatewayV2::Stage')[0]!;
    expect(stage.Properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: DEFAULT_API_THROTTLE.rateLimit, ThrottlingBurstLimit: DEFAULT_API_THROTTLE.burstLimit },
    });
    const format = JSON.parse(stage.Properties.AccessLogSettings.Format);
    expect(format).toMatchObject({ requestId: '$context.requestId', routeKey: '$context.routeKey', status: '$context.status' });
    expect(stage.Properties.AccessLogSettings.Format).not.toContain('$context.path');
    const logGroupId = stage.Properties.AccessLogSettings.DestinationArn['Fn::GetAtt'][0];
    expect(template.toJSON().Resources[logGroupId].Properties.RetentionInDays).toBe(30);
  });
});

describe('IAM', () => {
  it('names every action explicitly and uses "*" only where AWS has no resource to name', () => {
    const statements = resources('AWS::IAM::Policy').flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Statement[]);
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      const actions = asArray(statement.Action);
      for (const action of actions) expect(action).not.toMatch(/\*/);
      if (asArray(statement.Resource).includes('*')) expect(actions.filter((action) => !RESOURCELESS_ACTIONS.has(action))).toEqual([]);
    }
  });

  it('gives no function Scan, BatchWriteItem or table administration', () => {
    for (const name of HANDOFF_FUNCTIONS) {
      expect(actionsOf(name).filter((action) => /^dynamodb:(Scan|BatchWriteItem|DeleteTable|UpdateTable|CreateTable|DescribeTable)$/.test(action))).toEqual([]);
    }
  });

  it('lets health read single items only', () => {
    const tableId = resources('AWS::DynamoDB::Table')[0]![0];
    const dynamo = roleStatements('health').filter((s) => asArray(s.Action).some((action) => action.startsWith('dynamodb:')));
    expect(dynamo).toEqual([{ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: arnOf(tableId) }]);
  });

  it('grants every table user item writes on the table and Query on the table and its named indexes', () => {
    const tableArn = arnOf(resources('AWS::DynamoDB::Table')[0]![0]);
    const indexArns = tableDefinition.indexes.map((index) => ({ 'Fn::Join': ['', [tableArn, `/index/${index.name}`]] }));
    for (const name of HANDOFF_FUNCTIONS.filter((n) => n !== 'health')) {
      const onTableAndIndexes = [...grantsOf(name)].filter((pair) => [tableArn, ...indexArns].some((resource) => pair.endsWith(` ${JSON.stringify(resource)}`)));
      expect(onTableAndIndexes.sort()).toEqual([
        ...['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem', 'dynamodb:Query']
          .map((action) => grant(action, tableArn)),
        ...indexArns.map((indexArn) => grant('dynamodb:Query', indexArn)),
      ].sort());
    }
  });

  it('injects TABLE_NAME exactly where table access is granted', () => {
    const tableId = resources('AWS::DynamoDB::Table')[0]![0];
    for (const name of HANDOFF_FUNCTIONS) {
      expect(env(name).TABLE_NAME).toEqual(ref(tableId));
      expect(actionsOf(name)).toContain('dynamodb:GetItem');
    }
  });

  it('lets only the mailing functions send, from the configured sender through the configuration set', () => {
    const identityId = logicalIdOf('AWS::SES::EmailIdentity', (r) => r.Properties.EmailIdentity === 'handoff@infra-test.example');
    const configurationSetId = resources('AWS::SES::ConfigurationSet')[0]![0];
    const mailers: HandoffFunctionName[] = ['processLeads', 'leadsDlq', 'leadActions', 'nightlyReport'];
    // SES in sandbox mode also authorizes each recipient's identity, so the internal recipients are named too.
    const internalRecipients = [
      ...new Set([
        ...testConfig.salespeople.flatMap((rep) => [rep.email, rep.managerEmail]),
        ...testConfig.reports.salesRecipients,
        ...testConfig.reports.marketingRecipients,
      ]),
    ];
    for (const name of HANDOFF_FUNCTIONS) {
      const sesStatements = roleStatements(name).filter((s) => asArray(s.Action).some((action) => action.startsWith('ses:')));
      if (!mailers.includes(name)) {
        expect(sesStatements).toEqual([]);
        expect(env(name).SENDER).toBeUndefined();
        continue;
      }
      expect(sesStatements).toHaveLength(1);
      expect(asArray(sesStatements[0]!.Action).sort()).toEqual(['ses:SendEmail', 'ses:SendRawEmail']);
      const arns = asArray(sesStatements[0]!.Resource).map((arn) => JSON.stringify(arn));
      const senderArns = arns.filter((arn) => arn.includes(identityId));
      const configurationSetArns = arns.filter((arn) => arn.includes(':configuration-set/'));
      expect(senderArns).toHaveLength(1);
      expect(configurationSetArns).toHaveLength(1);
      expect(configurationSetArns[0]).toContain(configurationSetId);
      const namedArns = arns.filter((arn) => !senderArns.includes(arn) && !configurationSetArns.includes(arn));
      const identityNames = namedArns.map((arn) => /:identity\/([^"]+)"/.exec(arn)?.[1]);
      expect(identityNames.sort()).toEqual(['infra-test.example', ...internalRecipients].sort());
      expect(env(name)).toMatchObject({ SENDER: 'handoff@infra-test.example', SES_CONFIGURATION_SET: ref(configurationSetId) });
    }
  });

  it('lets each function read only the secrets it is given, named in its environment', () => {
    const actionSecretId = logicalIdOf('AWS::SecretsManager::Secret', (r) => String(r.Properties.Description).includes('action links'));
    const apiTokenId = logicalIdOf('AWS::SecretsManager::Secret', (r) => String(r.Properties.Description).includes('CRM'));
    const webhookSecretsId = logicalIdOf('AWS::SecretsManager::Secret', (r) => String(r.Properties.Description).includes('signed form-tool webhooks'));
    const envNames: Record<string, string> = { [actionSecretId]: 'ACTION_SECRET_ARN', [apiTokenId]: 'API_TOKEN_SECRET_ARN', [webhookSecretsId]: 'WEBHOOK_SECRETS_ARN' };
    const expected: Record<HandoffFunctionName, string[]> = {
      capture: [webhookSecretsId],
      health: [],
      processLeads: [actionSecretId],
      leadsDlq: [actionSecretId],
      leadActions: [actionSecretId],
      leadActivities: [apiTokenId],
      nightlyReport: [actionSecretId],
      sesEvents: [],
    };
    for (const name of HANDOFF_FUNCTIONS) {
      const secretStatements = roleStatements(name).filter((s) => asArray(s.Action).includes('secretsmanager:GetSecretValue'));
      expect(secretStatements.map((s) => s.Resource)).toEqual(expected[name].map(ref));
      expect(secretStatements.every((s) => asArray(s.Action).length === 1)).toBe(true);
      const secretEnv = Object.fromEntries(Object.entries(env(name)).filter(([key]) => /_SECRETS?_ARN$/.test(key)));
      const expectedEnv = expected[name].map((id) => [envNames[id], ref(id)]);
      expect(secretEnv).toEqual(Object.fromEntries(expectedEnv));
    }
  });
});

describe('stream processing', () => {
  it('maps the table stream to processLeads with every value from leadStreamSettings', () => {
    const tableId = resources('AWS::DynamoDB::Table')[0]![0];
    const failedLeadsId = logicalIdOf('AWS::SQS::Queue', (r) => r.Properties.RedrivePolicy !== undefined);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: ref(fnLogicalIds.get('processLeads')!),
      EventSourceArn: { 'Fn::GetAtt': [tableId, 'StreamArn'] },
      StartingPosition: leadStreamSettings.startingPosition,
      BatchSize: leadStreamSettings.batchSize,
      MaximumBatchingWindowInSeconds: leadStreamSettings.maxBatchingWindowSeconds,
      BisectBatchOnFunctionError: leadStreamSettings.bisectBatchOnError,
      MaximumRetryAttempts: leadStreamSettings.retryAttempts,
      MaximumRecordAgeInSeconds: leadStreamSettings.maxRecordAgeSeconds,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      FilterCriteria: { Filters: leadStreamSettings.filterPatterns.map((pattern) => ({ Pattern: JSON.stringify(pattern) })) },
      DestinationConfig: { OnFailure: { Destination: arnOf(failedLeadsId) } },
    });
  });

  it('lets leadsDlq consume the failure queue with partial batch responses, replay the failed stream range, and park what it cannot handle', () => {
    const [failedLeadsId, failedLeads] = resources('AWS::SQS::Queue').find(([, r]) => r.Properties.RedrivePolicy !== undefined)!;
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: ref(fnLogicalIds.get('leadsDlq')!),
      EventSourceArn: arnOf(failedLeadsId),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(failedLeads.Properties.RedrivePolicy.maxReceiveCount).toBe(5);
    const tableId = resources('AWS::DynamoDB::Table')[0]![0];
    const streamArn = { 'Fn::GetAtt': [tableId, 'StreamArn'] };
    expect([...grantsOf('leadsDlq')].filter((pair) => pair.endsWith(` ${JSON.stringify(streamArn)}`)).sort())
      .toEqual([grant('dynamodb:GetRecords', streamArn), grant('dynamodb:GetShardIterator', streamArn)]);
    expect(failedLeads.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(fnResource('leadsDlq').Properties.Timeout);
  });
});

describe('queues and alarms', () => {
  it('encrypts every queue and refuses requests without TLS', () => {
    const queues = resources('AWS::SQS::Queue');
    expect(queues.length).toBe(6);
    const policies = resources('AWS::SQS::QueuePolicy').map(([, policy]) => policy.Properties);
    for (const [id, queue] of queues) {
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
      const policy = policies.find((p) => p.Queues.some((q: unknown) => JSON.stringify(q) === JSON.stringify(ref(id))));
      expect(policy?.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('alarms on the depth of every queue', () => {
    for (const [id] of resources('AWS::SQS::Queue')) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id, 'QueueName'] } }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });

  it.each(['nightlyReport', 'sesEvents'] as const)('parks failed asynchronous invocations of %s in its own queue', (name) => {
    const target = fnResource(name).Properties.DeadLetterConfig.TargetArn;
    expect(target).toEqual({ 'Fn::GetAtt': [expect.stringMatching(new RegExp(`^${name}FailedInvocations`)), 'Arn'] });
    expect(roleStatements(name)).toContainEqual({ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: target });
  });

  it('gives synchronously invoked functions no Lambda DLQ', () => {
    for (const name of HANDOFF_FUNCTIONS.filter((n) => n !== 'nightlyReport' && n !== 'sesEvents')) {
      expect(fnResource(name).Properties.DeadLetterConfig).toBeUndefined();
    }
  });

  it.each(HANDOFF_FUNCTIONS)('alarms on %s errors', (name) => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: ref(fnLogicalIds.get(name)!) }],
      Threshold: 1,
    });
  });

  it('alarms when overdue leads pass the threshold', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Handoff',
      MetricName: BUSINESS_METRICS.overdueLeads,
      Dimensions: [{ Name: 'service', Value: 'handoff' }],
      Threshold: DEFAULT_OVERDUE_LEADS_ALARM_THRESHOLD,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('sends every alarm to the encrypted alarm topic', () => {
    const alarmTopicId = logicalIdOf('AWS::SNS::Topic', () => true);
    const alarms = resources('AWS::CloudWatch::Alarm');
    expect(alarms.length).toBe(HANDOFF_FUNCTIONS.length + resources('AWS::SQS::Queue').length + 1);
    const topicIds = new Set(resources('AWS::SNS::Topic').map(([id]) => id));
    for (const [, alarm] of alarms) {
      expect(alarm.Properties.AlarmActions).toHaveLength(1);
      expect(topicIds.has(alarm.Properties.AlarmActions[0].Ref)).toBe(true);
    }
    expect(alarmTopicId).toBeDefined();
    for (const [, topic] of resources('AWS::SNS::Topic')) expect(topic.Properties.KmsMasterKeyId).toBeDefined();
  });

  it('keeps every log group for one month', () => {
    const logGroups = resources('AWS::Logs::LogGroup');
    expect(logGroups).toHaveLength(HANDOFF_FUNCTIONS.length + 1);
    for (const [, logGroup] of logGroups) expect(logGroup.Properties.RetentionInDays).toBe(30);
  });

  it('names the dashboard Handoff-<stage>, as the deploy guide says', () => {
    expect(resources('AWS::CloudWatch::Dashboard')[0]![1].Properties.DashboardName).toBe('Handoff-dev');
  });

  it('shows every business metric on the dashboard', () => {
    const body = JSON.stringify(resources('AWS::CloudWatch::Dashboard')[0]![1].Properties.DashboardBody);
    for (const metric of Object.values(BUSINESS_METRICS)) expect(body).toContain(`\\"Handoff\\",\\"${metric}\\"`);
  });
});

describe('email', () => {
  it('verifies the sender address with the configuration set as its default', () => {
    const configurationSetId = resources('AWS::SES::ConfigurationSet')[0]![0];
    template.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'handoff@infra-test.example',
      ConfigurationSetAttributes: { ConfigurationSetName: ref(configurationSetId) },
    });
  });

  it('routes bounces and complaints through SNS to sesEvents, with a redrive queue', () => {
    const destination = resources('AWS::SES::ConfigurationSetEventDestination')[0]![1].Properties.EventDestination;
    expect(destination.MatchingEventTypes).toEqual(['bounce', 'complaint']);
    const topicId = destination.SnsDestination.TopicARN.Ref as string;
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: ref(topicId),
      Endpoint: arnOf(fnLogicalIds.get('sesEvents')!),
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue() },
    });
  });
});

describe('nightly schedule', () => {
  it('fires daily at the configured local time in the organisation timezone, with retries and a DLQ', () => {
    const [, schedule] = resources('AWS::Scheduler::Schedule')[0]!;
    expect(schedule.Properties).toMatchObject({
      ScheduleExpression: 'cron(30 6 * * ? *)',
      ScheduleExpressionTimezone: 'America/New_York',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: arnOf(fnLogicalIds.get('nightlyReport')!),
        Input: JSON.stringify(nightlyScheduleInput),
        RetryPolicy: { MaximumRetryAttempts: NIGHTLY_RETRY.maximumRetryAttempts, MaximumEventAgeInSeconds: NIGHTLY_RETRY.maximumEventAge.toSeconds() },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/^MissedNightlyRuns/), 'Arn'] } },
      },
    });
  });

  it('uses a role that can only invoke the nightly function and write to the schedule DLQ', () => {
    const [, schedule] = resources('AWS::Scheduler::Schedule')[0]!;
    const roleId = schedule.Properties.Target.RoleArn['Fn::GetAtt'][0] as string;
    const role = template.toJSON().Resources[roleId];
    expect(role.Properties.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({ Service: 'scheduler.amazonaws.com' });
    const statements = resources('AWS::IAM::Policy')
      .filter(([, policy]) => policy.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId))
      .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Statement[]);
    expect(statements).toEqual([
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: arnOf(fnLogicalIds.get('nightlyReport')!) },
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: schedule.Properties.Target.DeadLetterConfig.Arn },
    ]);
  });
});

describe('outputs', () => {
  it('prints the API URL and a form snippet for the first website form', () => {
    const outputs = template.toJSON().Outputs;
    expect(outputs.ApiUrl).toBeDefined();
    const snippet = JSON.stringify(outputs.FormSnippet.Value);
    expect(snippet).toContain('forms/demo-request');
    expect(snippet).toContain('method=\\"POST\\"');
    expect(snippet).toContain('name=\\"_gotcha\\"');
  });
});

describe('secrets and settings a deployer must find', () => {
  it('names the secrets under the stack and prints where the CRM token and the webhook signing secrets are', () => {
    const names = resources('AWS::SecretsManager::Secret').map(([, secret]) => secret.Properties.Name).sort();
    expect(names).toEqual(['Handoff-dev/action-link-secret', 'Handoff-dev/activities-api-token', 'Handoff-dev/webhook-secrets']);
    expect(JSON.stringify(template.toJSON().Outputs.ActivitiesApiTokenSecret.Value)).toContain('activities-api-token');
    expect(JSON.stringify(template.toJSON().Outputs.WebhookSecretsSecret.Value)).toContain('webhook-secrets');
  });

  it('starts the webhook signing secrets as an empty JSON object for the operator to fill in: the form tools issue them', () => {
    const [, webhookSecrets] = resources('AWS::SecretsManager::Secret').find(([, secret]) => secret.Properties.Name === 'Handoff-dev/webhook-secrets')!;
    expect(webhookSecrets.Properties.SecretString).toBe('{}');
    expect(webhookSecrets.Properties.GenerateSecretString).toBeUndefined();
  });

  it('creates no webhook secret, and grants capture no secret, when no form takes signed webhooks', () => {
    const unsigned = { ...testConfig, forms: testConfig.forms.filter((form) => !form.webhookSignature) };
    const current = synthesizeStack('dev', { config: unsigned, bundle: false });
    const json = Template.fromStack(current).toJSON();
    const names = Object.values(json.Resources as Record<string, Resource>).filter((r) => r.Type === 'AWS::SecretsManager::Secret').map((r) => r.Properties.Name);
    expect(names).not.toContain('Handoff-dev/webhook-secrets');
    expect(json.Outputs.WebhookSecretsSecret).toBeUndefined();
    const capture = json.Resources[current.getLogicalId(current.functions.get('capture')!.node.defaultChild as CfnFunction)];
    expect(capture.Properties.Environment.Variables.WEBHOOK_SECRETS_ARN).toBeUndefined();
    expect(JSON.stringify(json.Resources)).not.toContain('webhook-secrets');
  });

  it('warns when a deploy would still point at this machine, and stays quiet when nothing does', () => {
    const local = { ...testConfig, publicBaseUrl: 'http://localhost:3000', forms: testConfig.forms.map((form, index) => (index === 0 ? { ...form, allowedOrigins: [...form.allowedOrigins, 'http://127.0.0.1:3000'] } : form)) };
    const warnings = (stackUnderTest: HandoffStack) => Annotations.fromStack(stackUnderTest).findWarning('*', Match.anyValue()).map((entry) => String(entry.entry.data));
    const localWarnings = warnings(synthesizeStack('prod', { config: local, bundle: false })).filter((warning) => warning.includes('points at this machine'));
    expect(localWarnings).toHaveLength(2);
    expect(localWarnings[0]).toContain('publicBaseUrl http://localhost:3000 points at this machine: set it to the ApiUrl output');
    expect(localWarnings[1]).toContain(`forms "${testConfig.forms[0]!.id}" allowedOrigins http://127.0.0.1:3000 points at this machine: list the origin of the website the form is on instead`);
    expect(warnings(stack).filter((warning) => warning.includes('points at this machine'))).toEqual([]);
  });
});

describe('today\'s entries', () => {
  it('synthesizes with only the handlers that exist in lambdaEntries', () => {
    const current = Template.fromStack(synthesizeStack('dev', { entries: lambdaEntries, bundle: false }));
    current.resourceCountIs('AWS::Lambda::Function', Object.keys(lambdaEntries).length);
    current.resourceCountIs('AWS::ApiGatewayV2::Route', routes.length);
  });
});
