import { describe, expect, it } from 'vitest';
import { InvalidPhoneNumberError, normalisePhoneNumber } from './index.js';

describe('normalisePhoneNumber', () => {
  it('normalises E.164 with or without + and separators to digits', () => {
    expect(normalisePhoneNumber('+441134960000')).toBe('441134960000');
    expect(normalisePhoneNumber('441134960000')).toBe('441134960000');
    expect(normalisePhoneNumber(' +44 (113) 496-0000 ')).toBe('441134960000');
  });
  it.each(['', '0441134960000', '+12', '4411349600001234', '44113496000a', '++441134960000'])('refuses %j', (value) => {
    expect(() => normalisePhoneNumber(value, 'user')).toThrow(InvalidPhoneNumberError);
  });
  it('refuses non-strings, naming the field', () => {
    expect(() => normalisePhoneNumber(441134960000, 'sender')).toThrow(/^sender: /);
  });
});
