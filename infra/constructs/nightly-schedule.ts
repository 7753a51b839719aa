import { Duration, Stack } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnSchedule } from 'aws-cdk-lib/aws-scheduler';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { nightlyScheduleInput } from '../event-sources.ts';

export interface NightlyScheduleProps {
  target: IFunction;
  /** "HH:MM" local time in `timezone`. */
  at: string;
  /** IANA timezone: Scheduler follows its daylight-saving changes, so 07:00 stays 07:00 all year. */
  timezone: string;
  deadLetterQueue: IQueue;
}

/** Retries cover a throttled or briefly failing invoke; the report itself is idempotent per date, so a retry sends nothing twice. */
export const NIGHTLY_RETRY = { maximumRetryAttempts: 3, maximumEventAge: Duration.hours(2) };

/** EventBridge Scheduler fires the nightly report once a day at a local time; what cannot be delivered lands in the DLQ. */
export class NightlySchedule extends Construct {
  readonly schedule: CfnSchedule;

  constructor(scope: Construct, id: string, props: NightlyScheduleProps) {
    super(scope, id);
    const [hours, minutes] = props.at.split(':').map(Number);
    const role = new Role(this, 'InvokeRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } } }),
      description: 'Lets the nightly schedule invoke the nightly report function and park undeliverable runs in its DLQ',
    });
    role.addToPolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [props.target.functionArn] }));
    // Scheduler writes to the DLQ with the target role.
    role.addToPolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [props.deadLetterQueue.queueArn] }));

    this.schedule = new CfnSchedule(this, 'Schedule', {
      description: `Nightly missed-follow-up report at ${props.at} ${props.timezone}`,
      scheduleExpression: `cron(${minutes} ${hours} * * ? *)`,
      scheduleExpressionTimezone: props.timezone,
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: props.target.functionArn,
        roleArn: role.roleArn,
        input: JSON.stringify(nightlyScheduleInput),
        retryPolicy: {
          maximumRetryAttempts: NIGHTLY_RETRY.maximumRetryAttempts,
          maximumEventAgeInSeconds: NIGHTLY_RETRY.maximumEventAge.toSeconds(),
        },
        deadLetterConfig: { arn: props.deadLetterQueue.queueArn },
      },
    });
  }
}
