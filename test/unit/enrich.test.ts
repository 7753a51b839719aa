import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config/load.ts';
import { caseName, companyNameFromDomain, countryCodeFrom, enrichSubmission } from '../../shared/domain/enrich.ts';
import { dialableNumber } from '../../shared/domain/phone-digits.ts';
import type { Contact, Submission } from '../../shared/domain/lead.ts';

const config = loadConfig(new URL('../../handoff.config.json', import.meta.url).pathname);
const demoForm = config.forms.find((form) => form.id === 'demo-request')!;
const boothForm = config.forms.find((form) => form.id === 'data-summit-booth')!;

function submission(contact: Partial<Contact> & { email: string }, tracking: Partial<Submission['tracking']> = {}): Submission {
  return {
    formId: 'demo-request',
    receivedAt: '2026-11-26T10:00:00.000Z',
    contact: { emailDisplay: contact.email, ...contact },
    answers: {},
    tracking: { utm: {}, ...tracking },
  };
}

describe('caseName', () => {
  it.each([
    ['JOSÉ MÜLLER', 'José Müller'],
    ['josé müller', 'José Müller'],
    ['  jane   doe ', 'Jane Doe'],
    ['ronald mcdonald', 'Ronald McDonald'],
    ['McDonald', 'McDonald'],
    ['JAN VAN DER BERG', 'Jan van der Berg'],
    ['Jan van der Berg', 'Jan van der Berg'],
    ['VAN DER BERG', 'Van der Berg'],
    ['anne-marie o’neil', 'Anne-Marie O’Neil'],
    ["SEAN O'BRIEN", "Sean O'Brien"],
    ['DeShawn Jones', 'DeShawn Jones'],
    ['李小龙', '李小龙'],
    ['محمد علي', 'محمد علي'],
    ['ÅSA ÖBERG', 'Åsa Öberg'],
  ])('%s → %s', (typed, expected) => {
    expect(caseName(typed)).toBe(expected);
  });
});

describe('companyNameFromDomain', () => {
  it.each([
    ['acme.com', 'Acme'],
    ['acme-corp.co.uk', 'Acme Corp'],
    ['sales.acme-corp.co.uk', 'Acme Corp'],
    ['empresa.com.br', 'Empresa'],
    ['mail.widgets.com.au', 'Widgets'],
    ['northwind.de', 'Northwind'],
    ['ibm.com', 'IBM'],
    ['acme-gmbh.de', 'Acme GmbH'],
    ['nordlicht-analytics-ag.de', 'Nordlicht Analytics AG'],
    ['widgets-llc.com', 'Widgets LLC'],
    ['xn--mller-kva.de', 'Müller'],
    ['localhost', undefined],
  ])('%s → %s', (domain, expected) => {
    expect(companyNameFromDomain(domain)).toBe(expected);
  });
});

describe('countryCodeFrom', () => {
  it.each([
    ['DE', 'DE'],
    ['de', 'DE'],
    [' Germany ', 'DE'],
    ['Deutschland', 'DE'],
    ['Österreich', 'AT'],
    ['osterreich', 'AT'],
    ['United States', 'US'],
    ['USA', 'US'],
    ['UK', 'GB'],
    ['United Kingdom', 'GB'],
    ['España', 'ES'],
    ['Brasil', 'BR'],
    ['Narnia', undefined],
    ['EU', undefined],
    ['XX', undefined],
    ['', undefined],
  ])('%j → %s', (typed, expected) => {
    expect(countryCodeFrom(typed)).toBe(expected);
  });
});

