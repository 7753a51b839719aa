import * as z from 'zod/mini';

/**
 * Reads and validates environment variables once; call it at module load so a missing variable
 * fails the cold start loudly instead of a request deep inside the code.
 */
export function readEnv<Shape extends z.core.$ZodLooseShape>(shape: Shape, env: NodeJS.ProcessEnv = process.env): z.infer<z.ZodMiniObject<Shape>> {
  const result = z.object(shape).safeParse(env);
  if (result.success) return result.data;
  const names = [...new Set(result.error.issues.map((issue) => String(issue.path[0])))];
  throw new Error(`missing or invalid environment variable(s): ${names.join(', ')}`);
}

export const nonEmpty = z.string().check(z.minLength(1));
