import { byId } from './dom.js';

/** What the last action did (or why it could not), in the status line under the buttons. */
export function showResult(text: string, kind?: 'ok' | 'error'): void {
  const result = byId('result', HTMLElement);
  result.textContent = text;
  result.className = `result ${kind ?? ''}`;
}
