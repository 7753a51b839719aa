import middy from '@middy/core';
import * as z from 'zod/mini';
import { loadConfig } from '#shared/config/load.ts';
import { publishMetrics } from '#shared/adapters/metrics.ts';
import { leadStoreFromEnv } from '#shared/adapters/lead-store/from-env.ts';
import { mailerFromEnv } from '#shared/adapters/mailer-from-env.ts';
import { loadSecret } from '#shared/adapters/secrets.ts';
import { parseBody } from '#shared/adapters/http/body.ts';
import { requireBearerToken } from '#shared/adapters/http/bearer.ts';
import { header, httpErrorResponses, json, type HttpEvent } from '#shared/adapters/http/api-gateway.ts';
import { invalidFields } from '#shared/errors.ts';
import { recordFollowUp } from '#shared/usecases/record-follow-up.ts';

const config = loadConfig();
const store = leadStoreFromEnv(config);
const mailer = mailerFromEnv(config);

const activitySchema = z
  .object({
    action: z.enum(['contacted', 'qualified', 'disqualified', 'note'], 'must be one of contacted, qualified, disqualified, note'),
    by: z.string('must be a string naming who did it').check(
      z.refine((value) => value.trim().length > 0, 'must name who did it'),
      z.maxLength(100, 'must be at most 100 characters'),
      z.regex(/^[^\r\n\0]*$/, 'must be a single line'),
    ),
    note: z.optional(z.string('must be a string').check(z.maxLength(2000, 'must be at most 2000 characters'))),
  })
  .check(z.refine((activity) => activity.action !== 'note' || Boolean(activity.note?.trim()), { message: 'is required for a note', path: ['note'] }));

/**
 * POST /leads/{leadId}/activities: CRM integrations record follow-ups (first contact, qualification) the same
 * way the one-click links and the CLI do. Authenticated with a bearer token kept in Secrets Manager.
 */
export const handler = middy<HttpEvent>()
  .use(httpErrorResponses())
  .use(publishMetrics())
  .handler(async (event) => {
    requireBearerToken(header(event, 'authorization'), await loadSecret('API_TOKEN_SECRET'));
    const body = await parseBody(header(event, 'content-type'), event.body, event.isBase64Encoded, header(event, 'content-encoding'));
    const input: unknown = body.json ?? Object.fromEntries(body.fields);
    const parsed = activitySchema.safeParse(input);
    if (!parsed.success) {
      const given = (field: string) => typeof input === 'object' && input !== null && (input as Record<string, unknown>)[field] !== undefined;
      throw invalidFields(Object.fromEntries(parsed.error.issues.map((issue) => {
        const field = String(issue.path[0] ?? 'body');
        // An absent field is an invalid type too; only a field that was sent has the wrong type.
        return [field, issue.code === 'invalid_type' && !given(field) ? 'is required' : issue.message];
      })));
    }
    const { lead } = await recordFollowUp(
      { leadId: event.pathParameters?.leadId ?? '', ...parsed.data, via: 'api' },
      { config, store, mailer, now: () => new Date() },
    );
    return json(201, { leadId: lead.leadId, status: lead.status, firstContactAt: lead.firstContactAt ?? null });
  });
