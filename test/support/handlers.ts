import type { LambdaHandler } from '../../infra/local/lambda-runtime.ts';

/** Middy's handler type adds an optional third argument; Lambda, and the local runtime, call it with (event, context). */
export const asLambda = (handler: unknown): LambdaHandler => handler as LambdaHandler;
