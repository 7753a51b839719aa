import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config/load.ts';
import type { Enrichment, Submission } from '../../shared/domain/lead.ts';
import { scoreLead } from '../../shared/domain/score.ts';

const config = loadConfig(new URL('../../handoff.config.json', import.meta.url).pathname);
const scoring = config.scoring;
const demoForm = config.forms.find((form) => form.id === 'demo-request')!;
const boothForm = config.forms.find((form) => form.id === 'data-summit-booth')!;

const baseSubmission: Submission = {
  formId: 'demo-request',
  receivedAt: '2026-11-26T10:00:00.000Z',
  contact: { email: 'jane@gmail.com', emailDisplay: 'jane@gmail.com' },
  answers: {},
  tracking: { utm: {} },
};

const baseEnrichment: Enrichment = {
  displayName: 'Jane Doe',
  emailDomain: 'gmail.com',
  isFreeMail: true,
  isDisposable: false,
  source: { formId: 'demo-request', formName: 'Website demo request', formKind: 'website', campaign: 'Always-on demo request', label: 'Website demo request' },
};

const businessEmail: Partial<Enrichment> = { emailDomain: 'acme.com', isFreeMail: false };

interface Case {
  name: string;
  contact?: Partial<Submission['contact']>;
  enrichment?: Partial<Enrichment>;
  receivedAt?: string;
  event?: boolean;
  priorSubmissions?: number;
  score: number;
  reasons: string[];
}

const cases: Case[] = [
  { name: 'a bare free-mail website lead', score: 15, reasons: ['+15 website form (Website demo request)'] },
  {
    name: 'a business email',
    enrichment: businessEmail,
    score: 35,
    reasons: ['+20 business email (acme.com)', '+15 website form (Website demo request)'],
  },
  {
    name: 'a senior title, matched as a whole word',
    contact: { jobTitle: 'VP Sales' },
    score: 35,
    reasons: ['+20 senior title (VP Sales)', '+15 website form (Website demo request)'],
  },
  { name: 'a title that only contains a senior word inside another word', contact: { jobTitle: 'Sales Directorate Assistant' }, score: 15, reasons: ['+15 website form (Website demo request)'] },
  { name: 'a hyphenated co-founder', contact: { jobTitle: 'Co-Founder & CTO' }, score: 35, reasons: ['+20 senior title (Co-Founder & CTO)', '+15 website form (Website demo request)'] },
  { name: 'a multi-word senior phrase', contact: { jobTitle: 'Vice President, Data' }, score: 35, reasons: ['+20 senior title (Vice President, Data)', '+15 website form (Website demo request)'] },
  { name: 'a German senior title', contact: { jobTitle: 'Geschäftsführer' }, score: 35, reasons: ['+20 senior title (Geschäftsführer)', '+15 website form (Website demo request)'] },
  {
    name: 'a company given on the form',
    enrichment: { companyName: 'Acme Corp', companySource: 'form' },
    score: 25,
    reasons: ['+10 company given (Acme Corp)', '+15 website form (Website demo request)'],
  },
  { name: 'a company only guessed from the domain', enrichment: { ...businessEmail, companyName: 'Acme', companySource: 'domain' }, score: 35, reasons: ['+20 business email (acme.com)', '+15 website form (Website demo request)'] },
  { name: 'a usable phone number', enrichment: { phoneE164: '+49301234567' }, score: 25, reasons: ['+10 phone given', '+15 website form (Website demo request)'] },
  {
    name: 'a phone and no email: no domain, so no business-email points',
    contact: { email: undefined, emailDisplay: undefined, phone: '+49 30 1234567' }, enrichment: { emailDomain: '', isFreeMail: false, phoneE164: '+49301234567' },
    score: 25, reasons: ['+10 phone given', '+15 website form (Website demo request)'],
  },
  { name: 'a national number with no country to place it', contact: { phone: '030 1234567' }, score: 25, reasons: ['+10 phone given', '+15 website form (Website demo request)'] },
  { name: 'too few digits to be a phone number', contact: { phone: '12 34' }, score: 15, reasons: ['+15 website form (Website demo request)'] },
  { name: 'a message', contact: { message: 'We need a demo for 40 analysts.' }, score: 20, reasons: ['+15 website form (Website demo request)', '+5 message given'] },
  { name: 'a blank message', contact: { message: '   ' }, score: 15, reasons: ['+15 website form (Website demo request)'] },
  { name: 'one earlier submission', priorSubmissions: 1, score: 25, reasons: ['+15 website form (Website demo request)', '+10 repeat visit (1 earlier submission)'] },
  { name: 'three earlier submissions', priorSubmissions: 3, score: 25, reasons: ['+15 website form (Website demo request)', '+10 repeat visit (3 earlier submissions)'] },
  {
    name: 'a booth lead during the event',
    event: true,
    receivedAt: '2026-11-25T14:00:00.000Z',
    score: 20,
    reasons: ['+10 event form (Data Summit 2026 booth tablet)', '+10 met at Data Summit 2026'],
  },
  { name: 'a booth tablet lead typed in the morning after', event: true, receivedAt: '2026-11-27T08:00:00.000Z', score: 20, reasons: ['+10 event form (Data Summit 2026 booth tablet)', '+10 met at Data Summit 2026'] },
  { name: 'an event form filled a month later', event: true, receivedAt: '2026-12-28T08:00:00.000Z', score: 10, reasons: ['+10 event form (Data Summit 2026 booth tablet)'] },
  {
    name: 'a disposable address, floored at 0',
    enrichment: { emailDomain: 'mailinator.com', isFreeMail: false, isDisposable: true },
    score: 0,
    reasons: ['+15 website form (Website demo request)', '-40 disposable email (mailinator.com)', 'raised to 0'],
  },
  {
    name: 'everything an event lead can show',
    contact: { jobTitle: 'CEO', message: 'Call me' },
    enrichment: { ...businessEmail, companyName: 'Acme', companySource: 'form', phoneE164: '+14155552671' },
    event: true,
    receivedAt: '2026-11-25T14:00:00.000Z',
    priorSubmissions: 2,
    score: 95,
    reasons: [
      '+20 business email (acme.com)',
      '+20 senior title (CEO)',
      '+10 company given (Acme)',
      '+10 phone given',
      '+10 event form (Data Summit 2026 booth tablet)',
      '+5 message given',
      '+10 repeat visit (2 earlier submissions)',
      '+10 met at Data Summit 2026',
    ],
  },
];

