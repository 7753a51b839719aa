import type { TestProject } from 'vitest/node';
import { DUMMY_CREDENTIALS, ensureJava, findFreePort, startDynamoDbLocal, startSesLocal } from '../../infra/local/services.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoDbEndpoint: string;
    sesEndpoint: string;
  }
}

/**
 * Starts one in-memory DynamoDB Local and one local SES on free ports for the whole run. The endpoints go
 * into the env the SDK reads (workers are forked after this and inherit it) and into `provide`, so a test
 * can assert that both agree.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  ensureJava();
  const [dynamoDb, ses] = await Promise.all([
    findFreePort().then((port) => startDynamoDbLocal({ port })),
    findFreePort().then((port) => startSesLocal({ port })),
  ]);
  Object.assign(process.env, {
    AWS_REGION: process.env.AWS_REGION ?? 'eu-central-1',
    AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: dynamoDb.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB_STREAMS: dynamoDb.endpoint,
    AWS_ENDPOINT_URL_SES: ses.endpoint,
  });
  delete process.env.AWS_SESSION_TOKEN;
  project.provide('dynamoDbEndpoint', dynamoDb.endpoint);
  project.provide('sesEndpoint', ses.endpoint);
  return async () => {
    await Promise.all([dynamoDb.stop(), ses.stop()]);
  };
}
