import { describe, expect, it } from 'vitest';
import { contactLine, isSamePerson, personKeyOf, phoneKeyOf } from '../../shared/domain/lead.ts';

describe('who a lead is: personKeyOf, isSamePerson, contactLine', () => {
  it('keys a person by their address, whatever its case, and a phone-only one by the last 8 digits of the number', () => {
    expect(personKeyOf({ email: 'Jane@Acme.example', phone: '+49 171 1234567' })).toBe('EMAIL#jane@acme.example');
    expect(personKeyOf({ phone: '+49 171 1234567' })).toBe('PHONE#11234567');
    expect(personKeyOf({ phone: '0171 1234567 ext. 89' })).toBe('PHONE#11234567');
    expect(personKeyOf({ phone: '0049 (171) 123-4567' })).toBe('PHONE#11234567');
  });

  it('confirms a phone-only match by the whole number, not just the digits the key shares', () => {
    const lukas = { phone: '+49 171 1234567' };
    expect(isSamePerson(lukas, { phone: '0171 1234567' })).toBe(true);
    expect(isSamePerson(lukas, { phone: '+46 8 611234567' })).toBe(false);
    expect(personKeyOf({ phone: '+46 8 611234567' })).toBe(personKeyOf(lukas));
  });

  it('takes a phone-only lead for the person who gave an address and the same line, unless a typed name says otherwise', () => {
    const webForm = { email: 'lukas@brandt.example', phone: '+49 171 1234567', firstName: 'Lukas', lastName: 'Brandt' };
    expect(isSamePerson({ phone: '0171 1234567' }, webForm)).toBe(true);
    expect(isSamePerson({ phone: '0171 1234567', name: 'L. BRANDT' }, webForm)).toBe(true);
    expect(isSamePerson(webForm, { phone: '0171 1234567', firstName: 'Lukas' })).toBe(true);
    // The office switchboard a colleague gave too.
    expect(isSamePerson({ phone: '0171 1234567', name: 'Anna Vogel' }, webForm)).toBe(false);
    expect(isSamePerson({ phone: '+46 8 611234567' }, webForm)).toBe(false);
    expect(isSamePerson({ email: 'lukas@brandt.example' }, { phone: '+49 171 1234567' })).toBe(false);
    expect(isSamePerson({ email: 'Lukas@Brandt.example' }, { email: 'lukas@brandt.example' })).toBe(true);
    expect(isSamePerson({ email: 'anna@brandt.example', phone: '+49 171 1234567' }, webForm)).toBe(false);
  });

  it('reads a name spelled with or without umlauts and accents as one', () => {
    expect(isSamePerson({ phone: '0171 1234567', name: 'Jürgen Groß' }, { phone: '+49 171 1234567', firstName: 'Juergen', lastName: 'Gross' })).toBe(true);
    expect(isSamePerson({ phone: '0171 1234567', name: 'José' }, { phone: '+49 171 1234567', name: 'JOSE' })).toBe(true);
  });

  it('keys a second index entry only for a lead with an address and a dialable phone', () => {
    expect(phoneKeyOf({ email: 'lukas@brandt.example', phone: '+49 171 1234567' })).toBe('PHONE#11234567');
    expect(phoneKeyOf({ email: 'lukas@brandt.example', phone: '12 34' })).toBeUndefined();
    expect(phoneKeyOf({ email: 'lukas@brandt.example' })).toBeUndefined();
    expect(phoneKeyOf({ phone: '+49 171 1234567' })).toBeUndefined();
  });

  it('shows the address as typed, else the phone', () => {
    expect(contactLine({ emailDisplay: 'Jane@Acme.example', phone: '030 1234567' })).toBe('Jane@Acme.example');
    expect(contactLine({ phone: '030 1234567' })).toBe('030 1234567');
  });
});