describe('scoreLead', () => {
  it.each(cases)('scores $name', (testCase) => {
    const result = scoreLead({
      submission: { ...baseSubmission, receivedAt: testCase.receivedAt ?? baseSubmission.receivedAt, contact: { ...baseSubmission.contact, ...testCase.contact } },
      enrichment: { ...baseEnrichment, ...testCase.enrichment },
      form: testCase.event ? boothForm : demoForm,
      priorSubmissions: testCase.priorSubmissions ?? 0,
      scoring,
    });
    expect(result).toEqual({ score: testCase.score, reasons: testCase.reasons });
  });

  it('follows the weights and title words in config, and leaves out contributions weighted 0', () => {
    const result = scoreLead({
      submission: { ...baseSubmission, contact: { ...baseSubmission.contact, jobTitle: 'Team Lead' } },
      enrichment: { ...baseEnrichment, ...businessEmail },
      form: demoForm,
      priorSubmissions: 0,
      scoring: { ...scoring, businessEmail: 35, websiteForm: 0, seniorTitleWords: ['team lead'] },
    });
    expect(result).toEqual({ score: 55, reasons: ['+35 business email (acme.com)', '+20 senior title (Team Lead)'] });
  });

  it('caps the score at 100 and says so', () => {
    const result = scoreLead({
      submission: baseSubmission,
      enrichment: { ...baseEnrichment, ...businessEmail },
      form: demoForm,
      priorSubmissions: 0,
      scoring: { ...scoring, businessEmail: 90 },
    });
    expect(result).toEqual({ score: 100, reasons: ['+90 business email (acme.com)', '+15 website form (Website demo request)', 'capped at 100'] });
  });
});
