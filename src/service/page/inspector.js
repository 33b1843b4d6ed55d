// The inspector page: reads the service's JSON API, listens to its change feed, draws nothing it
// did not get from the service. Plain browser JavaScript, no build step.

const $ = (selector) => document.querySelector(selector);

/** The relationship on screen, and the latest timeline the service sent for it. */
const page = { sender: '', user: '', timeline: null, health: null, generation: 0 };

// ---------------------------------------------------------------- talking to the service

async function api(method, path, body) {
  const init = { method, headers: {} };
  // The service takes every POST as JSON only (a page on another site cannot send that without asking).
  if (method !== 'GET') init.headers['Content-Type'] = 'application/json';
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await fetch(path, init);
  const data = await response.json().catch(() => ({}));
  // The session ended (the service restarted with another token, or 12 h passed): ask again, then retry once.
  if (response.status === 401 && path.startsWith('/v1/') && !path.startsWith('/v1/session')) {
    await signIn();
    return api(method, path, body);
  }
  return { ok: response.ok, status: response.status, data };
}

/**
 * With an API token configured, the page asks for it once and posts it in a request body; the
 * service answers with an HttpOnly, SameSite=Strict session cookie. The token is never put in a URL.
 */
let signingIn;
function signIn() {
  signingIn ??= (async () => {
    const { data } = await api('GET', '/v1/session');
    if (!data.required || data.authenticated) return;
    const dialog = $('#login');
    dialog.showModal();
    await new Promise((resolve) => {
      $('#login-form').addEventListener('submit', async function submitted(submit) {
        submit.preventDefault();
        const answer = await api('POST', '/v1/session', { token: $('#login-token').value });
        if (!answer.ok) return void ($('#login-error').textContent = answer.data.error?.message ?? 'refused');
        $('#login-token').value = '';
        $('#login-form').removeEventListener('submit', submitted);
        dialog.close();
        resolve();
      });
    });
  })().finally(() => {
    signingIn = undefined;
  });
  return signingIn;
}

const relationshipPath = (suffix) => `/v1/relationships/${encodeURIComponent(page.sender)}/${encodeURIComponent(page.user)}/${suffix}`;

// ---------------------------------------------------------------- formatting

/** `2026-04-06 09:00:00 UTC`: one zone for everyone, as the rules count in UTC milliseconds. */
function when(iso) {
  if (!iso) return '—';
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

/** An ISO 8601 duration as a person says it: `PT24H` → `24 h`, `P7D` → `7 days` (the JSON keeps ISO 8601). */
function humanDuration(iso) {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(iso ?? '');
  if (!match) return iso;
  const [days, hours, minutes, seconds] = match.slice(1).map((part) => Number(part ?? 0));
  const parts = [];
  if (days) parts.push(days === 1 ? '1 day' : `${days} days`);
  if (hours) parts.push(`${hours} h`);
  if (minutes) parts.push(`${minutes} min`);
  if (seconds) parts.push(`${seconds} s`);
  return parts.length ? parts.join(' ') : '0 s';
}

/** One line per rule id, embedded in the page by the service (src/diagram/ruleSummaries.ts). */
const RULES = JSON.parse(document.getElementById('rule-summaries')?.textContent || '{}');

/** A rule id as a link to its section of the rulebook, its one-line summary as the tooltip. */
function ruleLink(id) {
  const summary = RULES[id];
  return element('a', { class: 'rule', href: `/docs/rules.md#${id.toLowerCase()}`, target: '_blank', rel: 'noopener', title: summary ? `${id}: ${summary}` : id, dataset: { rule: id } }, id);
}

/** Rule ids separated by spaces, each a link. */
function ruleLinks(ids) {
  return ids.flatMap((id, i) => (i === 0 ? [ruleLink(id)] : [' ', ruleLink(id)]));
}

/** `Requests in 24 h (R1)`: a label whose trailing rule ids are links. */
function labelWithRules(text, ids) {
  return [`${text} (`, ...ruleLinks(ids), ')'];
}

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) if (child !== undefined && child !== null) node.append(child instanceof Node ? child : String(child));
  return node;
}

function stateChip(state) {
  return element('span', { class: 'chip', dataset: { state } }, state);
}

