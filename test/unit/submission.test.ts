import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readJsonFields, readSubmission, type RequestContext } from '../../shared/domain/submission.ts';
import { fieldsFromVendorPayload } from '../../shared/domain/vendor-payloads.ts';

const context: RequestContext = { formId: 'demo-request', receivedAt: new Date('2026-11-26T10:00:00Z'), query: {} };
const vendorFixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/vendors/${name}`, import.meta.url), 'utf8'));

function read(fields: Record<string, string> | Array<[string, string]>, extra: Partial<RequestContext> = {}) {
  return readSubmission(Array.isArray(fields) ? fields : Object.entries(fields), { ...context, ...extra });
}

describe('readSubmission', () => {
  it('maps canonical fields and keeps the email as typed for display', () => {
    const result = read({ email: 'Jane.Doe@Acme.COM', firstName: 'Jane', lastName: 'Doe', company: 'Acme', message: 'Line one\nline two' });
    expect(result.ok && result.submission.contact).toEqual({
      email: 'jane.doe@acme.com', emailDisplay: 'Jane.Doe@Acme.COM', firstName: 'Jane', lastName: 'Doe', company: 'Acme', message: 'Line one\nline two',
    });
  });

  it('maps Salesforce Web-to-Lead names, keeps unknown fields as answers and reads retURL', () => {
    const result = read([
      ['oid', '00D5j000001uVaT'], ['retURL', 'https://www.example.com/thanks'], ['Campaign_ID', '7019E000000IW77QAG'],
      ['lead_source', 'Aspire Website'], ['first_name', 'Ana'], ['last_name', 'Ng'], ['email', 'ana@ng.io'], ['title', 'VP Sales'], ['submit', 'Submit'],
    ]);
    if (!result.ok) throw new Error(JSON.stringify(result.fields));
    expect(result.submission.contact).toMatchObject({ firstName: 'Ana', lastName: 'Ng', jobTitle: 'VP Sales' });
    expect(result.submission.answers).toEqual({ oid: '00D5j000001uVaT', Campaign_ID: '7019E000000IW77QAG' });
    expect(result.submission.tracking.leadSource).toBe('Aspire Website');
    expect(result.controls.requestedRedirect).toBe('https://www.example.com/thanks');
  });

  it('maps the column names of a German Excel or Outlook export', () => {
    const result = read({ Vorname: 'Jörg', Nachname: 'Schäfer', 'E-Mail-Adresse': 'j.schaefer@example.de', Unternehmen: 'Beispiel AG', Telefon: '030 1234567', Land: 'DE', Notizen: 'Messe-Kontakt' });
    if (!result.ok) throw new Error(JSON.stringify(result.fields));
    expect(result.submission.contact).toMatchObject({ firstName: 'Jörg', lastName: 'Schäfer', email: 'j.schaefer@example.de', company: 'Beispiel AG', phone: '030 1234567', country: 'DE', message: 'Messe-Kontakt' });
    expect(result.submission.answers).toEqual({});
  });

  it('reads Formspree-style _replyto, _next and _gotcha', () => {
    const result = read({ _replyto: 'x@y.de', _next: 'https://a.b/c', _gotcha: 'i am a bot' });
    expect(result.ok && result.submission.contact.email).toBe('x@y.de');
    expect(result.ok && result.controls).toMatchObject({ honeypotFilled: true, requestedRedirect: 'https://a.b/c' });
  });

  it('takes the UTM parameters as one set from the body, else the query string, else the page URL, and keeps the referrer header', () => {
    const pageUrl = 'https://www.northwind.example/pricing?utm_medium=cpc&utm_campaign=brand';
    const fromBody = read({ email: 'a@b.co', utm_source: 'google', pageUrl }, { query: { utm_term: 'lead tool' }, referer: 'https://www.google.com/' });
    expect(fromBody.ok && fromBody.submission.tracking).toEqual({ utm: { source: 'google' }, pageUrl, referrer: 'https://www.google.com/' });
    const fromQuery = read({ email: 'a@b.co', pageUrl }, { query: { utm_campaign: 'spring', utm_term: 'lead tool' } });
    expect(fromQuery.ok && fromQuery.submission.tracking.utm).toEqual({ campaign: 'spring', term: 'lead tool' });
    const fromPage = read({ email: 'a@b.co', pageUrl }, { query: { utm_term: '  ' } });
    expect(fromPage.ok && fromPage.submission.tracking.utm).toEqual({ medium: 'cpc', campaign: 'brand' });
  });

  it('does not let a stray utm_term or utm_content hide a set that names a source, medium or campaign further on', () => {
    const pageUrl = 'https://x.example/?utm_source=fb&utm_medium=social';
    const stray = read({ email: 'a@b.co', pageUrl, utm_content: 'hero-button' }, { query: { utm_term: 'x' } });
    expect(stray.ok && stray.submission.tracking.utm).toEqual({ source: 'fb', medium: 'social' });
  });

  it('keeps an ad click id from a hidden field, else the action URL, else the page URL', () => {
    const fromPage = read({ email: 'a@b.co', pageUrl: 'https://www.northwind.example/demo?gclid=EAIaIQobChMI&msclkid=ms1' }, { query: {} });
    expect(fromPage.ok && fromPage.submission.tracking.adClick).toEqual({ parameter: 'gclid', id: 'EAIaIQobChMI' });
    const fromQuery = read({ email: 'a@b.co', pageUrl: 'https://www.northwind.example/demo?gclid=page' }, { query: { msclkid: 'query' } });
    expect(fromQuery.ok && fromQuery.submission.tracking.adClick).toEqual({ parameter: 'msclkid', id: 'query' });
    const fromField = read({ email: 'a@b.co', fbclid: 'IwAR0', pageUrl: 'https://www.northwind.example/demo?gclid=page' }, { query: {} });
    expect(fromField.ok && fromField.submission).toMatchObject({ tracking: { adClick: { parameter: 'fbclid', id: 'IwAR0' } }, answers: {} });
    const none = read({ email: 'a@b.co', pageUrl: 'https://www.northwind.example/demo?gclid=' }, { query: {} });
    expect(none.ok && none.submission.tracking).not.toHaveProperty('adClick');
  });

  it('reads a lead-retrieval app’s booth notes column as the message', () => {
    for (const column of ['Booth Staff Notes', 'Lead Notes', 'Bemerkungen']) {
      const result = read({ email: 'a@b.co', [column]: 'met at the coffee bar, wants SSO' }, { query: {} });
      expect(result.ok && result.submission).toMatchObject({ contact: { message: 'met at the coffee bar, wants SSO' }, answers: {} });
    }
  });

  it('reads a registration export’s "Country/Region" column as the country', () => {
    for (const column of ['Country/Region', 'Country or region']) {
      const result = read({ email: 'a@b.co', [column]: 'France' }, { query: {} });
      expect(result.ok && result.submission).toMatchObject({ contact: { country: 'France' }, answers: {} });
    }
  });

  it('keeps only a whole, well-formed ad click id: one with controls or spaces, or too long to be whole, counts as none', () => {
    const withControl = read({ email: 'a@b.co', gclid: 'EAIa\u0007IQob' }, { query: { msclkid: 'ms1' } });
    expect(withControl.ok && withControl.submission.tracking.adClick).toEqual({ parameter: 'msclkid', id: 'ms1' });
    const withSpace = read({ email: 'a@b.co', fbclid: 'IwAR0 <b>x</b>' }, { query: {} });
    expect(withSpace.ok && withSpace.submission.tracking).not.toHaveProperty('adClick');
    const longest = 'A'.repeat(500);
    const whole = read({ email: 'a@b.co', gclid: longest }, { query: {} });
    expect(whole.ok && whole.submission.tracking.adClick).toEqual({ parameter: 'gclid', id: longest });
    const tooLong = read({ email: 'a@b.co', gclid: `${longest}B` }, { query: {} });
    expect(tooLong.ok && tooLong.submission).toMatchObject({ answers: {} });
    expect(tooLong.ok && tooLong.submission.tracking).not.toHaveProperty('adClick');
  });

  it('reads the UTM of a plain HTML form post from its Referer, the only place that names the landing page', () => {
    const result = read({ email: 'a@b.co' }, { query: {}, referer: 'https://www.northwind.example/?utm_source=google&utm_medium=cpc&utm_campaign=pricing' });
    expect(result.ok && result.submission.tracking).toMatchObject({
      utm: { source: 'google', medium: 'cpc', campaign: 'pricing' },
      pageUrl: 'https://www.northwind.example/?utm_source=google&utm_medium=cpc&utm_campaign=pricing',
    });
  });

  describe('a form that takes an email or a phone (an event form by default)', () => {
    const eitherContact = { requiredContact: 'email-or-phone' } as const;

    it('keeps a lead with a dialable phone and no email, with no address at all', () => {
      const result = read({ firstName: 'Jonas', phone: '+49 171 1234567', message: 'No email, call him Monday' }, eitherContact);
      expect(result.ok && result.submission.contact).toEqual({ firstName: 'Jonas', phone: '+49 171 1234567', message: 'No email, call him Monday' });
    });

    it.each([
      [{ firstName: 'Jonas' }, 'email', 'is required, or a phone number'],
      [{ firstName: 'Jonas', phone: '12 34' }, 'phone', 'must have at least 7 digits when there is no email'],
      [{ firstName: 'Jonas', phone: '123456 ext 78' }, 'phone', 'must have at least 7 digits when there is no email'],
      [{ firstName: 'Jonas', phone: 'ask at booth' }, 'phone', 'must contain only digits, spaces and + ( ) . - /, and an extension like "ext 12"'],
    ])('refuses %j naming the field', (fields, field, problem) => {
      const result = read(fields, eitherContact);
      expect(!result.ok && result.fields).toEqual({ [field]: problem });
    });

    it('still takes a short phone beside an email, as any form does', () => {
      expect(read({ email: 'jonas@example.de', phone: '12 34' }, eitherContact).ok).toBe(true);
    });

    it('is not what a form that requires an email does: a phone alone is refused there', () => {
      const result = read({ firstName: 'Jonas', phone: '+49 171 1234567' }, { requiredContact: 'email' });
      expect(!result.ok && result.fields).toEqual({ email: 'is required' });
    });
  });

  it('keeps unicode names exactly', () => {
    const result = read({ email: 'li@example.cn', name: '李小龙', firstName: 'José', lastName: 'Müller', company: 'Acme\tLtd €' });
    expect(result.ok && result.submission.contact).toMatchObject({ name: '李小龙', firstName: 'José', lastName: 'Müller', company: 'Acme\tLtd €' });
  });

  it.each([
    [{ email: '' }, 'email', 'is required'],
    [{ firstName: 'Jane' }, 'email', 'is required'],
    [{ email: 'not-an-email' }, 'email', 'must be a valid email address like jane@example.com'],
    [{ email: 'a@b.co', firstName: 'Jane\r\nBcc: evil@x.com' }, 'firstName', 'must be a single line, without line breaks'],
    [{ email: 'a@b.co\nBcc: x@y.z' }, 'email', 'must be a single line, without line breaks'],
    [{ email: 'a@b.co', company: 'A\0B' }, 'company', 'must be a single line, without line breaks'],
    [{ email: 'a@b.co', firstName: 'Eve\u001b]0;owned\u0007' }, 'firstName', 'must not contain control characters'],
    [{ email: 'a@b.co', company: 'Evil\u009b31mCorp' }, 'company', 'must not contain control characters'],
    [{ email: 'a\u0008@b.co' }, 'email', 'must not contain control characters'],
    [{ email: 'a@b.co', company: 'Acme\u202e moc.elgoog' }, 'company', 'must not contain control characters'],
    [{ email: 'a@b.co', firstName: '\u2066Eve\u2069' }, 'firstName', 'must not contain control characters'],
    [{ email: 'a@b.co', lastName: 'Smith\u2028Bcc' }, 'lastName', 'must be a single line, without line breaks'],
    [{ email: 'zw\u200bsp@b.co' }, 'email', 'must not contain invisible characters'],
    [{ email: 'a\u2060b@c.co' }, 'email', 'must not contain invisible characters'],
    [{ email: 'a@b.co', lastName: 'x'.repeat(101) }, 'lastName', 'must be at most 100 characters'],
    [{ email: 'a@b.co', phone: 'call me maybe' }, 'phone', 'must contain only digits, spaces and + ( ) . - /, and an extension like "ext 12"'],
    [{ email: 'a@b.co', message: 'm'.repeat(5001) }, 'message', 'must be at most 5000 characters'],
    [{ email: 'a@b.co', favouriteColour: 'bl\0ue' }, 'favouriteColour', 'cannot contain NUL characters'],
  ])('rejects %j naming the field', (fields, field, problem) => {
    const result = read(fields as Record<string, string>);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.fields[field]).toBe(problem);
  });

  it('never lets __proto__ or constructor keys reach an object', () => {
    const result = read([['email', 'a@b.co'], ['__proto__', 'polluted'], ['constructor', 'x'], ['prototype', 'y']]);
    expect(result.ok && result.submission.answers).toEqual({});
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(result.ok && result.submission.answers)).toBe(Object.prototype);
  });

  it('measures how fast the form was filled from _loadedAt', () => {
    const result = read({ email: 'a@b.co', _loadedAt: String(context.receivedAt.getTime() - 800) });
    expect(result.ok && result.controls.fillMilliseconds).toBe(800);
  });

  it('reads a consent checkbox', () => {
    expect(read({ email: 'a@b.co', consent: 'on' }).ok && read({ email: 'a@b.co', consent: 'on' })).toMatchObject({ submission: { contact: { consent: true } } });
  });
});

describe('vendor payloads', () => {
  it('flattens a HubSpot Forms v3 body', () => {
    const vendor = fieldsFromVendorPayload(vendorFixture('hubspot-forms-v3.json'));
    expect(vendor?.problems).toEqual({});
    const result = read(vendor!.fields);
    if (!result.ok) throw new Error(JSON.stringify(result.fields));
    expect(result.submission.contact).toMatchObject({ email: 'example@example.com', firstName: 'Jeff', consent: true });
    expect(result.submission.tracking.pageUrl).toBe('www.example.com/page');
    // The marketing opt-in, under the wording the person agreed to: whether marketing may email them.
    expect(result.submission.answers).toMatchObject({ 'Subscription: I agree to receive marketing communications from Example Company.': 'yes' });
  });

  it('never reads a HubSpot subscription worded like a field ("Company", "_gotcha") as that field', () => {
    const hubspot = vendorFixture('hubspot-forms-v3.json');
    hubspot.legalConsentOptions.consent.communications = [{ value: true, subscriptionTypeId: 1, text: 'Company' }, { value: true, subscriptionTypeId: 4, text: '_gotcha' }, { value: false, subscriptionTypeId: 5, text: 'utm_source' }];
    const result = read(fieldsFromVendorPayload(hubspot)!.fields);
    if (!result.ok) throw new Error(JSON.stringify(result.fields));
    expect(result.submission.contact).not.toHaveProperty('company');
    expect(result.submission.tracking.utm).toEqual({});
    expect(result.controls.honeypotFilled).toBe(false);
    expect(result.submission.answers).toMatchObject({ 'Subscription: Company': 'yes', 'Subscription: _gotcha': 'yes', 'Subscription: utm_source': 'no' });
  });

  it('flattens a Webflow form_submission webhook, including a numeric phone', () => {
    const result = read(fieldsFromVendorPayload(vendorFixture('webflow-form_submission.json'))!.fields);
    if (!result.ok) throw new Error(JSON.stringify(result.fields));
    expect(result.submission.contact).toMatchObject({ email: 'zaphod@heartofgold.ai', firstName: 'Zaphod', lastName: 'Beeblebrox', phone: '15550000000' });
  });

  it('flattens a Typeform form_response webhook', () => {
    const result = read(fieldsFromVendorPayload(vendorFixture('typeform-form_response.json'))!.fields);
    if (!result.ok) throw new Error(JSON.stringify(result.fields));
    expect(result.submission.contact.email).toMatch(/@/);
    expect(result.submission.answers.user_id).toBe('abc123456');
    expect(Object.keys(result.submission.answers).length).toBeGreaterThan(3);
    // Its "legal" question (accept the terms) is the consent, as HubSpot's consentToProcess is; the answer stays too.
    expect(result.submission.contact.consent).toBe(true);
    expect(Object.keys(result.submission.answers)).toContainEqual(expect.stringMatching(/^By submitting this form, you understand and accept/));
  });

  it('gives a webhook field the same type rules as a plain JSON body: a list answer is kept as a comma list, a list email refused', () => {
    const webflow = vendorFixture('webflow-form_submission.json');
    webflow.payload.data = { ...webflow.payload.data, Interests: ['CRM', 'BI'] };
    const kept = fieldsFromVendorPayload(webflow)!;
    expect(kept.problems).toEqual({});
    expect(kept.fields).toContainEqual(['Interests', 'CRM, BI']);

    const hubspot = vendorFixture('hubspot-forms-v3.json');
    hubspot.fields = hubspot.fields.map((field: { name: string; value: unknown }) => (field.name === 'email' ? { ...field, value: ['a@b.co'] } : field));
    expect(fieldsFromVendorPayload(hubspot)?.problems).toEqual({ email: 'must be a text value, not a list' });
  });

  it('reads a Typeform response by question: contact fields by title or ref, the rest under their titles, the other choice kept', () => {
    const definition = (id: string, title: string, type = 'short_text') => ({ id, ref: `01HQZ8A1B2C3D4E5F6G7H8J9${id}`, type, title });
    const answer = (id: string, type: string, value: unknown, fieldType = 'short_text') => ({ type, [type]: value, field: { id, type: fieldType, ref: `01HQZ8A1B2C3D4E5F6G7H8J9${id}` } });
    const payload = {
      event_id: 'EV1', event_type: 'form_response',
      form_response: {
        token: 'resp-42',
        hidden: { utm_campaign: 'q4-webinar' },
        definition: { fields: [
          definition('K0', 'What is your first name?'), definition('K1', 'Last name'), definition('K2', 'Work email', 'email'),
          definition('K3', "Your company's name"), definition('K4', 'Which products interest you?', 'multiple_choice'),
          definition('K5', 'Anything else we should know?', 'long_text'), definition('K6', 'Job title'),
        ] },
        answers: [
          answer('K0', 'text', 'Søren'), answer('K1', 'text', 'Kierkegaard'), answer('K2', 'email', 'soren@fjordtech.dk', 'email'),
          answer('K3', 'text', 'Fjord Tech ApS'), { type: 'choices', choices: { labels: ['Dashboards', 'Data pipelines'], other: 'Custom ML models' }, field: { id: 'K4', type: 'multiple_choice' } },
          answer('K5', 'text', 'Need a demo before Christmas.', 'long_text'), answer('K6', 'text', 'Head of Data'),
        ],
      },
    };
    const vendor = fieldsFromVendorPayload(payload)!;
    expect(vendor.deliveryId).toBe('typeform:resp-42');
    const result = read(vendor.fields);
    if (!result.ok) throw new Error(JSON.stringify(result.fields));
    expect(result.submission.contact).toMatchObject({
      firstName: 'Søren', lastName: 'Kierkegaard', email: 'soren@fjordtech.dk', company: 'Fjord Tech ApS', jobTitle: 'Head of Data', message: 'Need a demo before Christmas.',
    });
    expect(result.submission.answers).toEqual({ 'Which products interest you?': 'Dashboards, Data pipelines, Custom ML models' });
    expect(result.submission.tracking.utm.campaign).toBe('q4-webinar');
  });

  it.each([
    ['Wie lautet Ihr Vorname?', 'firstName'], ['Und Ihr Nachname?', 'lastName'], ['Bei welchem Unternehmen arbeiten Sie?', 'company'],
    ['Ihre Position', 'jobTitle'], ['First and last name', 'name'], ['Which company do you work for?', 'company'], ['Vor- und Nachname', 'name'],
    ['Mobil', 'phone'], ['How big is your company?', undefined], ['What is your role in the buying decision?', undefined],
  ])('reads the question %j as the contact field %s (or as an answer)', (title, field) => {
    const vendor = fieldsFromVendorPayload({
      event_type: 'form_response',
      form_response: {
        definition: { fields: [{ id: 'q', title, type: 'short_text' }] },
        answers: [{ type: 'email', email: 'a@b.de', field: { id: 'e', type: 'email' } }, { type: 'text', text: 'the answer', field: { id: 'q', type: 'short_text' } }],
      },
    })!;
    expect(vendor.fields).toContainEqual([field ?? title, 'the answer']);
  });

  it("names Typeform's own example answers by their questions, cut at a word, without recall placeholders", () => {
    const result = read(fieldsFromVendorPayload(vendorFixture('typeform-form_response.json'))!.fields);
    if (!result.ok) throw new Error(JSON.stringify(result.fields));
    expect(result.submission.contact).toMatchObject({ firstName: 'Laura', email: 'laura@example.com' });
    expect(result.submission.contact.message).toMatch(/^It's cold right now!/);
    const names = Object.keys(result.submission.answers);
    expect(names).toContain('Which of these cities is your favorite?');
    expect(names).toContain('On a scale of 1 to 5, what rating would you give the weather in Sydney? 1 is poor weather, 5 is…');
    for (const name of names) expect(name.length).toBeLessThanOrEqual(100);
    expect(names.join(' ')).not.toMatch(/\{\{|readable_ref|^[0-9A-Z]{20,}$/);
  });

  it("keeps a HubSpot company's fields off the person: the company's name is the lead's company, its phone an answer", () => {
    const result = read(fieldsFromVendorPayload({
      fields: [
        { objectTypeId: '0-1', name: 'email', value: 'ops@kontor-gmbh.de' },
        { objectTypeId: '0-2', name: 'name', value: 'Kontor GmbH' },
        { objectTypeId: '0-2', name: 'phone', value: '+49 40 111111' },
        { objectTypeId: '0-1', name: 'phone', value: '+49 171 2222222' },
        { objectTypeId: '0-1', name: 'firstname', value: 'Ole' },
      ],
    })!.fields);
    if (!result.ok) throw new Error(JSON.stringify(result.fields));
    expect(result.submission.contact).toMatchObject({ company: 'Kontor GmbH', phone: '+49 171 2222222', firstName: 'Ole' });
    expect(result.submission.contact.name).toBeUndefined();
    expect(result.submission.answers).toEqual({ 'Company phone': '+49 40 111111' });
  });

  it('reads a Tally FORM_RESPONSE webhook: labels name the fields, option ids become their text', () => {
    const vendor = fieldsFromVendorPayload({
      eventId: 'a4cb511e', eventType: 'FORM_RESPONSE',
      data: {
        responseId: '2wgx4n', formName: 'Demo request',
        fields: [
          { key: 'question_mVGEg3_1', label: 'Name', type: 'INPUT_TEXT', value: 'Hana Nováková' },
          { key: 'question_nPBJ7b', label: 'Email', type: 'INPUT_EMAIL', value: 'hana@brnosoft.cz' },
          { key: 'question_3xqZKa', label: 'Company', type: 'INPUT_TEXT', value: 'BrnoSoft s.r.o.' },
          { key: 'question_ph', label: 'Best number to reach you', type: 'INPUT_PHONE_NUMBER', value: '+420 601 234 567' },
          { key: 'question_Q1', label: 'Interests', type: 'CHECKBOXES', value: ['id1', 'id2'], options: [{ id: 'id1', text: 'Dashboards' }, { id: 'id2', text: 'API' }] },
          { key: 'question_Q1_id1', label: 'Interests (Dashboards)', type: 'CHECKBOXES', value: true },
          { key: 'question_tx', label: 'How can we help?', type: 'TEXTAREA', value: 'A demo for 12 people, please.' },
          { key: 'question_up', label: 'Your RFP', type: 'FILE_UPLOAD', value: [{ id: 'f1', name: 'rfp.pdf', url: 'https://storage.tally.so/rfp.pdf', mimeType: 'application/pdf', size: 1024 }] },
          {
            key: 'question_mx', label: 'Rate these', type: 'MATRIX', value: { r1: ['c2'], r2: ['c1'] },
            rows: [{ id: 'r1', text: 'Price' }, { id: 'r2', text: 'Support' }], columns: [{ id: 'c1', text: 'Good' }, { id: 'c2', text: 'Great' }],
          },
        ],
      },
    })!;
    expect(vendor.deliveryId).toBe('tally:2wgx4n');
    const result = read(vendor.fields);
    if (!result.ok) throw new Error(JSON.stringify(result.fields));
    expect(result.submission.contact).toMatchObject({
      name: 'Hana Nováková', email: 'hana@brnosoft.cz', company: 'BrnoSoft s.r.o.', phone: '+420 601 234 567', message: 'A demo for 12 people, please.',
    });
    expect(result.submission.answers).toEqual({
      Interests: 'Dashboards, API', 'Your RFP': 'rfp.pdf https://storage.tally.so/rfp.pdf', 'Rate these': 'Price: Great; Support: Good', 'Tally form': 'Demo request',
    });
  });

  it("keeps a Webflow form's name, and its submission id names the submission", () => {
    const vendor = fieldsFromVendorPayload(vendorFixture('webflow-form_submission.json'))!;
    expect(vendor.deliveryId).toBe('webflow:6321ca84df3949bfc6752327');
    expect(vendor.fields).toContainEqual(['Webflow form', 'Contact Us']);
  });

  it('leaves a plain JSON object of fields alone', () => {
    expect(fieldsFromVendorPayload({ email: 'a@b.co', fields: 'not hubspot' })).toBeUndefined();
  });
});

describe('readJsonFields: the value types a JSON body may use', () => {
  it.each([
    ['a one-element list as the email', { email: ['a@b.co'] }, { email: 'must be a text value, not a list' }],
    ['an object as the company', { email: 'a@b.co', company: { name: 'Acme' } }, { company: 'must be a text value, not an object' }],
    ['a number as the first name', { email: 'a@b.co', firstName: 42 }, { firstName: 'must be a text value, not a number' }],
    ['true as the job title', { email: 'a@b.co', jobTitle: true }, { jobTitle: 'must be a text value, not true or false' }],
    ['a list under an alias, named as sent', { 'Work Email': ['a@b.co', 'c@d.co'] }, { 'Work Email': 'must be a text value, not a list' }],
    ['a later alias of a field already given', { email: 'a@b.co', _replyto: ['c@d.co'] }, { _replyto: 'must be a text value, not a list' }],
    ['a list as consent', { email: 'a@b.co', consent: [true] }, { consent: 'must be true or false, not a list' }],
    ['a phone number with a fraction', { email: 'a@b.co', phone: 4930.5 }, { phone: 'must be a text value like "+49 30 1234567"; a number must be whole and at most 15 digits' }],
    ['a phone number longer than 15 digits', { email: 'a@b.co', phone: 12345678901234567 }, { phone: 'must be a text value like "+49 30 1234567"; a number must be whole and at most 15 digits' }],
  ])('refuses %s', (_label, body, problems) => {
    expect(readJsonFields(body).problems).toEqual(problems);
  });

  it('reads strings, a whole-number phone, boolean consent and any answer as text, and skips null', () => {
    const { fields, problems } = readJsonFields({ email: 'a@b.co', phone: 4930123456, consent: true, company: null, seats: 12, interests: ['CRM', 3], budget: { max: 5 }, _loadedAt: 1764151200000 });
    expect(problems).toEqual({});
    expect(fields).toEqual([['email', 'a@b.co'], ['phone', '4930123456'], ['consent', 'true'], ['seats', '12'], ['interests', 'CRM, 3'], ['budget', '{"max":5}'], ['_loadedAt', '1764151200000']]);
    const result = read(fields);
    expect(result.ok && result.submission.contact).toEqual({ email: 'a@b.co', emailDisplay: 'a@b.co', phone: '4930123456', consent: true });
  });

  it.each(['hubspot-forms-v3.json', 'webflow-form_submission.json', 'typeform-form_response.json'])('finds nothing to refuse at the top of the %s vendor payload', (name) => {
    expect(readJsonFields(vendorFixture(name)).problems).toEqual({});
  });
});
