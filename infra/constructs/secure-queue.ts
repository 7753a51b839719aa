import { Duration, Validations } from 'aws-cdk-lib';
import { Queue, QueueEncryption, type DeadLetterQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

export interface SecureQueueProps {
  /** Must be at least the consuming function's timeout, or Lambda refuses the event source mapping. */
  visibilityTimeout?: Duration;
  deadLetterQueue?: DeadLetterQueue;
  /** Set when this queue is itself the last stop for failed work: names what fails into it. */
  deadLetterFor?: string;
}

/**
 * Every Handoff queue is a place where failed work waits for a retry or a human: encrypted at rest with
 * SQS-managed keys (SNS and Scheduler can deliver to it without a key policy), SSL-only, kept for the maximum 14 days.
 */
export class SecureQueue extends Queue {
  constructor(scope: Construct, id: string, { deadLetterFor, ...props }: SecureQueueProps = {}) {
    super(scope, id, {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      ...props,
    });
    if (deadLetterFor) {
      const reason = `This queue is the dead-letter queue of ${deadLetterFor}, the last stop for work that failed every retry. Its depth alarm tells a human to inspect and redrive it; a dead-letter queue behind it would only move the problem.`;
      Validations.of(this).acknowledge(
        { id: 'AwsSolutions::AwsSolutions-SQS3', reason },
        { id: 'Serverless::Serverless-SQSRedrivePolicy', reason },
      );
    }
  }
}