/** The event's own fields besides type and time, as `key=value` (an accept's `expiresAt: null` is permanent). */
function eventArguments(event) {
  return Object.entries(event)
    .filter(([key]) => key !== 'type' && key !== 'at')
    .map(([key, value]) => `${key}=${key === 'expiresAt' ? (value === null ? 'permanent' : when(value)) : value}`)
    .join('  ');
}

function showResult(text, kind) {
  const result = $('#result');
  result.textContent = text;
  result.className = `result ${kind ?? ''}`;
}

// ---------------------------------------------------------------- rendering

/** The service's clock as last heard, and how far the browser's clock is from it (real time keeps ticking). */
const clock = { mode: 'real', now: 0, offset: 0, timer: undefined };

function showClock() {
  const now = clock.mode === 'real' ? Date.now() + clock.offset : clock.now;
  const text = when(new Date(now).toISOString());
  $('#clock-badge').textContent = `${clock.mode} clock · ${text}`;
  $('#clock-now').textContent = text;
}

function renderHealth(health) {
  page.health = health;
  const virtual = health.clock.mode === 'virtual';
  clock.mode = health.clock.mode;
  clock.now = Date.parse(health.clock.now);
  clock.offset = clock.now - Date.now();
  showClock();
  // Real time: the card ticks every second from the service's time (a virtual clock moves only when moved).
  if (!virtual && clock.timer === undefined) clock.timer = setInterval(showClock, 1000);
  if (virtual && clock.timer !== undefined) clock.timer = void clearInterval(clock.timer);
  $('#clock-buttons').hidden = !virtual;
  $('#clock-hint').textContent = virtual
    ? 'Virtual time: it moves only when you move it. Expiries and lapses happen as it passes them.'
    : 'Real time. Start the service with --clock virtual to move it.';
  const dryRun = health.effects === 'dry-run';
  $('#effects-badge').textContent = dryRun ? 'dry run: nothing is sent' : 'Infobip: requests and calls go out';
  $('#store-badge').textContent = `${health.store === 'pglite' ? 'PGlite' : 'PostgreSQL'} · policy ${health.policy}`;
  $('#event-form').hidden = !dryRun;
  $('#act-hint').textContent = dryRun ? 'dry run: the effects record what they would send to Infobip' : 'live: requests and calls go to Infobip';
}

function renderSummary(timeline) {
  const { now } = timeline;
  $('#pair').textContent = `${timeline.sender} ↔ ${timeline.user}`;
  const state = $('#state');
  state.textContent = now.stateNow;
  state.dataset.state = now.stateNow;
  const decisions = $('#decisions');
  decisions.replaceChildren(decisionLine('Request permission', now.decisions.request), decisionLine('Start a call', now.decisions.call));
}

function decisionLine(label, decision) {
  if (decision.allowed)
    return element('div', { class: 'decision' }, `${label}: `, element('b', { class: 'yes' }, decision.via ? `allowed (${decision.via})` : 'allowed'));
  return element(
    'div',
    { class: 'decision', title: decision.reason },
    `${label}: `,
    element('b', { class: 'no' }, 'refused by ', ruleLink(decision.rule)),
    decision.retryAt ? element('span', { class: 'muted' }, ` until ${when(decision.retryAt)}`) : null,
  );
}

function highlightState(state) {
  const chart = $('#statechart');
  for (const node of chart.querySelectorAll('g.node.current')) node.classList.remove('current');
  const node = chart.querySelector(`[id="state-${state}"]`);
  if (node) node.classList.add('current');
  chart.classList.toggle('has-current', Boolean(node));
  chart.dataset.current = state;
  // A narrow screen pans the drawing: bring the current state to the middle of its card.
  if (node && chart.scrollWidth > chart.clientWidth) {
    const box = node.getBoundingClientRect();
    const frame = chart.getBoundingClientRect();
    chart.scrollLeft += box.left + box.width / 2 - (frame.left + frame.width / 2);
  }
}

