/** The service's clock, effects, store and policy, in the header badges and the clock card. */

import { byId } from './dom.js';
import { when } from './format.js';
import type { HealthResponse } from './serviceTypes.js';

/** The service's clock as last heard, and how far the browser's clock is from it (real time keeps ticking). */
const clock: { mode: HealthResponse['clock']['mode']; now: number; offset: number; timer: number | undefined } = { mode: 'real', now: 0, offset: 0, timer: undefined };

function showClock(): void {
  const now = clock.mode === 'real' ? Date.now() + clock.offset : clock.now;
  const text = when(new Date(now).toISOString());
  byId('clock-badge', HTMLElement).textContent = `${clock.mode} clock · ${text}`;
  byId('clock-now', HTMLElement).textContent = text;
}

/** A 503's body is the whole health report too (with the store's error); an error from elsewhere is not. */
export function isHealth(data: Partial<HealthResponse>): data is HealthResponse {
  return data.clock !== undefined;
}

export function renderHealth(health: HealthResponse): void {
  const virtual = health.clock.mode === 'virtual';
  clock.mode = health.clock.mode;
  clock.now = Date.parse(health.clock.now);
  clock.offset = clock.now - Date.now();
  showClock();
  // Real time: the card ticks every second from the service's time (a virtual clock moves only when moved).
  if (!virtual && clock.timer === undefined) clock.timer = setInterval(showClock, 1000);
  if (virtual && clock.timer !== undefined) clock.timer = void clearInterval(clock.timer);
  byId('clock-buttons', HTMLElement).hidden = !virtual;
  byId('clock-hint', HTMLElement).textContent = virtual
    ? 'Virtual time: it moves only when you move it. Expiries and lapses happen as it passes them.'
    : 'Real time. Start the service with --clock virtual to move it.';
  const dryRun = health.effects === 'dry-run';
  byId('effects-badge', HTMLElement).textContent = dryRun ? 'dry run: nothing is sent' : 'Infobip: requests and calls go out';
  byId('store-badge', HTMLElement).textContent = `${health.store === 'pglite' ? 'PGlite' : 'PostgreSQL'} · policy ${health.policy}`;
  byId('event-form', HTMLFormElement).hidden = !dryRun;
  byId('act-hint', HTMLElement).textContent = dryRun ? 'dry run: the effects record what they would send to Infobip' : 'live: requests and calls go to Infobip';
}
