import type { HttpApiRequest } from '../../infra/local/gateway.ts';

const FIRST_NAMES = ['José', 'Ana', 'Priya', 'Tom', 'Zoë', 'Lukas', 'Mei', 'Omar', 'Sofia', 'Jonas'];
const COMPANIES = [
  { name: 'Müller GmbH', domain: 'muller-gmbh.de', country: 'DE', phone: '+49 30 1234567' },
  { name: 'Lakehouse Labs', domain: 'lakehouse-labs.example', country: 'US', phone: '+1 415 555 0100' },
  { name: 'Northwind Data Ltd', domain: 'northwind-data.example', country: 'GB', phone: '+44 20 7946 0958' },
  { name: 'Acme Corp', domain: 'acme-corp.com', country: 'FR', phone: '+33 1 23 45 67 89' },
];

/** A realistic website demo request, as the browser's fetch sends it: JSON, an allowed Origin, a real-looking UA. */
export function demoRequestBody(sequence: number, runId: string, { ownCompany = false } = {}): { body: string; email: string } {
  const firstName = FIRST_NAMES[sequence % FIRST_NAMES.length]!;
  const company = COMPANIES[sequence % COMPANIES.length]!;
  const domain = ownCompany ? `company-${runId}-${sequence}.example` : company.domain;
  const email = `${firstName.normalize('NFD').replace(/[^a-z]/gi, '').toLowerCase()}.${runId}.${sequence}@${domain}`;
  const body = JSON.stringify({
    email,
    firstName,
    lastName: 'Example',
    company: company.name,
    jobTitle: 'Head of Data',
    phone: company.phone,
    country: company.country,
    message: 'We are evaluating tools for routing inbound leads. Could you show us a demo next week?',
    team_size: '50-200',
    utm_source: 'google',
    utm_medium: 'cpc',
    utm_campaign: 'brand',
  });
  return { body, email };
}

export const DEMO_FORM_PATH = '/forms/demo-request';
export const ALLOWED_ORIGIN = 'http://localhost:3000';

export const browserHeaders = {
  'content-type': 'application/json',
  accept: 'application/json',
  origin: ALLOWED_ORIGIN,
  referer: `${ALLOWED_ORIGIN}/`,
  'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
} as const;

/** Each request from its own address, as website visitors are: no two share a rate-limit counter. */
export function demoRequest(sequence: number, runId: string, options: { ownCompany?: boolean } = {}): HttpApiRequest & { email: string } {
  const { body, email } = demoRequestBody(sequence, runId, options);
  const sourceIp = `10.${(sequence >> 16) & 255}.${(sequence >> 8) & 255}.${sequence & 255}`;
  return { method: 'POST', url: DEMO_FORM_PATH, headers: { ...browserHeaders }, body, sourceIp, email };
}