function renderCounters(timeline) {
  const { counters, view } = timeline.now;
  const [requestAction, callAction] = view.actions;
  const [shortLimit, longLimit] = requestAction.limits;
  const [callLimit] = callAction.limits;
  const meter = (used, max) => element('span', { class: `meter${used >= max ? ' full' : ''}` }, element('i', { style: `width:${Math.min(100, (100 * used) / max)}%` }));
  const row = (label, value, id) => element('tr', { 'data-counter': id }, element('td', {}, label), element('td', {}, value));
  $('#counters').replaceChildren(
    row(labelWithRules(`Requests in ${humanDuration(shortLimit.timePeriod)}`, ['R1']), [meter(counters.requestsIn24h, shortLimit.maxAllowed), `${counters.requestsIn24h} / ${shortLimit.maxAllowed}`], 'requests-short'),
    row(labelWithRules(`Requests in ${humanDuration(longLimit.timePeriod)}`, ['R2']), [meter(counters.requestsIn7d, longLimit.maxAllowed), `${counters.requestsIn7d} / ${longLimit.maxAllowed}`], 'requests-long'),
    row(labelWithRules(`Call slots in ${humanDuration(callLimit.timePeriod)}`, ['G2']), [meter(callLimit.currentUsage, callLimit.maxAllowed), `${callLimit.currentUsage} / ${callLimit.maxAllowed}`], 'call-slots'),
    row('Calls in flight', String(counters.callsInFlight), 'in-flight'),
    row(
      ['Consecutive unanswered (', ruleLink('M1'), ` at ${timeline.policy.unansweredBeforePrompt}, `, ruleLink('M2'), ` at ${timeline.policy.unansweredBeforeRevoke})`],
      String(counters.consecutiveUnanswered),
      'unanswered',
    ),
    row('Grant', view.status === 'PERMANENT' ? 'permanent' : view.status === 'TEMPORARY' ? `until ${when(view.expirationTime)}` : 'none', 'grant'),
    row(labelWithRules('Session window', ['W1']), counters.sessionWindowOpen ? 'open' : 'closed', 'session'),
  );
}

function renderView(timeline) {
  const { view } = timeline.now;
  const actions = view.actions.map((action) =>
    element(
      'div',
      { class: 'view-action' },
      element('span', { class: 'name' }, action.name),
      ' ',
      element('b', { class: action.canPerformAction ? 'yes' : 'no' }, action.canPerformAction ? 'can' : 'cannot'),
      element(
        'ul',
        {},
        action.limits.map((limit) =>
          element('li', {}, `${limit.currentUsage} of ${limit.maxAllowed} in ${humanDuration(limit.timePeriod)}${limit.limitExpirationTime ? `, frees ${when(limit.limitExpirationTime)}` : ''}`),
        ),
      ),
    ),
  );
  $('#view').replaceChildren(
    element('div', { class: 'view-status', 'data-testid': 'view-status' }, view.status, view.expirationTime ? element('span', { class: 'muted small' }, `  until ${when(view.expirationTime)}`) : null),
    ...actions,
    element('details', {}, element('summary', { class: 'small muted' }, 'JSON'), element('pre', {}, JSON.stringify(view, null, 2))),
  );
}

/** The sender's statechart (S1–S4, G6): its state, S1/S2 counters, and what a new call would meet. */
function renderSender(status) {
  const [attempts, concurrent] = status.limits;
  const meter = (used, max) => element('span', { class: `meter${used >= max ? ' full' : ''}` }, element('i', { style: `width:${Math.min(100, (100 * used) / max)}%` }));
  const row = (label, value, id) => element('tr', { 'data-sender': id }, element('td', {}, label), element('td', {}, value));
  const rows = [
    row(labelWithRules('State', ['S3', 'S4']), [stateChip(status.state), status.restrictedUntil ? element('span', { class: 'muted small' }, ` until ${when(status.restrictedUntil)}`) : null], 'state'),
    row(labelWithRules(`Call attempts in ${humanDuration(attempts.timePeriod)}`, ['S1']), [meter(attempts.currentUsage, attempts.maxAllowed), `${attempts.currentUsage} / ${attempts.maxAllowed}`], 'attempts'),
    row(labelWithRules('Calls going on', ['S2', 'G6']), [meter(concurrent.currentUsage, concurrent.maxAllowed), `${concurrent.currentUsage} / ${concurrent.maxAllowed}`], 'concurrent'),
    status.qualityWarningAt ? row(labelWithRules('Quality warning', ['S4']), when(status.qualityWarningAt), 'quality') : null,
    status.refusal ? row('A new call', [ruleLink(status.refusal.rule), ` ${status.refusal.reason}`], 'refusal') : null,
  ];
  $('#sender-status').replaceChildren(...rows.filter((r) => r !== null));
}

