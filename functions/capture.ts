import middy from '@middy/core';
import { loadConfig } from '#shared/config/load.ts';
import { leadStoreFromEnv } from '#shared/adapters/lead-store/from-env.ts';
import { parseBody } from '#shared/adapters/http/body.ts';
import { corsHeaders, firstQueryValues, header, httpErrorResponses, isBrowserFormPost, json, preflight, redirect, signedRequestOf, type HttpEvent } from '#shared/adapters/http/api-gateway.ts';
import { webhookSecretsFromEnv } from '#shared/adapters/webhook-secrets.ts';
import { countLeadCaptured, publishMetrics } from '#shared/adapters/metrics.ts';
import { captureLead, findForm } from '#shared/usecases/capture-lead.ts';
import { SubmissionsSeenHere } from '#shared/domain/rate-limit.ts';
import { requireWebhookSignature } from '#shared/usecases/webhook-signature.ts';
import { HttpError, invalidFields } from '#shared/errors.ts';

const config = loadConfig();
const store = leadStoreFromEnv(config);
const webhookSecretFor = webhookSecretsFromEnv();
const seenHere = new SubmissionsSeenHere();

const corsFor = (event: HttpEvent) => corsHeaders(findForm(config, event.pathParameters?.formId ?? '').allowedOrigins, header(event, 'origin'));

/** POST /forms/{formId} (and its CORS preflight): website forms, fetch calls, form-tool webhooks and event tablets. */
export const handler = middy<HttpEvent>()
  .use(httpErrorResponses({ headersFor: corsFor, formPostPages: { organisation: config.organisation.name } }))
  .use(publishMetrics())
  .handler(async (event) => {
    const cors = corsFor(event);
    if (event.requestContext.http.method === 'OPTIONS') return preflight(cors);
    // Browsers always send Origin on cross-site posts; servers (webhooks, imports) send none and are not browsers.
    if (header(event, 'origin') && !cors) throw new HttpError(403, 'origin is not allowed to post to this form', { code: 'origin_not_allowed' });
    const formId = event.pathParameters?.formId ?? '';
    await requireWebhookSignature(formId, () => signedRequestOf(event), { config, secretFor: webhookSecretFor, now: () => new Date() });

    const body = await parseBody(header(event, 'content-type'), event.body, event.isBase64Encoded, header(event, 'content-encoding'));
    if (body.fieldProblems) throw invalidFields(body.fieldProblems);
    const result = await captureLead(
      {
        formId,
        fields: body.fields,
        json: body.json,
        sourceIp: event.requestContext.http.sourceIp,
        idempotencyKey: header(event, 'idempotency-key')?.slice(0, 200),
        raw: { contentType: header(event, 'content-type') ?? '', body: body.text },
        context: {
          query: firstQueryValues(event),
          referer: header(event, 'referer'),
          userAgent: header(event, 'user-agent'),
          viewerCountry: header(event, 'cloudfront-viewer-country'),
        },
      },
      { config, store, seenHere, now: () => new Date() },
    );
    countLeadCaptured(result.outcome);
    if (isBrowserFormPost(event)) return redirect(result.redirectTo, cors);
    return json(201, { leadId: result.leadId }, cors);
  });
