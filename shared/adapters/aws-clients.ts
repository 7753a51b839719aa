import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESClient } from '@aws-sdk/client-ses';

/**
 * One client per service per process, created on first use. Endpoints come from the SDK's own
 * AWS_ENDPOINT_URL_<SERVICE> variables, which is how the local stack points them at local services.
 * Short timeouts so that an unreachable table turns into a fast 503, well inside the Lambda timeout: a table
 * that accepts connections but never answers costs at most 3 attempts × 2 s plus backoff, about 7 s against
 * capture's 10 s. Without `throwOnRequestTimeout` the SDK only logs a late answer and keeps waiting.
 */
let dynamo: DynamoDBClient | undefined;
let ses: SESClient | undefined;

export function dynamoClient(): DynamoDBClient {
  dynamo ??= new DynamoDBClient({ maxAttempts: 3, requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000, throwOnRequestTimeout: true } });
  return dynamo;
}

export function sesClient(): SESClient {
  ses ??= new SESClient({ maxAttempts: 2, requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000, throwOnRequestTimeout: true } });
  return ses;
}
