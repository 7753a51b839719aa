import { describe, expect, it } from 'vitest';
import { demoPages, localAddressMismatches } from '../../infra/local/demo-page.ts';
import { loadConfig } from '../../shared/config/load.ts';

const config = loadConfig('handoff.config.json');

describe('localAddressMismatches (what npm start warns about when PORT moves the API)', () => {
  it('finds nothing when the example config meets the default port', () => {
    expect(localAddressMismatches(config, 'http://localhost:3000')).toEqual([]);
  });

  it('names every setting that still points at the old local address, and what breaks', () => {
    const lines = localAddressMismatches(config, 'http://localhost:3310');
    expect(lines[0]).toBe('publicBaseUrl is http://localhost:3000, so the links in emails point there');
    for (const form of config.forms) {
      expect(lines).toContain(`form "${form.id}" accepts posts only from ${form.allowedOrigins.join(', ')}, so the demo page's posts to it are refused (403)`);
    }
    expect(lines.some((line) => line.includes('sends browsers on to http://localhost:3000/'))).toBe(true);
  });

  it('leaves addresses on real sites alone', () => {
    const deployed = {
      ...config,
      publicBaseUrl: 'https://leads.northwind.example',
      forms: config.forms.map((form) => ({ ...form, allowedOrigins: ['https://northwind.example'], redirectUrl: 'https://northwind.example/thanks' })),
    };
    expect(localAddressMismatches(deployed, 'http://localhost:3310')).toEqual([]);
  });
});

describe('the local demo page', () => {
  const emailInputs = (page: string, formId: string) => {
    const form = page.slice(page.indexOf(`<form id="${formId}"`), page.indexOf('</form>', page.indexOf(`<form id="${formId}"`)));
    return form.match(/<input name="email"[^>]*>/g) ?? [];
  };
  const page = () => Object.values(demoPages(config)).find((html) => html.includes('id="event-form"'))!;

  it('lets the booth tablet save a lead with a phone and no email, as the event form takes one', () => {
    expect(emailInputs(page(), 'event-form')).toEqual(['<input name="email" type="email" autocomplete="email">']);
  });

  it('requires the email on the booth tablet when the event form does', () => {
    const strict = { ...config, forms: config.forms.map((form) => (form.kind === 'event' ? { ...form, requiredContact: 'email' as const } : form)) };
    const html = Object.values(demoPages(strict)).find((candidate) => candidate.includes('id="event-form"'))!;
    expect(emailInputs(html, 'event-form')).toEqual(['<input name="email" type="email" required autocomplete="email">']);
  });
});
