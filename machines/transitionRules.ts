import type { AnyTransitionDefinition } from 'xstate';
import { isRuleId, sortRuleIds, type RuleId } from '../src/rules.js';

/**
 * The rule ids a transition of the statechart cites in its `meta.rules`, in [docs/rules.md](../docs/rules.md)
 * order. A transition without them, or citing an id the rulebook does not define, throws: a diagram
 * or a timeline must never silently drop a rule.
 */
export function rulesOfTransition(transition: Pick<AnyTransitionDefinition, 'meta' | 'eventType' | 'source'>): RuleId[] {
  const rules = (transition.meta as { rules?: unknown } | undefined)?.rules;
  const where = `${transition.source.key} · ${transition.eventType}`;
  if (!Array.isArray(rules)) throw new Error(`the transition ${where} cites no rules (meta.rules)`);
  for (const id of rules) if (!isRuleId(id)) throw new Error(`the transition ${where} cites ${String(id)}, which docs/rules.md does not define`);
  return sortRuleIds(rules as RuleId[]);
}
