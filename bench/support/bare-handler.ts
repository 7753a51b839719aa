import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** The module-init baseline: a handler that only creates a DynamoDB client, bundled like every Handoff function. */
const client = new DynamoDBClient({});

export const handler = async (): Promise<string> => client.config.serviceId;
