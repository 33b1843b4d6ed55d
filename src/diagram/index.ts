/**
 * Diagrams of the call-permission statechart, generated from the machine itself: Mermaid
 * (`stateDiagram-v2`), Graphviz DOT, a standalone SVG, and the machine's JSON for Stately's editor.
 * Every edge carries its guard and the rule ids ([docs/rules.md](../../docs/rules.md)) of its guard and actions.
 *
 * @packageDocumentation
 */
export { statechartGraph, type StatechartEdge, type StatechartGraph } from './statechartGraph.js';
export { toMermaid } from './mermaid.js';
export { toDot } from './dot.js';
export { renderSvg } from './svg.js';
export { drawStatechart, type StatechartDrawings } from './drawings.js';
export { statechartJson } from './machineJson.js';
export { renderDiagramDocuments } from './documents.js';
export { rulesOfTransition } from '../../machines/transitionRules.js';
export { type RuleId } from '../rules.js';
export { RULE_SUMMARIES } from './ruleSummaries.js';