/** What a row's effect did: a dry run's would-be request, Infobip's answer, or an error. */
function detailText(detail) {
  if (!detail) return '';
  if (detail.error) return `effect failed: ${detail.error}`;
  if (detail.sending) return 'sending…';
  const receipt = detail.receipt;
  if (receipt && receipt.dryRun && receipt.wouldSend) return `dry run: would ${receipt.wouldSend.method} ${receipt.wouldSend.path}`;
  if (receipt) return `sent: ${JSON.stringify(receipt)}`;
  if (detail.replayError) return `replay: ${detail.replayError}`;
  return '';
}

/** The counters and view status an event changed, as `unanswered 1 → 2 · status NO_PERMISSION → TEMPORARY`. */
const COUNTER_NAMES = {
  requestsIn24h: 'requests (R1)',
  requestsIn7d: 'requests (R2)',
  connectedCallsIn24h: 'connected calls (G2)',
  callsInFlight: 'in flight',
  consecutiveUnanswered: 'unanswered',
  sessionWindowOpen: 'session window',
};
/** A relationship before its first event: nothing granted, nothing counted. */
const NEW_RELATIONSHIP = {
  view: { status: 'NO_PERMISSION' },
  counters: { requestsIn24h: 0, requestsIn7d: 0, connectedCallsIn24h: 0, callsInFlight: 0, consecutiveUnanswered: 0, sessionWindowOpen: false },
};
function changesText(before, after) {
  const changes = [];
  if (before.view.status !== after.view.status) changes.push(`${before.view.status} → ${after.view.status}`);
  for (const [key, name] of Object.entries(COUNTER_NAMES)) {
    const was = before.counters[key];
    const now = after.counters[key];
    if (was === now) continue;
    changes.push(typeof now === 'boolean' ? `${name} ${now ? 'opens' : 'closes'}` : `${name} ${was} → ${now}`);
  }
  return changes.join(' · ');
}

function renderTimeline(timeline) {
  // On a page that does not start at the relationship's beginning, the first event's "before" is not shown.
  let previous = timeline.page?.nextBefore ? undefined : NEW_RELATIONSHIP;
  const changes = new Map();
  for (const row of timeline.rows) {
    if (row.kind !== 'event') continue;
    changes.set(row, previous ? changesText(previous, row) : '');
    previous = row;
  }
  const rows = [...timeline.rows].reverse().map((row) => {
    if (row.kind === 'refusal')
      return element(
        'tr',
        { class: 'refusal', dataset: { kind: 'refusal', rule: row.rule } },
        element('td', {}, when(row.at)),
        element(
          'td',
          {},
          element('span', { class: 'type' }, row.action === 'request' ? 'request refused' : 'call refused'),
          row.count > 1 ? element('div', { class: 'args', title: `first at ${when(row.firstAt)}` }, `×${row.count} since ${when(row.firstAt)}`) : null,
        ),
        element('td', {}, element('span', { class: 'source' }, row.source)),
        element('td', { class: 'states' }, stateChip(row.state)),
        element('td', { class: 'what' }, element('b', { class: 'no' }, ruleLink(row.rule)), ` ${row.reason}`),
      );
    const effect = detailText(row.detail);
    return element(
      'tr',
      { class: row.changed ? '' : 'unchanged', dataset: { kind: 'event', type: row.event.type, stateAfter: row.stateAfter } },
      element('td', {}, when(row.at)),
      element('td', {}, element('span', { class: 'type' }, row.event.type), element('div', { class: 'args' }, eventArguments(row.event))),
      element('td', {}, element('span', { class: 'source' }, row.source)),
      element('td', { class: 'states' }, row.stateBefore === row.stateAfter ? stateChip(row.stateAfter) : [stateChip(row.stateBefore), element('span', { class: 'arrow' }, '→'), stateChip(row.stateAfter)]),
      element(
        'td',
        { class: 'what' },
        row.rules.length ? element('span', { class: 'rules' }, ruleLinks(row.rules)) : null,
        row.changed ? changes.get(row) : element('span', { class: 'muted' }, 'changed nothing'),
        effect ? element('div', { class: 'effect' }, effect) : null,
      ),
    );
  });
  $('#timeline').replaceChildren(...(rows.length ? rows : [element('tr', { class: 'empty' }, element('td', { colspan: 5 }, 'no events yet'))]));
  const notes = [timeline.page?.nextBefore ? `the newest ${timeline.rows.length} of ${timeline.page.total} entries` : `${timeline.rows.length} entries`];
  if (!timeline.replayMatchesStore) notes.push('⚠ the replay of this log does not match the stored state');
  if (timeline.truncated) notes.push('the log is longer than the service replays at once');
  $('#timeline-note').textContent = notes.join(' · ');

  // Call ids for the form: calls started, newest first.
  const callIds = [...new Set(timeline.rows.filter((r) => r.kind === 'event' && r.event.type === 'CALL_STARTED').map((r) => r.event.callId).reverse())];
  $('#call-ids').replaceChildren(...callIds.map((id) => element('option', { value: id })));
  page.lastCallId = callIds[0];
}

