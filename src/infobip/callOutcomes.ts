import type { EventOfType } from '../events/types.js';
import { InfobipConfigError } from './errors.js';

// The package's own names for parts of a row.
export type HangupSource = NonNullable<CallOutcomeRow['hangupSource']>;
export type CallOutcomeClass = CallOutcomeRow['outcome'];

/** One row of the call-outcome table: an `errorCode.name` (and, optionally, who hung up) → what it means. */
export interface CallOutcomeRow {
  /** Infobip's `callLog.errorCode.name`. */
  readonly errorName: string;
  /**
   * `callLog.hangupSource` (who ended the call: the user's endpoint, our API call, or the platform);
   * `undefined` matches any source, including none.
   */
  readonly hangupSource?: 'ENDPOINT' | 'API' | 'PLATFORM';
  /**
   * What the ended call means for the rules:
   * - `connected`: it counts toward G2 and resets limits and misses (G3, M3);
   * - `miss`: the user did not take it — one more consecutive unanswered call (M1/M2);
   * - `technical`: it neither counts nor resets (M4), only its call slot is given back.
   */
  readonly outcome: 'connected' | 'miss' | 'technical';
  /** For a miss: the reason recorded on `CALL_UNANSWERED`. */
  readonly reason?: EventOfType<'CALL_UNANSWERED'>['reason'];
  /** The SIP status Meta's calling pages give for it, when there is one. */
  readonly sip?: string;
  /** Why, in a sentence (shown in docs/platform.md). */
  readonly why: string;
}

/**
 * The default table, argued from Meta's SIP table ([docs/rules.md, "Corrections"](../../docs/rules.md#corrections)): 486 (busy/rejected) and
 * 480 (not reachable or did not answer) "impact" call permissions, 487 (the business cancelled)
 * is not said to. Rows are tried in order; a row with a `hangupSource` wins over the same name
 * without one. An `answerTime` in the log always means `connected`, whatever the name.
 */
export const DEFAULT_CALL_OUTCOME_TABLE: readonly CallOutcomeRow[] = Object.freeze([
  { errorName: 'NORMAL_HANGUP', outcome: 'connected', sip: '200', why: 'the call was answered and ended normally' },
  { errorName: 'MACHINE_DETECTED', outcome: 'connected', why: 'the call was answered (by a machine): it connected' },
  { errorName: 'NO_ANSWER', outcome: 'miss', reason: 'no_answer', sip: '480', why: 'rang and was not answered: 480 impacts permissions' },
  { errorName: 'BUSY', outcome: 'miss', reason: 'busy', sip: '486', why: 'the user was busy: 486 impacts permissions' },
  { errorName: 'REJECTED', outcome: 'miss', reason: 'rejected', sip: '486', why: 'the user rejected the call: 486 impacts permissions' },
  { errorName: 'DESTINATION_UNAVAILABLE', outcome: 'miss', reason: 'no_answer', sip: '480', why: 'not reachable: 480 ("not reachable or did not answer") impacts permissions' },
  { errorName: 'REQUEST_TIMEOUT', outcome: 'miss', reason: 'no_answer', sip: '480', why: 'nobody answered in time: the 480 case, which impacts permissions' },
  { errorName: 'CANCELLED', hangupSource: 'API', outcome: 'technical', sip: '487', why: 'the business cancelled the ringing call: 487 is not said to impact permissions' },
  { errorName: 'CANCELLED', hangupSource: 'ENDPOINT', outcome: 'miss', reason: 'cancelled', why: 'the user’s side ended the ringing call: not taken by the user' },
  { errorName: 'CANCELLED', hangupSource: 'PLATFORM', outcome: 'miss', reason: 'cancelled', why: 'the platform stopped ringing (connect timeout): not answered, the 480 case' },
  { errorName: 'CANCELLED', outcome: 'miss', reason: 'cancelled', why: 'no hangupSource to prove the business cancelled: counted on the safe side (fewer calls)' },
  { errorName: 'FORBIDDEN', outcome: 'technical', sip: '403', why: 'refused before ringing anyone (M4)' },
  { errorName: 'DESTINATION_NOT_FOUND', outcome: 'technical', sip: '404', why: 'no such destination: never rang (M4)' },
  { errorName: 'INVALID_DESTINATION', outcome: 'technical', why: 'an invalid number: never rang (M4)' },
  { errorName: 'INVALID_REQUEST', outcome: 'technical', sip: '400', why: 'a bad request: never rang (M4)' },
  { errorName: 'SERVICE_UNAVAILABLE', outcome: 'technical', sip: '503', why: 'the service failed before ringing (M4)' },
] satisfies CallOutcomeRow[]).map((row) => Object.freeze(row)) as readonly CallOutcomeRow[];

