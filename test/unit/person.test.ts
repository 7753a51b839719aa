import { describe, expect, it } from 'vitest';
import { contactLine, isSamePerson, personKeyOf } from '../../shared/domain/lead.ts';

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

  it('never takes a lead that gave an address for a phone-only person, or the other way round', () => {
    expect(isSamePerson({ phone: '+49 171 1234567' }, { email: 'lukas@brandt.example', phone: '+49 171 1234567' })).toBe(false);
    expect(isSamePerson({ email: 'lukas@brandt.example' }, { phone: '+49 171 1234567' })).toBe(false);
    expect(isSamePerson({ email: 'Lukas@Brandt.example' }, { email: 'lukas@brandt.example' })).toBe(true);
  });

  it('shows the address as typed, else the phone', () => {
    expect(contactLine({ emailDisplay: 'Jane@Acme.example', phone: '030 1234567' })).toBe('Jane@Acme.example');
    expect(contactLine({ phone: '030 1234567' })).toBe('030 1234567');
  });
});
