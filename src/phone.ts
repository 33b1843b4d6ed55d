import { InvalidPhoneNumberError } from './errors.js';

/**
 * Normalizes a phone number to E.164 digits without the `+` (`+441134960000` → `441134960000`).
 * Spaces, dashes, dots and brackets are tolerated as separators; anything else is refused.
 */
export function normalizePhoneNumber(value: unknown, path = 'phoneNumber'): string {
  if (typeof value !== 'string') throw new InvalidPhoneNumberError(`must be a string of E.164 digits, got ${typeof value}`, path);
  const compact = value.trim().replace(/[\s\-.()]/g, '');
  const digits = compact.startsWith('+') ? compact.slice(1) : compact;
  if (!/^[1-9]\d{6,14}$/.test(digits))
    throw new InvalidPhoneNumberError(`${JSON.stringify(value)} is not an E.164 number (7–15 digits, country code first, optional +)`, path);
  return digits;
}

/**
 * @deprecated Renamed {@link normalizePhoneNumber} (the API spells -ize throughout); this alias
 * goes at 1.0.
 */
export const normalisePhoneNumber: typeof normalizePhoneNumber = normalizePhoneNumber;
