import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** What the local stack calls: every handler module exports one of these as `handler` (middy handlers included). */
export type LambdaHandler<Event = unknown, Result = unknown> = (event: Event, context: Context) => Promise<Result> | Result;

/** Local ARNs need an account id; this is the one AWS documents for examples, so it can never collide with a real one. */
export const LOCAL_ACCOUNT_ID = '000000000000';

const DEFAULT_TIMEOUT_MS = 30_000;

export function localRegion(env: NodeJS.ProcessEnv = process.env): string {
  return env.AWS_REGION ?? 'eu-central-1';
}

export function functionArn(functionName: string, region = localRegion()): string {
  return `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${functionName}`;
}

/** The Lambda context fields handlers and Powertools read; the deprecated callbacks only report misuse. */
export function lambdaContext(functionName: string, timeoutMs = DEFAULT_TIMEOUT_MS): Context {
  const deadline = Date.now() + timeoutMs;
  const refuseCallback = () => {
    throw new Error('context.done/succeed/fail are not supported: return or throw from an async handler');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: functionArn(functionName),
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/[$LATEST]${randomUUID().replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: refuseCallback,
    fail: refuseCallback,
    succeed: refuseCallback,
  };
}