function renderRelationships(list) {
  const items = list.map(({ sender, user, state }) =>
    element(
      'li',
      {},
      element(
        'a',
        { href: `?sender=${sender}&user=${user}`, class: sender === page.sender && user === page.user ? 'current' : '', dataset: { sender, user } },
        element('span', { class: 'numbers' }, `${sender} ↔ ${user}`),
        stateChip(state),
      ),
    ),
  );
  $('#relationship-list').replaceChildren(...(items.length ? items : [element('li', { class: 'muted' }, 'none yet')]));
}

// ---------------------------------------------------------------- loading

async function refreshHealth() {
  const { ok, data } = await api('GET', '/health');
  if (ok || data.clock) renderHealth(data);
}

async function refreshList() {
  const { ok, data } = await api('GET', '/v1/relationships?limit=50');
  if (ok) renderRelationships(data.relationships);
}

/** Loads the timeline of the relationship on screen; an answer overtaken by a newer request is dropped. */
async function refreshRelationship() {
  if (!page.sender || !page.user) return;
  const generation = ++page.generation;
  const [{ ok, data }, sender] = await Promise.all([api('GET', relationshipPath('timeline')), api('GET', `/v1/senders/${encodeURIComponent(page.sender)}`)]);
  if (generation !== page.generation) return;
  if (!ok) {
    showResult(`${data.error?.path ?? ''}: ${data.error?.message ?? 'could not load'}`, 'error');
    return;
  }
  page.timeline = data;
  // The service normalises the numbers (`+44 113…` → `44113…`): the change feed names them so.
  if (data.sender !== page.sender || data.user !== page.user) open(data.sender, data.user, false);
  renderSummary(data);
  highlightState(data.now.stateNow);
  renderCounters(data);
  renderView(data);
  if (sender.ok) renderSender(sender.data);
  renderTimeline(data);
  document.body.dataset.loaded = String(generation);
}

async function loadStatechart() {
  const response = await fetch('/v1/statechart/compact.svg');
  $('#statechart').innerHTML = await response.text();
  if (page.timeline) highlightState(page.timeline.now.stateNow);
}

function open(sender, user, load = true) {
  page.sender = sender.trim();
  page.user = user.trim();
  $('#sender').value = page.sender;
  $('#user').value = page.user;
  const query = `?sender=${encodeURIComponent(page.sender)}&user=${encodeURIComponent(page.user)}`;
  if (location.search !== query) history.replaceState(null, '', query);
  for (const link of document.querySelectorAll('#relationship-list a')) link.classList.toggle('current', link.dataset.sender === page.sender && link.dataset.user === page.user);
  if (!load) return Promise.resolve();
  showResult('');
  return refreshRelationship();
}

// ---------------------------------------------------------------- acting

async function command(path, label) {
  const { ok, status, data } = await api('POST', relationshipPath(path));
  if (ok) showResult(`${label}: ${data.outcome}${data.via ? ` as ${data.via}` : ''} (${data.requestId ?? data.callId})`, 'ok');
  else if (status === 409 && data.refusal) showResult(`${label} refused by ${data.refusal.rule}: ${data.refusal.reason}`, 'error');
  else showResult(`${label}: ${data.error?.message ?? status}`, 'error');
  await Promise.all([refreshRelationship(), refreshList()]);
}

