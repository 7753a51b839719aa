import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Dashboard, GraphWidget, Metric, SingleValueWidget, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { BUSINESS_METRICS } from '../../shared/adapters/metrics.ts';
import { METRICS_NAMESPACE, METRICS_SERVICE } from '../handoff-function.ts';

/** The business metrics the handlers publish in Embedded Metric Format (namespace "Handoff", dimension service=handoff). */
export { BUSINESS_METRICS };

export interface ObservabilityProps {
  /** Encrypts the alarm topic; its key policy must let CloudWatch use it. */
  topicKey: IKey;
  /** Leads overdue at the nightly count above which someone is paged. */
  overdueLeadsThreshold: number;
  /** Subscribed to the alarm topic when given (the deploy guide passes it as `-c alarmEmail=…`). */
  alarmEmail?: string;
}

/** The alarm topic, every alarm, and the dashboard; other constructs hand their alarms to `watch`. */
export class Observability extends Construct {
  readonly alarmTopic: Topic;
  readonly dashboard: Dashboard;
  private readonly alarmAction: SnsAction;
  private readonly errorMetrics: IMetric[] = [];
  private readonly queueDepthMetrics: IMetric[] = [];

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    this.alarmTopic = new Topic(this, 'AlarmTopic', { masterKey: props.topicKey, enforceSSL: true });
    if (props.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));
    this.alarmAction = new SnsAction(this.alarmTopic);

    this.watch(
      new Alarm(this, 'OverdueLeadsAlarm', {
        alarmDescription: `More than ${props.overdueLeadsThreshold} leads missed their first-contact deadline at the nightly count.`,
        metric: businessMetric(BUSINESS_METRICS.overdueLeads, 'Maximum', Duration.days(1)),
        threshold: props.overdueLeadsThreshold,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        // The nightly job publishes once a day; a day without a datapoint is the job's own alarm, not this one.
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
    // Named after the stack (Handoff-<stage>), so the deploy guide can say where to look.
    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: Stack.of(this).stackName, defaultInterval: Duration.days(7) });
  }

  watch(alarm: Alarm): Alarm {
    alarm.addAlarmAction(this.alarmAction);
    return alarm;
  }

  watchFunction(name: string, fn: IFunction): void {
    // Labels only on the dashboard copy: a labelled metric turns the alarm into a metric-math alarm.
    const errors = fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' });
    this.errorMetrics.push(errors.with({ label: name }));
    this.watch(
      new Alarm(this, `${name}ErrorsAlarm`, {
        alarmDescription: `The ${name} function failed at least once in 5 minutes.`,
        metric: errors,
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
  }

  /** Any message in a dead-letter queue is a lead or a report that needs a human. */
  watchQueue(name: string, queue: IQueue): void {
    const depth = queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' });
    this.queueDepthMetrics.push(depth.with({ label: name }));
    this.watch(
      new Alarm(this, `${name}DepthAlarm`, {
        alarmDescription: `${name} holds at least one message.`,
        metric: depth,
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
  }

  /** Lays out the dashboard once every function and queue has been registered. */
  renderDashboard(): void {
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Leads captured and spam',
        left: [dashboardMetric(BUSINESS_METRICS.leadsCaptured, 'Sum', Duration.hours(1)), dashboardMetric(BUSINESS_METRICS.leadsSpam, 'Sum', Duration.hours(1))],
        width: 12,
      }),
      new GraphWidget({
        title: 'Owner alerts sent and failed',
        left: [dashboardMetric(BUSINESS_METRICS.alertsSent, 'Sum', Duration.hours(1)), dashboardMetric(BUSINESS_METRICS.alertsFailed, 'Sum', Duration.hours(1))],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new SingleValueWidget({
        title: 'Overdue leads (last nightly count)',
        metrics: [dashboardMetric(BUSINESS_METRICS.overdueLeads, 'Maximum', Duration.days(1))],
        width: 6,
      }),
      new GraphWidget({
        title: 'Time to first contact (minutes)',
        left: [
          dashboardMetric(BUSINESS_METRICS.timeToFirstContactMinutes, 'p50', Duration.days(1)),
          dashboardMetric(BUSINESS_METRICS.timeToFirstContactMinutes, 'p95', Duration.days(1)),
        ],
        width: 18,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Function errors', left: this.errorMetrics, width: 12 }),
      new GraphWidget({ title: 'Dead-letter queue depth', left: this.queueDepthMetrics, width: 12 }),
    );
  }
}

function businessMetric(metricName: string, statistic: string, period: Duration): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: METRICS_SERVICE },
    statistic,
    period,
  });
}

function dashboardMetric(metricName: string, statistic: string, period: Duration): Metric {
  return businessMetric(metricName, statistic, period).with({ label: `${metricName} (${statistic})` });
}