/** A name the table does not know: technical (M4), neither counted nor reset. Documented, and overridable with a row. */
export const UNKNOWN_CALL_OUTCOME: CallOutcomeRow = Object.freeze({ errorName: '*', outcome: 'technical', why: 'a name the table does not list: treated as technical (M4)' });

/** The row that classifies a finished call: a `hangupSource` match first, then the name alone, else the unknown row (technical: neither counts nor resets, M4). */
export function classifyCallOutcome(errorName: string, hangupSource: string | undefined, table: readonly CallOutcomeRow[] = DEFAULT_CALL_OUTCOME_TABLE): CallOutcomeRow {
  let general: CallOutcomeRow | undefined;
  for (const row of table) {
    if (row.errorName !== errorName) continue;
    if (row.hangupSource === undefined) general ??= row;
    else if (row.hangupSource === hangupSource) return row;
  }
  return general ?? UNKNOWN_CALL_OUTCOME;
}

/** Checks a host's table: every row names an outcome, a miss names its reason. An {@link InfobipConfigError} names the row. */
export function validateCallOutcomeTable(table: readonly CallOutcomeRow[], path = 'calls.outcomeTable'): void {
  if (!Array.isArray(table)) throw new InfobipConfigError('must be an array of rows', path);
  table.forEach((row: CallOutcomeRow | undefined, i) => {
    const where = `${path}[${i}]`;
    if (typeof row?.errorName !== 'string' || row.errorName === '') throw new InfobipConfigError('must be a non-empty string', `${where}.errorName`);
    if (row.hangupSource !== undefined && !['ENDPOINT', 'API', 'PLATFORM'].includes(row.hangupSource)) throw new InfobipConfigError('must be ENDPOINT, API or PLATFORM', `${where}.hangupSource`);
    if (!['connected', 'miss', 'technical'].includes(row.outcome)) throw new InfobipConfigError('must be connected, miss or technical', `${where}.outcome`);
    if (row.outcome === 'miss' && !['no_answer', 'busy', 'rejected', 'cancelled'].includes(row.reason as string))
      throw new InfobipConfigError('must be no_answer, busy, rejected or cancelled for a miss', `${where}.reason`);
  });
}

/** The default table as Markdown (what docs/platform.md shows between its markers). */
export function renderCallOutcomeTable(table: readonly CallOutcomeRow[] = DEFAULT_CALL_OUTCOME_TABLE): string {
  const lines = ['| errorCode.name | hangupSource | outcome | recorded as | SIP | why |', '| --- | --- | --- | --- | --- | --- |'];
  const recorded = (r: CallOutcomeRow) => (r.outcome === 'connected' ? '`CALL_CONNECTED`' : r.outcome === 'miss' ? `\`CALL_UNANSWERED\` (${r.reason})` : '`CALL_FAILED`');
  for (const r of [...table, UNKNOWN_CALL_OUTCOME])
    lines.push(`| ${r.errorName === '*' ? 'any other' : r.errorName} | ${r.hangupSource ?? 'any'} | ${r.outcome} | ${recorded(r)} | ${r.sip ?? '—'} | ${r.why} |`);
  return lines.join('\n');
}
