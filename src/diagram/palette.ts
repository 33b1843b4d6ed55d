import type { RelationshipState } from '../relationship/context.js';

/** How each state is coloured in every drawing (Mermaid, DOT/SVG), so they read alike. */
export interface StateColours {
  readonly fill: string;
  readonly stroke: string;
}

export const STATE_COLOURS: Readonly<Record<RelationshipState, StateColours>> = Object.freeze({
  noPermission: { fill: '#f6f8fa', stroke: '#57606a' },
  requested: { fill: '#ddf4ff', stroke: '#0969da' },
  granted: { fill: '#dafbe1', stroke: '#1a7f37' },
  prompted: { fill: '#fff8c5', stroke: '#9a6700' },
  revoked: { fill: '#ffebe9', stroke: '#cf222e' },
});

/** The "any state" box that stands for the handlers on the machine's root. */
export const ROOT_COLOURS: StateColours = Object.freeze({ fill: '#ffffff', stroke: '#8c959f' });
