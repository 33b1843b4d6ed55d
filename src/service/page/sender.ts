/** The sender's statechart (S1–S4, G6), across all its users: its state, S1/S2 counters, and what a new call would meet. */

import { byId, element, type Child } from './dom.js';
import { humanDuration, when } from './format.js';
import { labelWithRules, ruleLink } from './rules.js';
import type { SenderStatus } from './serviceTypes.js';
import { meter, stateChip } from './widgets.js';

export function renderSender(status: SenderStatus): void {
  const [attempts, concurrent] = status.limits;
  const row = (label: Child | readonly Child[], value: Child | readonly Child[], id: string) => element('tr', { 'data-sender': id }, element('td', {}, label), element('td', {}, value));
  const rows = [
    row(labelWithRules('State', ['S3', 'S4']), [stateChip(status.state), status.restrictedUntil ? element('span', { class: 'muted small' }, ` until ${when(status.restrictedUntil)}`) : null], 'state'),
    row(labelWithRules(`Call attempts in ${humanDuration(attempts.timePeriod)}`, ['S1']), [meter(attempts.currentUsage, attempts.maxAllowed), `${attempts.currentUsage} / ${attempts.maxAllowed}`], 'attempts'),
    row(labelWithRules('Calls going on', ['S2', 'G6']), [meter(concurrent.currentUsage, concurrent.maxAllowed), `${concurrent.currentUsage} / ${concurrent.maxAllowed}`], 'concurrent'),
    status.qualityWarningAt ? row(labelWithRules('Quality warning', ['S4']), when(status.qualityWarningAt), 'quality') : null,
    status.refusal ? row('A new call', [ruleLink(status.refusal.rule), ` ${status.refusal.reason}`], 'refusal') : null,
  ];
  byId('sender-status', HTMLTableElement).replaceChildren(...rows.filter((r) => r !== null));
}
