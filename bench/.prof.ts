import { PGlite } from '@electric-sql/pglite';
import { createCallPermissionEngine, MemoryStore, POLICY_PRESETS, type RelationshipStore, type SaveRequest } from '../src/index.js';
import { createPostgresStore } from '../src/stores/postgres/index.js';
import { createWorkload } from './workload.js';
const policy = POLICY_PRESETS.infobip;
const w = createWorkload(policy, 20);
const db = await PGlite.create();
const store = createPostgresStore({ client: db, table: 'p1' }); await store.migrate();
const store2 = createPostgresStore({ client: db, table: 'p2' }); await store2.migrate();
let tl = 0, ts = 0, nl = 0, ns = 0;
const timed: RelationshipStore = {
  async load(k) { const t = performance.now(); const r = await store.load(k); tl += performance.now() - t; nl++; return r; },
  async save(r) { const t = performance.now(); const x = await store.save(r); ts += performance.now() - t; ns++; return x; },
};
const engine = createCallPermissionEngine({ store: timed, policy });
const fk = (e: any) => ['REQUEST_SENT', 'REQUEST_FAILED', 'CALL_STARTED', 'CALL_ID_ASSIGNED', 'CLOCK'].includes(e.type) ? undefined : `${e.type}:${e.callId ?? e.requestId ?? e.at}`;
const saves: (SaveRequest|undefined)[] = [];
let t0 = performance.now();
for (const { timeline, event } of w.stream) { const { sender, user } = w.timelines[timeline]!; const k = fk(event); await engine.record(sender, user, event, k ? { factKey: k } : undefined); }
const total = performance.now() - t0;
console.log({ facts: w.stream.length, total, tl, ts, other: total - tl - ts, nl, ns, perFactOther: (total - tl - ts) / w.stream.length });
// raw via store2 directly (store object)
let t1 = performance.now(); let rl = 0, rs = 0;
const mem = new MemoryStore(); let last: SaveRequest | undefined;
const eng2 = createCallPermissionEngine({ store: { load: (k) => mem.load(k), save: (r) => ((last = r), mem.save(r)) }, policy });
const steps: any[] = [];
for (const { timeline, event } of w.stream) { const { sender, user } = w.timelines[timeline]!; const k = fk(event); last = undefined; await eng2.record(sender, user, event, k ? { factKey: k } : undefined); steps.push({ key: { sender, user }, write: last }); }
t1 = performance.now();
for (const s of steps) { let t = performance.now(); await store2.load(s.key); rl += performance.now() - t; if (s.write) { t = performance.now(); await store2.save(s.write); rs += performance.now() - t; } }
console.log({ rawTotal: performance.now() - t1, rl, rs });
