/** Rule ids as links to their section of the rulebook, their one-line summaries as tooltips. */

import { element, type Child } from './dom.js';

/** One line per rule id, embedded in the page by the service (src/diagram/ruleSummaries.ts). */
const RULES: Readonly<Record<string, string | undefined>> = JSON.parse(document.getElementById('rule-summaries')?.textContent || '{}');

/** A rule id as a link to its section of the rulebook, its one-line summary as the tooltip. */
export function ruleLink(id: string): HTMLAnchorElement {
  const summary = RULES[id];
  return element('a', { class: 'rule', href: `/docs/rules.md#${id.toLowerCase()}`, target: '_blank', rel: 'noopener', title: summary ? `${id}: ${summary}` : id, dataset: { rule: id } }, id);
}

/** Rule ids separated by spaces, each a link. */
export function ruleLinks(ids: readonly string[]): Child[] {
  return ids.flatMap((id, i) => (i === 0 ? [ruleLink(id)] : [' ', ruleLink(id)]));
}

/** `Requests in 24 h (R1)`: a label whose trailing rule ids are links. */
export function labelWithRules(text: string, ids: readonly string[]): Child[] {
  return [`${text} (`, ...ruleLinks(ids), ')'];
}
