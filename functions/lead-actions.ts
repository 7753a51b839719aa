import middy from '@middy/core';
import { loadConfig } from '#shared/config/load.ts';
import { publishMetrics } from '#shared/adapters/metrics.ts';
import { processingFromEnv } from './support/processing-dependencies.ts';
import { parseBody } from '#shared/adapters/http/body.ts';
import { header, html, httpErrorResponses, type HttpEvent } from '#shared/adapters/http/api-gateway.ts';
import { showActionLink, useActionLink } from '#shared/usecases/action-links.ts';

const dependencies = processingFromEnv(loadConfig());

/** GET /actions/{token} shows a confirmation; POST /actions/{token} records the follow-up. */
export const handler = middy<HttpEvent>()
  .use(httpErrorResponses())
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
    const body = event.body ? await parseBody(header(event, 'content-type'), event.body, event.isBase64Encoded) : undefined;
    const note = body?.fields.find(([name]) => name === 'note')?.[1];
    const page = await useActionLink(token, note, deps);
    return html(page.statusCode, page.html, headers);
  });
