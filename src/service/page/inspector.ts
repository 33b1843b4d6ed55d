// The inspector page: reads the service's JSON API, listens to its change feed, draws nothing it
// did not get from the service. TypeScript, bundled into one browser script: by `npm run build`
// (dist/service/page/inspector.js), or on demand when the service runs from its sources (../page.ts).

import { service, signIn } from './client.js';
import { renderCounters } from './counters.js';
import { byId } from './dom.js';
import { formEvent, showEventFields } from './eventForm.js';
import { humanDuration, when } from './format.js';
import { isHealth, renderHealth } from './health.js';
import { markCurrent, renderRelationships } from './relationships.js';
import { showResult } from './result.js';
import { renderSender } from './sender.js';
import type { CallStartedResponse, Change, PermissionRequestSentResponse, RelationshipTimeline } from './serviceTypes.js';
import { highlightState, loadStatechart } from './statechart.js';
import { renderSummary } from './summary.js';
import { renderTimeline } from './timeline.js';
import { renderView } from './view.js';

/** The relationship on screen, the latest timeline the service sent for it, and its newest call. */
const page: { sender: string; user: string; timeline: RelationshipTimeline | undefined; lastCallId: string | undefined; generation: number } = {
  sender: '',
  user: '',
  timeline: undefined,
  lastCallId: undefined,
  generation: 0,
};

// ---------------------------------------------------------------- loading

async function refreshHealth(): Promise<void> {
  const answer = await service.health();
  // A 503 (the store is down) still says which clock, effects and store the service has.
  if (answer.ok) renderHealth(answer.data);
  else if (isHealth(answer.data)) renderHealth(answer.data);
}

async function refreshList(): Promise<void> {
  const answer = await service.relationships(50);
  if (answer.ok) renderRelationships(answer.data.relationships, page);
}

/** Loads the timeline of the relationship on screen; an answer overtaken by a newer request is dropped. */
async function refreshRelationship(): Promise<void> {
  if (!page.sender || !page.user) return;
  const generation = ++page.generation;
  const [answer, sender] = await Promise.all([service.timeline(page), service.sender(page.sender)]);
  if (generation !== page.generation) return;
  if (!answer.ok) {
    showResult(`${answer.data.error?.path ?? ''}: ${answer.data.error?.message ?? 'could not load'}`, 'error');
    return;
  }
  const timeline = answer.data;
  page.timeline = timeline;
  // The service normalises the numbers (`+44 113…` → `44113…`): the change feed names them so.
  if (timeline.sender !== page.sender || timeline.user !== page.user) void open(timeline.sender, timeline.user, false);
  renderSummary(timeline);
  highlightState(timeline.now.stateNow);
  renderCounters(timeline);
  renderView(timeline.now.view);
  if (sender.ok) renderSender(sender.data);
  page.lastCallId = renderTimeline(timeline)[0];
  document.body.dataset.loaded = String(generation);
}

async function showStatechart(): Promise<void> {
  await loadStatechart();
  if (page.timeline) highlightState(page.timeline.now.stateNow);
}

function open(sender: string, user: string, load = true): Promise<void> {
  page.sender = sender.trim();
  page.user = user.trim();
  byId('sender', HTMLInputElement).value = page.sender;
  byId('user', HTMLInputElement).value = page.user;
  const query = `?sender=${encodeURIComponent(page.sender)}&user=${encodeURIComponent(page.user)}`;
  if (location.search !== query) history.replaceState(null, '', query);
  markCurrent(page);
  if (!load) return Promise.resolve();
  showResult('');
  return refreshRelationship();
}

// ---------------------------------------------------------------- acting

type CommandAnswer = Awaited<ReturnType<typeof service.requestPermission>> | Awaited<ReturnType<typeof service.startCall>>;

async function command(send: () => Promise<CommandAnswer>, label: string): Promise<void> {
  const { ok, status, data } = await send();
  if (ok) showResult(`${label}: ${sentText(data)}`, 'ok');
  else if (status === 409 && 'refusal' in data && data.refusal) showResult(`${label} refused by ${data.refusal.rule}: ${data.refusal.reason}`, 'error');
  else showResult(`${label}: ${data.error?.message ?? status}`, 'error');
  await Promise.all([refreshRelationship(), refreshList()]);
}

