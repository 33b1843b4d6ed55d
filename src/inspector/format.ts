import type { PermissionsView } from '../pure/view.js';
import type { Decisions, RelationshipCounters, RelationshipInspection } from './counters.js';
import type { TimelineEntry, TimelineEvent } from './timeline.js';


/** `2026-04-06T09:00:00.000Z` → `2026-04-06 09:00:00` (milliseconds kept when there are any); all times are UTC. */
function when(iso: string): string {
  return iso.replace('T', ' ').replace(/\.000Z$/, '').replace(/Z$/, '');
}

const EVENT_FIELDS_SHOWN_ELSEWHERE = new Set(['type', 'at']);

/** `REQUEST_SENT requestId=r1 via=template` */
function eventText(event: TimelineEvent): string {
  const fields = Object.entries(event)
    .filter(([key]) => !EVENT_FIELDS_SHOWN_ELSEWHERE.has(key))
    .map(([key, value]) =>
      // A normalised accept without an expiry is a permanent grant (G1).
      key === 'expiresAt' && value === null ? 'permanent' : `${key}=${typeof value === 'string' && /^\d{4}-\d\d-\d\dT/.test(value) ? when(value) : String(value)}`,
    );
  return [event.type, ...fields].join(' ');
}

function stepText(entry: TimelineEntry): string {
  if (!entry.command) return eventText(entry.event);
  const head = `${entry.command.name}`;
  return entry.command.outcome === 'refused' ? `${head} (refused)` : `${head} → ${eventText(entry.event)}`;
}

function decisionText(decision: Decisions['request'] | Decisions['call']): string {
  if (decision.allowed) return 'via' in decision ? `yes, as ${decision.via} (R3)` : 'yes';
  return `no, ${decision.rule}${decision.retryAt ? ` until ${when(decision.retryAt)}` : ''}`;
}

function shortDecision(decision: Decisions['request'] | Decisions['call']): string {
  if (decision.allowed) return 'via' in decision ? `yes ${decision.via}` : 'yes';
  return `no ${decision.rule}`;
}

function countersText(c: RelationshipCounters, view: PermissionsView): string {
  const [request, call] = view.actions;
  const [short, long] = request.limits;
  const calls = call.limits[0];
  const parts = [
    `requests ${c.requestsIn24h}/${short?.maxAllowed ?? '?'} in ${short?.timePeriod ?? '?'}, ${c.requestsIn7d}/${long?.maxAllowed ?? '?'} in ${long?.timePeriod ?? '?'}`,
    `calls ${c.connectedCallsIn24h} connected + ${c.callsInFlight} in flight of ${calls?.maxAllowed ?? '?'} in ${calls?.timePeriod ?? '?'}`,
    `${c.consecutiveUnanswered} unanswered in a row`,
    `window ${c.sessionWindowOpen ? 'open' : 'closed'}`,
  ];
  return parts.join(' · ');
}

function viewText(view: PermissionsView): string {
  return view.status === 'TEMPORARY' && view.expirationTime ? `TEMPORARY until ${when(view.expirationTime)}` : view.status;
}

function block(entry: TimelineEntry, indexWidth: number): string[] {
  const pad = ' '.repeat(indexWidth + 3);
  const label = (name: string) => `${pad}${name.padEnd(10)}`;
  const state = entry.stateBefore === entry.stateAfter ? `${entry.stateAfter} (${entry.changed ? 'stays' : 'unchanged'})` : `${entry.stateBefore} → ${entry.stateAfter}`;
  const lines = [`[${String(entry.index).padStart(indexWidth)}] ${when(entry.at)}  ${stepText(entry)}`];
  if (entry.receivedAt) lines.push(`${label('late')}happened at ${when(entry.receivedAt)}, applied at the relationship's clock`);
  lines.push(`${label('state')}${state}${entry.rules.length ? `   rules ${entry.rules.join(' ')}` : ''}`);
  for (const t of entry.transitions) lines.push(`${label('taken')}${t}`);
  if (entry.refusal) lines.push(`${label('refused')}${entry.refusal.rule}: ${entry.refusal.reason}`);
  lines.push(`${label('counters')}${countersText(entry.counters, entry.view)}`);
  lines.push(`${label('view')}${viewText(entry.view)} · may request: ${decisionText(entry.decisions.request)} · may call: ${decisionText(entry.decisions.call)}`);
  return lines;
}

function table(entries: readonly TimelineEntry[]): string[] {
  const header = ['#', 'at (UTC)', 'step', 'state', 'rules', 'request', 'call', 'req 24h/7d', 'calls', 'missed'];
  const rows = entries.map((e) => [
    String(e.index),
    when(e.at),
    stepText(e),
    e.stateBefore === e.stateAfter ? e.stateAfter : `${e.stateBefore} → ${e.stateAfter}`,
    e.rules.join(' ') || '—',
    shortDecision(e.decisions.request),
    shortDecision(e.decisions.call),
    `${e.counters.requestsIn24h}/${e.counters.requestsIn7d}`,
    `${e.counters.connectedCallsIn24h}+${e.counters.callsInFlight}`,
    String(e.counters.consecutiveUnanswered),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padStart(widths[i]!) : i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/**
 * A timeline as text for a terminal: a block per step (time, step, state change and rules, the
 * transitions taken, a refusal, the counters, the view and both decisions), labels aligned; or,
 * with `compact`, one aligned line per step. Times are UTC.
 */
export function formatTimeline(
  entries: readonly TimelineEntry[],
  options: {
    /** One line per step, in aligned columns, instead of a block per step. */
    readonly compact?: boolean;
  } = {},
): string {
  if (entries.length === 0) return '(no events)\n';
  if (options.compact) return `${table(entries).join('\n')}\n`;
  const width = String(entries[entries.length - 1]!.index).length;
  return `${entries.map((e) => block(e, width).join('\n')).join('\n\n')}\n`;
}

/** One relationship at one moment (`inspectRelationship`), as labelled lines. */
export function formatInspection(inspection: RelationshipInspection): string {
  const label = (name: string) => `  ${name.padEnd(10)}`;
  const state = inspection.state === inspection.stateNow ? inspection.state : `${inspection.state} (stored) → ${inspection.stateNow} by the clock`;
  const lines = [
    `At ${when(inspection.at)} UTC`,
    `${label('state')}${state}`,
    `${label('counters')}${countersText(inspection.counters, inspection.view)}`,
    `${label('view')}${viewText(inspection.view)}`,
    `${label('request')}${decisionText(inspection.decisions.request)}${inspection.decisions.request.allowed ? '' : ` — ${inspection.decisions.request.reason}`}`,
    `${label('call')}${decisionText(inspection.decisions.call)}${inspection.decisions.call.allowed ? '' : ` — ${inspection.decisions.call.reason}`}`,
    `${label('next')}${inspection.nextChangeAt ? `something changes by the clock alone at ${when(inspection.nextChangeAt)}` : 'nothing changes by the clock alone'}`,
  ];
  return `${lines.join('\n')}\n`;
}
