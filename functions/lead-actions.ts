import middy from '@middy/core';
import { loadConfig } from '#shared/config/load.ts';
import { publishMetrics } from '#shared/adapters/metrics.ts';
import { processingFromEnv } from './support/processing-dependencies.ts';
import { parseBody } from '#shared/adapters/http/body.ts';
import { header, html, httpErrorResponses, type HttpEvent } from '#shared/adapters/http/api-gateway.ts';
import { showActionLink, useActionLink } from '#shared/usecases/action-links.ts';
import { renderActionResultPage } from '#shared/domain/render/action-page.ts';
import type { HttpError } from '#shared/errors.ts';

const config = loadConfig();
const dependencies = processingFromEnv(config);

/** A rep who opened a link gets a page, also when the request fails before the lead is read. */
const failurePage = (error: HttpError) =>
  renderActionResultPage({ kind: 'failed', reason: error.message, retry: error.statusCode >= 500 }, config.organisation.name);

/** GET /actions/{token} shows a confirmation; POST /actions/{token} records the follow-up. */
export const handler = middy<HttpEvent>()
  .use(httpErrorResponses({ pageFor: failurePage }))
  .use(publishMetrics())
  .handler(async (event) => {
    const deps = await dependencies();
    const token = event.pathParameters?.token ?? '';
    // Links carry no secrets beyond themselves, but a page must not be cached or leak the link onwards.
    const headers = { 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' };
    if (event.requestContext.http.method !== 'POST') {
      const page = await showActionLink(token, deps);
      return html(page.statusCode, page.html, headers);
    }
    const body = event.body ? await parseBody(header(event, 'content-type'), event.body, event.isBase64Encoded, header(event, 'content-encoding')) : undefined;
    const note = body?.fields.find(([name]) => name === 'note')?.[1];
    const page = await useActionLink(token, note, deps);
    return html(page.statusCode, page.html, headers);
  });