describe('enrichSubmission', () => {
  it('builds the display name from first and last name, cased', () => {
    const result = enrichSubmission(submission({ email: 'jose@acme.com', firstName: ' JOSÉ ', lastName: 'MÜLLER' }), demoForm);
    expect(result.displayName).toBe('José Müller');
  });

  it('falls back to a single name field, then to the email local part', () => {
    expect(enrichSubmission(submission({ email: 'x@acme.com', name: 'jane  doe' }), demoForm).displayName).toBe('Jane Doe');
    expect(enrichSubmission(submission({ email: 'jane.doe+forms@acme.com' }), demoForm).displayName).toBe('Jane Doe');
    expect(enrichSubmission(submission({ email: 'mary_van_der_berg42@acme.com' }), demoForm).displayName).toBe('Mary van der Berg');
    expect(enrichSubmission(submission({ email: '1234@acme.com' }), demoForm).displayName).toBe('1234@acme.com');
    // Initials or a mailbox that names a role are no name: "Jd" or "Info" would read as one.
    for (const email of ['jd@acme.com', 'info@acme.com', 'sales.team@acme.com', 'noname@gmail.com']) expect(enrichSubmission(submission({ email }), demoForm).displayName).toBe(email);
    expect(enrichSubmission(submission({ email: 'j.doe@acme.com' }), demoForm).displayName).toBe('J Doe');
  });

  it('classifies a business domain and guesses the company from it', () => {
    const result = enrichSubmission(submission({ email: 'jane@acme-corp.co.uk' }), demoForm);
    expect(result).toMatchObject({ emailDomain: 'acme-corp.co.uk', isFreeMail: false, isDisposable: false, companyName: 'Acme Corp', companySource: 'domain' });
  });

  it('prefers the company the form gave, with spaces tidied', () => {
    const result = enrichSubmission(submission({ email: 'jane@acme.com', company: '  ACME   Corporation ' }), demoForm);
    expect(result).toMatchObject({ companyName: 'ACME Corporation', companySource: 'form' });
  });

  it.each(['gmail.com', 'yahoo.co.uk', 'gmx.de', 'outlook.com'])('treats %s as free-mail and guesses no company', (domain) => {
    const result = enrichSubmission(submission({ email: `someone@${domain}` }), demoForm);
    expect(result.isFreeMail).toBe(true);
    expect(result.isDisposable).toBe(false);
    expect(result.companyName).toBeUndefined();
  });

  it.each(['mailinator.com', 'eu.mailinator.com', 'guerrillamail.com'])('flags %s as disposable, parent domains included', (domain) => {
    const result = enrichSubmission(submission({ email: `someone@${domain}` }), demoForm);
    expect(result.isDisposable).toBe(true);
    expect(result.isFreeMail).toBe(false);
    expect(result.companyName).toBeUndefined();
  });

  it.each([
    ['a bare international number', { phone: '15550000000' }, undefined, '+15550000000'],
    ['a US national number with the viewer country', { phone: '(415) 555-2671' }, 'US', '+14155552671'],
    ['an international number with spaces', { phone: '+49 30 1234567' }, undefined, '+49301234567'],
    ['a 00-prefixed number', { phone: '0049 30 1234567' }, undefined, '+49301234567'],
    ['a German national number with the form country', { phone: '030 1234567', country: 'DE' }, 'US', '+49301234567'],
    ['a German national number with the form country as a name', { phone: '030 1234567', country: 'Germany' }, undefined, '+49301234567'],
    ['a national number with no country to infer from', { phone: '030 1234567' }, undefined, undefined],
    ['text that is no phone number', { phone: 'call me maybe' }, 'DE', undefined],
  ])('normalises %s to E.164', (_, contact, viewerCountry, expected) => {
    const tracking = viewerCountry ? { viewerCountry } : {};
    expect(enrichSubmission(submission({ email: 'a@acme.com', ...contact }, tracking), demoForm).phoneE164).toBe(expected);
  });

  it.each([
    ['a German mobile with a .de address', 'jan@firma.de', '0171/1234567', '+491711234567'],
    ['an Irish number with an .ie address', 'aoife@eire-tech.ie', '087 123 4567', '+353871234567'],
    ['a UK number with a .co.uk address', 'sam@shop.co.uk', '020 7946 0958', '+442079460958'],
    ['a number with an address at a ccTLD sold for its letters (.io)', 'dev@startup.io', '030 1234567', undefined],
  ])('reads a national number by the address domain’s country when nothing else says where: %s', (_, email, phone, expected) => {
    expect(enrichSubmission(submission({ email, phone }), demoForm).phoneE164).toBe(expected);
  });

  describe('a national number typed at an event', () => {
    const berlinBooth = { ...boothForm, event: { ...boothForm.event!, country: 'DE' } };
    const boothLead = (contact: Partial<Contact>, tracking: Partial<Submission['tracking']> = {}): Submission => ({
      formId: berlinBooth.id,
      receivedAt: '2026-11-25T10:00:00.000Z',
      contact,
      answers: {},
      tracking: { utm: {}, ...tracking },
    });

    it('is read as a number of the event’s country when nothing else places it', () => {
      const result = enrichSubmission(boothLead({ phone: '0171 1234567' }), berlinBooth);
      expect(result).toMatchObject({ phoneE164: '+491711234567', country: 'DE', countrySource: 'phone' });
    });

    it('gives way to the country the visitor typed', () => {
      expect(enrichSubmission(boothLead({ phone: '020 7946 0958', country: 'UK' }), berlinBooth).phoneE164).toBe('+442079460958');
    });

    it('gives way to the country of the visitor’s company address', () => {
      expect(enrichSubmission(boothLead({ email: 'sam@shop.co.uk', phone: '020 7946 0958' }), berlinBooth).phoneE164).toBe('+442079460958');
    });

    it('stays as typed at an event with no country', () => {
      const { country: _, ...eventWithoutCountry } = berlinBooth.event;
      expect(enrichSubmission(boothLead({ phone: '0171 1234567' }), { ...berlinBooth, event: eventWithoutCountry }).phoneE164).toBeUndefined();
    });
  });

  it.each([
    ['E.164 when the country was known', '030 1234567', '+49301234567', '+49301234567'],
    ['the digits as typed without a country', '030 / 123-4567', undefined, '0301234567'],
    ['without its extension', '030 1234567 ext. 12', undefined, '0301234567'],
    ['nothing for too few digits', '12 34', undefined, undefined],
    ['nothing for no phone', undefined, undefined, undefined],
  ])('dialableNumber gives %s', (_, phone, phoneE164, expected) => {
    expect(dialableNumber(phone, phoneE164)).toBe(expected);
  });

  it.each([
    ['the form field', { country: 'Deutschland', phone: '+1 415 555 2671' }, 'FR', 'DE', 'form'],
    ['the phone number', { phone: '+44 20 7946 0958' }, 'FR', 'GB', 'phone'],
    ['the viewer country', {}, 'fr', 'FR', 'viewer'],
    ['nowhere', { country: 'Atlantis' }, undefined, undefined, undefined],
  ])('takes the country from %s', (_, contact, viewerCountry, country, countrySource) => {
    const tracking = viewerCountry ? { viewerCountry } : {};
    const result = enrichSubmission(submission({ email: 'a@acme.com', ...contact }, tracking), demoForm);
    expect(result.country).toBe(country);
    expect(result.countrySource).toBe(countrySource);
  });

  it('reads the viewer country from the tracking data when the caller passes none', () => {
    const result = enrichSubmission(submission({ email: 'a@acme.com' }, { viewerCountry: 'BR' }), demoForm);
    expect(result).toMatchObject({ country: 'BR', countrySource: 'viewer' });
  });

  it('attributes a website lead to its form, campaign, UTM and referrer', () => {
    const result = enrichSubmission(
      submission({ email: 'a@acme.com' }, { utm: { source: 'google', medium: 'cpc', campaign: 'Q4 data teams' }, referrer: 'https://www.google.com/search?q=x' }),
      demoForm,
    );
    expect(result.source).toEqual({
      formId: 'demo-request',
      formName: 'Website demo request',
      formKind: 'website',
      campaign: 'Always-on demo request',
      utmSource: 'google',
      utmMedium: 'cpc',
      utmCampaign: 'Q4 data teams',
      referrerHost: 'google.com',
      channel: 'google / cpc',
      label: 'Website demo request · google / cpc · Q4 data teams',
    });
  });

  it('labels a lead by an outside referrer, but not by the form’s own site', () => {
    const outside = enrichSubmission(submission({ email: 'a@acme.com' }, { referrer: 'https://news.ycombinator.com/item?id=1' }), demoForm);
    expect(outside.source).toMatchObject({ referrerHost: 'news.ycombinator.com', channel: 'via news.ycombinator.com', label: 'Website demo request · via news.ycombinator.com · Always-on demo request' });
    const ownSite = enrichSubmission(submission({ email: 'a@acme.com' }, { referrer: 'https://www.northwind.example/pricing' }), demoForm);
    expect(ownSite.source).toMatchObject({ channel: '(direct)', label: 'Website demo request · Always-on demo request' });
    expect(ownSite.source).not.toHaveProperty('referrerHost');
  });

  it('names the event for an event form, without repeating the campaign', () => {
    const result = enrichSubmission({ ...submission({ email: 'a@acme.com' }), formId: 'data-summit-booth' }, boothForm);
    expect(result.source).toMatchObject({ formKind: 'event', event: 'Data Summit 2026', label: 'Data Summit 2026 booth tablet · Data Summit 2026' });
  });

  it('gives an event form’s lead without UTMs the event as its channel, not (direct), and keeps it off the label', () => {
    const scanned = enrichSubmission({ ...submission({ email: 'a@acme.com' }), formId: 'data-summit-booth' }, boothForm);
    expect(scanned.source).toMatchObject({ channel: 'event: Data Summit 2026', label: 'Data Summit 2026 booth tablet · Data Summit 2026' });
    // UTMs say where the person came from, even on an event's form (a QR code on the stand with its own UTMs).
    const tagged = enrichSubmission({ ...submission({ email: 'a@acme.com' }, { utm: { source: 'qr', medium: 'booth' } }), formId: 'data-summit-booth' }, boothForm);
    expect(tagged.source).toMatchObject({ channel: 'qr / booth' });
  });

  it('counts an auto-tagged ad click (a gclid, no UTM) as its network’s paid channel, not as the referrer', () => {
    const clicked = enrichSubmission(submission({ email: 'a@acme.com' }, { referrer: 'https://www.google.com/', adClick: { parameter: 'gclid', id: 'EAIaIQobChMI' } }), demoForm);
    expect(clicked.source).toMatchObject({ channel: 'google / cpc', referrerHost: 'google.com', label: 'Website demo request · google / cpc · Always-on demo request' });
    const bing = enrichSubmission(submission({ email: 'a@acme.com' }, { adClick: { parameter: 'msclkid', id: 'abc' } }), demoForm);
    expect(bing.source.channel).toBe('bing / cpc');
    // UTMs the advertiser set by hand say more than the click id.
    const tagged = enrichSubmission(submission({ email: 'a@acme.com' }, { utm: { source: 'google', medium: 'display' }, adClick: { parameter: 'gclid', id: 'x' } }), demoForm);
    expect(tagged.source.channel).toBe('google / display');
  });

  it('uses a Salesforce lead source as the channel when there is no UTM', () => {
    const result = enrichSubmission(submission({ email: 'a@acme.com' }, { leadSource: 'Partner referral' }), demoForm);
    expect(result.source).toMatchObject({ channel: 'Partner referral', label: 'Website demo request · Partner referral · Always-on demo request' });
  });
});

describe('a lead that gave only a phone', () => {
  const phoneOnly: Submission = {
    formId: 'data-summit-booth', receivedAt: '2026-11-26T10:00:00.000Z', answers: {}, tracking: { utm: {} },
    contact: { phone: '+49 171 1234567', company: 'Müller GmbH' },
  };

  it('has no domain, so no free-mail, disposable or guessed-company verdict, and is named by its phone', () => {
    expect(enrichSubmission(phoneOnly, boothForm)).toMatchObject({
      displayName: '+49 171 1234567', emailDomain: '', isFreeMail: false, isDisposable: false, companyName: 'Müller GmbH', companySource: 'form', phoneE164: '+491711234567',
    });
  });

  it('keeps a typed name', () => {
    expect(enrichSubmission({ ...phoneOnly, contact: { ...phoneOnly.contact, firstName: 'JONAS', lastName: 'weber' } }, boothForm).displayName).toBe('Jonas Weber');
  });
});
