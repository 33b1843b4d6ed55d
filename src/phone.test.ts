import { describe, expect, it } from 'vitest';
import { InvalidPhoneNumberError, normalizePhoneNumber } from './index.js';

describe('normalizePhoneNumber', () => {
  it('normalises E.164 with or without + and separators to digits', () => {
    expect(normalizePhoneNumber('+441134960000')).toBe('441134960000');
    expect(normalizePhoneNumber('441134960000')).toBe('441134960000');
    expect(normalizePhoneNumber(' +44 (113) 496-0000 ')).toBe('441134960000');
  });
  it.each(['', '0441134960000', '+12', '4411349600001234', '44113496000a', '++441134960000'])('refuses %j', (value) => {
    expect(() => normalizePhoneNumber(value, 'user')).toThrow(InvalidPhoneNumberError);
  });
  it('refuses non-strings, naming the field', () => {
    expect(() => normalizePhoneNumber(441134960000, 'sender')).toThrow(/^sender: /);
  });
});