/** The test event the form describes; `at` left out means the service clock. */
function formEvent(form) {
  const fields = new FormData(form);
  const type = fields.get('type');
  const event = { type };
  const at = String(fields.get('at') ?? '').trim();
  if (at) event.at = at;
  const callId = String(fields.get('callId') ?? '').trim();
  if (['CALL_CONNECTED', 'CALL_UNANSWERED', 'CALL_FAILED'].includes(type)) event.callId = callId || page.lastCallId || '';
  if (['USER_CALL_RECEIVED', 'USER_CALL_CONNECTED'].includes(type)) event.callId = callId || `user-call-${Date.now().toString(36)}`;
  if (type === 'CALL_UNANSWERED') event.reason = fields.get('unansweredReason');
  if (type === 'CALL_FAILED') event.reason = fields.get('failedReason');
  if (type === 'PERMISSION_ACCEPTED' && fields.get('grant')) event.permanent = fields.get('grant') === 'permanent';
  return event;
}

/** Shows only the form fields the chosen event type has. */
function showEventFields() {
  const type = $('#event-type').value;
  const wanted = {
    grant: type === 'PERMISSION_ACCEPTED',
    callId: type.startsWith('CALL_') || type.startsWith('USER_CALL_'),
    unansweredReason: type === 'CALL_UNANSWERED',
    failedReason: type === 'CALL_FAILED',
  };
  for (const [field, shown] of Object.entries(wanted)) $(`[data-field="${field}"]`).hidden = !shown;
}

async function sendEvent(submit) {
  submit.preventDefault();
  if (!page.sender) return showResult('open a relationship first', 'error');
  const event = formEvent(submit.target);
  const { ok, data } = await api('POST', relationshipPath('events'), event);
  if (ok) showResult(`${event.type}: ${data.previousState} → ${data.state}${data.changed ? '' : ' (changed nothing)'}`, 'ok');
  else showResult(`${data.error?.path ?? ''}: ${data.error?.message ?? 'refused'}`, 'error');
  await Promise.all([refreshRelationship(), refreshList()]);
}

async function advanceClock(advance) {
  const { ok, data } = await api('POST', '/v1/clock', { advance });
  if (ok) showResult(`clock +${humanDuration(advance)}: ${when(data.now)}${data.relationshipsMoved ? `, ${data.relationshipsMoved} relationship(s) moved on` : ''}`, 'ok');
  else showResult(data.error?.message ?? 'the clock did not move', 'error');
  await Promise.all([refreshHealth(), refreshRelationship(), refreshList()]);
}

// ---------------------------------------------------------------- live updates

function listen() {
  const badge = $('#live-badge');
  const feed = new EventSource('/v1/changes');
  feed.onopen = () => {
    badge.textContent = 'live';
    badge.className = 'badge on';
  };
  feed.onerror = () => {
    badge.textContent = 'reconnecting…';
    badge.className = 'badge off';
  };
  feed.onmessage = (message) => {
    const change = JSON.parse(message.data);
    if (change.type === 'clock') {
      void refreshHealth();
      void refreshRelationship();
    } else if (change.sender === page.sender && change.user === page.user) void refreshRelationship();
    void refreshList();
  };
}

// ---------------------------------------------------------------- start

async function start() {
  $('#open-form').addEventListener('submit', (submit) => {
    submit.preventDefault();
    void open($('#sender').value, $('#user').value).then(refreshList);
  });
  $('#relationship-list').addEventListener('click', (click) => {
    const link = click.target.closest('a[data-sender]');
    if (!link) return;
    click.preventDefault();
    void open(link.dataset.sender, link.dataset.user);
  });
  const needsRelationship = (act) => () => (page.sender ? act() : showResult('open a relationship first', 'error'));
  $('#request-button').addEventListener('click', needsRelationship(() => command('permission-requests', 'Permission request')));
  $('#call-button').addEventListener('click', needsRelationship(() => command('calls', 'Call')));
  $('#event-type').addEventListener('change', showEventFields);
  $('#event-form').addEventListener('submit', sendEvent);
  for (const button of document.querySelectorAll('[data-advance]')) button.addEventListener('click', () => advanceClock(button.dataset.advance));
  showEventFields();

  await signIn();
  await refreshHealth();
  void loadStatechart();
  const { data } = await api('GET', '/v1/relationships?limit=50');
  const list = data.relationships ?? [];
  renderRelationships(list);
  const query = new URLSearchParams(location.search);
  if (query.get('sender') && query.get('user')) await open(query.get('sender'), query.get('user'));
  else if (list.length) await open(list[0].sender, list[0].user);
  // A first visit opens the example pair: its state, decisions and empty timeline, ready to act on.
  else await open($('#sender').placeholder, $('#user').placeholder);
  listen();
  document.body.dataset.ready = 'true';
}

void start();
