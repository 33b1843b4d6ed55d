/**
 * One engine process of the multi-process sender test: calls random users of one sender over the
 * shared PostgreSQL store until S1 stops it (or its time is up), ending each placed call soon after
 * (failed, or connected then hung up). Every effect is written to stdout as a JSON line — the start
 * when the effect runs, the end *before* it is recorded — so the logged intervals lie inside the
 * ones the engine reserved, and any overlap the parent counts did happen.
 */
import pg from 'pg';
import { createCallPermissionEngine, definePolicy } from '../../../src/index.js';
import { createPostgresStore } from '../../../src/stores/postgres/index.js';

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};
const sender = env('WCP_SENDER');
const users = env('WCP_USERS').split(',');
const deadline = Date.now() + Number(env('WCP_BUDGET_MS'));
const policy = definePolicy(JSON.parse(env('WCP_POLICY')) as object);
const pool = new pg.Pool({ connectionString: env('DATABASE_URL'), max: 4 });
const store = createPostgresStore({ client: pool, table: env('WCP_TABLE') });
const log = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);

const engine = createCallPermissionEngine({
  store,
  policy,
  senderShards: Number(env('WCP_SHARDS')),
  maxConflictRetries: 64,
  effects: {
    async sendPermissionRequest() {},
    async startCall({ user, callId }) {
      log({ kind: 'start', user, callId, at: Date.now() });
    },
  },
});

const refused: Record<string, number> = {};
let quietS1 = 0;
async function loop() {
  while (Date.now() < deadline && quietS1 < 40) {
    const user = users[Math.floor(Math.random() * users.length)]!;
    const result = await engine.startCall(sender, user);
    if (result.outcome === 'refused') {
      refused[result.refusal.rule] = (refused[result.refusal.rule] ?? 0) + 1;
      quietS1 = result.refusal.rule === 'S1' ? quietS1 + 1 : 0;
      await new Promise((r) => setTimeout(r, 2));
      continue;
    }
    quietS1 = 0;
    await new Promise((r) => setTimeout(r, Math.random() * 15));
    log({ kind: 'end', callId: result.callId, at: Date.now() });
    if (Math.random() < 0.5) await engine.record(sender, user, { type: 'CALL_FAILED', at: Date.now(), callId: result.callId, reason: 'SERVICE_UNAVAILABLE' });
    else {
      await engine.record(sender, user, { type: 'CALL_CONNECTED', at: Date.now(), callId: result.callId });
      await engine.recordSender(sender, { type: 'CALL_ENDED', at: Date.now(), callId: result.callId, user });
    }
  }
}

try {
  await Promise.all([loop(), loop(), loop(), loop()]);
  log({ kind: 'done', refused });
} finally {
  await pool.end();
}
