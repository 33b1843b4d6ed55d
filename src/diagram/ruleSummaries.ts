/**
 * One line per rule of [docs/rules.md](../../docs/rules.md), for the diagram's legend and the inspector's text. The numbers
 * are the `infobip` preset's; every one of them is a policy setting.
 */
export const RULE_SUMMARIES: Readonly<Record<string, string>> = Object.freeze({
  R1: 'at most 1 permission request in any rolling 24 h',
  R2: 'at most 2 permission requests in any rolling 7 days',
  R3: 'a request goes out interactive inside the customer-service window, else as a template',
  R4: 'a request stays answerable for 7 days, until answered or superseded',
  R5: 'no request while a permanent permission exists',
  G1: 'a temporary grant lasts 7 days (or until the expiry the reply carries)',
  G2: 'at most 5 connected calls in any rolling 24 h (calls in flight hold a slot)',
  G3: 'a connected call (either direction) resets the request limits',
  G4: 'no business-initiated call without a live grant',
  G5: 'any accept is honoured; with callback permission a user’s call grants one',
  M1: '2 consecutive unanswered calls → prompted',
  M2: '4 consecutive unanswered calls → revoked (the platform’s automatic reject is not counted again)',
  M3: 'a connected call resets the unanswered count (prompted → granted)',
  M4: 'a call that failed technically neither counts nor resets',
  U1: 'the user may revoke (→ revoked) or accept (→ granted) at any time',
  U2: 'from revoked or noPermission a new request may be sent, subject to R1–R5',
  W1: 'a message, a call from the user or an answered call (re)opens the 24 h window',
});
