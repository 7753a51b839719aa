import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination, type ThrottleSettings } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface HttpRoute {
  method: 'GET' | 'POST' | 'OPTIONS';
  path: string;
  handler: string;
}

export interface HandoffHttpApiProps {
  routes: readonly HttpRoute[];
  /** The function behind each handler name the routes use. */
  handlers: ReadonlyMap<string, IFunction>;
  throttle: ThrottleSettings;
  /**
   * Why each path needs no API Gateway authorizer, keyed by path. A route whose path has no entry stays
   * unacknowledged, so cdk-nag fails until someone writes down how that route authenticates its callers.
   */
  unauthorizedRouteReasons: Readonly<Record<string, string>>;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
}

/**
 * Access log fields. `routeKey` rather than the raw path: action links carry a signed token in the path,
 * and tokens must not sit in logs for a month.
 */
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  routeKey: '$context.routeKey',
  status: '$context.status',
  sourceIp: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
};

/** The HttpApi with one route per entry of `routes` and one Lambda integration per handler, shared by its routes. */
export class HandoffHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;

  constructor(scope: Construct, id: string, props: HandoffHttpApiProps) {
    super(scope, id);
    // No API-level CORS: the capture handler answers preflight itself, per form, from the form's allowed origins.
    this.api = new HttpApi(this, 'Api', { createDefaultStage: false, description: 'Handoff lead capture and follow-up actions' });
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention, removalPolicy: props.removalPolicy });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });

    const integrations = new Map<string, HttpLambdaIntegration>();
    for (const route of props.routes) {
      const fn = props.handlers.get(route.handler);
      if (!fn) throw new Error(`route ${route.method} ${route.path} names handler "${route.handler}", which has no entry in lambdaEntries`);
      let integration = integrations.get(route.handler);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${route.handler}Integration`, fn);
        integrations.set(route.handler, integration);
      }
      const created = this.api.addRoutes({ path: route.path, methods: [HttpMethod[route.method]], integration });
      const reason = props.unauthorizedRouteReasons[route.path];
      if (reason) for (const httpRoute of created) Validations.of(httpRoute).acknowledge({ id: 'AwsSolutions::AwsSolutions-APIG4', reason });
    }
  }
}