/** `sent as interactive (request-…)`, `started (call-…)`. */
function sentText(sent: PermissionRequestSentResponse | CallStartedResponse): string {
  return 'requestId' in sent ? `${sent.outcome}${sent.via ? ` as ${sent.via}` : ''} (${sent.requestId})` : `${sent.outcome} (${sent.callId})`;
}

async function sendEvent(submit: SubmitEvent): Promise<void> {
  submit.preventDefault();
  if (!page.sender) return showResult('open a relationship first', 'error');
  const event = formEvent(byId('event-form', HTMLFormElement), page.lastCallId);
  const { ok, data } = await service.recordEvent(page, event);
  if (ok) showResult(`${event.type}: ${data.previousState} → ${data.state}${data.changed ? '' : ' (changed nothing)'}`, 'ok');
  else showResult(`${data.error?.path ?? ''}: ${data.error?.message ?? 'refused'}`, 'error');
  await Promise.all([refreshRelationship(), refreshList()]);
}

async function advanceClock(advance: string): Promise<void> {
  const answer = await service.advanceClock(advance);
  if (answer.ok) showResult(`clock +${humanDuration(advance)}: ${when(answer.data.now)}${answer.data.relationshipsMoved ? `, ${answer.data.relationshipsMoved} relationship(s) moved on` : ''}`, 'ok');
  else showResult(answer.data.error?.message ?? 'the clock did not move', 'error');
  await Promise.all([refreshHealth(), refreshRelationship(), refreshList()]);
}

// ---------------------------------------------------------------- live updates

function listen(): void {
  const badge = byId('live-badge', HTMLElement);
  const feed = new EventSource('/v1/changes');
  feed.onopen = () => {
    badge.textContent = 'live';
    badge.className = 'badge on';
  };
  feed.onerror = () => {
    badge.textContent = 'reconnecting…';
    badge.className = 'badge off';
  };
  feed.onmessage = (message: MessageEvent<string>) => {
    const change: Change = JSON.parse(message.data);
    if (change.type === 'clock') {
      void refreshHealth();
      void refreshRelationship();
    } else if (change.sender === page.sender && change.user === page.user) void refreshRelationship();
    void refreshList();
  };
}

// ---------------------------------------------------------------- start

async function start(): Promise<void> {
  byId('open-form', HTMLFormElement).addEventListener('submit', (submit) => {
    submit.preventDefault();
    void open(byId('sender', HTMLInputElement).value, byId('user', HTMLInputElement).value).then(refreshList);
  });
  byId('relationship-list', HTMLUListElement).addEventListener('click', (click) => {
    const link = click.target instanceof Element ? click.target.closest('a[data-sender]') : null;
    if (!(link instanceof HTMLAnchorElement)) return;
    click.preventDefault();
    void open(link.dataset.sender ?? '', link.dataset.user ?? '');
  });
  const needsRelationship = (act: () => Promise<void>) => () => (page.sender ? act() : showResult('open a relationship first', 'error'));
  byId('request-button', HTMLButtonElement).addEventListener('click', needsRelationship(() => command(() => service.requestPermission(page), 'Permission request')));
  byId('call-button', HTMLButtonElement).addEventListener('click', needsRelationship(() => command(() => service.startCall(page), 'Call')));
  byId('event-type', HTMLSelectElement).addEventListener('change', showEventFields);
  byId('event-form', HTMLFormElement).addEventListener('submit', sendEvent);
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-advance]')) button.addEventListener('click', () => advanceClock(button.dataset.advance ?? ''));
  showEventFields();

  await signIn();
  await refreshHealth();
  void showStatechart();
  const answer = await service.relationships(50);
  const list = answer.ok ? answer.data.relationships : [];
  renderRelationships(list, page);
  const query = new URLSearchParams(location.search);
  const [sender, user] = [query.get('sender'), query.get('user')];
  const first = list[0];
  if (sender && user) await open(sender, user);
  else if (first) await open(first.sender, first.user);
  // A first visit opens the example pair: its state, decisions and empty timeline, ready to act on.
  else await open(byId('sender', HTMLInputElement).placeholder, byId('user', HTMLInputElement).placeholder);
  listen();
  document.body.dataset.ready = 'true';
}

void start();
