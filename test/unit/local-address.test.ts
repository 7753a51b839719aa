import { describe, expect, it } from 'vitest';
import { localAddressMismatches } from '../../infra/local/demo-page.ts';
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
