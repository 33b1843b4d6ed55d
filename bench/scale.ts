/**
 * `npm run bench -- --scale`: `engine.record` over a MemoryStore against the hand-written baseline
 * + Map, with 1k, 10k, 100k and 1M relationships live at once, so that whatever the engine keeps
 * per relationship (decoded snapshots, the due index, fact keys) is exercised at the size it has
 * in production, not at the size of a cache.
 *
 * The workload's timelines are templates: relationship i lives the facts of timeline i mod T (its
 * own numbers), and the stream visits the relationships in a scrambled order, one fact each per
 * wave, so consecutive facts hit relationships far apart in memory. When a relationship has lived
 * its template, it lives it again, shifted later (a second cycle), so small sizes never run dry.
 * Facts are cut into chunks before they are timed: only the record calls are on the clock.
 *
 * Both sides consume the same deterministic stream. After timing, the one behind is brought level
 * with the other, and every relationship is compared: the same state, the same permissions view
 * (as JSON) at its clock and a minute later, and the same number of duplicate facts.
 */
import { createCallPermissionEngine, getPermissions, MemoryStore, type Policy, type RelationshipEvent } from '../src/index.js';
import { createBaseline } from './baseline.js';
import { createBaselineService } from './baseline-service.js';
import { sink } from './measure.js';
import { factKeyOf, type Workload } from './workload.js';

export interface ScaleOptions {
  readonly samples: number;
  readonly minSampleMs: number;
  readonly warmupMs: number;
}

export interface ScaleRow {
  readonly relationships: number;
  /** Facts per second, medians of interleaved samples. */
  readonly engine: number;
  readonly baseline: number;
  readonly facts: number;
  readonly heapMB: number;
  readonly agreement: string;
}

interface Chunk {
  readonly relationship: Int32Array;
  readonly events: RelationshipEvent[];
  readonly keys: (string | undefined)[];
  length: number;
}

const CHUNK = 16_384;
const DAY = 86_400_000;

/** A deterministic walk over (cycle, wave, relationship); `fill` writes the next facts into a chunk. */
function createStream(workload: Workload, relationships: number) {
  const templates = workload.timelines;
  const longest = Math.max(...templates.map((t) => t.events.length));
  let span = 0;
  for (const t of templates) span = Math.max(span, t.events[t.events.length - 1]!.at - t.events[0]!.at);
  const cycleShift = Math.ceil((span + 30 * DAY) / DAY) * DAY;
  // A stride coprime with the size scrambles the order (sizes here are powers of ten).
  const stride = relationships > 1 ? 1_000_003 % relationships || 1 : 1;
  const cycles: { events: RelationshipEvent[]; keys: (string | undefined)[] }[][] = [];
  const cycle = (c: number) =>
    (cycles[c] ??= templates.map((t) => {
      const events = c === 0 ? [...t.events] : t.events.map((e) => shifted(e, c * cycleShift));
      return { events, keys: t.events.map((e) => (e.type === 'CLOCK' ? undefined : factKeyOf(e, c))) };
    }));
  let position = { cycle: 0, wave: 0, k: 0 };
  let consumed = 0;

  function fill(chunk: Chunk, max: number): void {
    let { cycle: c, wave, k } = position;
    let n = 0;
    let current = cycle(c);
    while (n < max) {
      const r = (k * stride) % relationships;
      const template = current[r % templates.length]!;
      if (wave < template.events.length) {
        chunk.relationship[n] = r;
        chunk.events[n] = template.events[wave]!;
        chunk.keys[n] = template.keys[wave];
        n++;
      }
      if (++k === relationships) {
        k = 0;
        if (++wave === longest) {
          wave = 0;
          current = cycle(++c);
        }
      }
    }
    chunk.length = n;
    consumed += n;
    position = { cycle: c, wave, k };
  }
  return { fill, consumed: () => consumed };
}

/** The fact moved later by `by` ms, with every time it carries. */
function shifted(event: RelationshipEvent, by: number): RelationshipEvent {
  const moved = { ...event, at: event.at + by } as RelationshipEvent & { expiresAt?: number | null };
  if (typeof moved.expiresAt === 'number') moved.expiresAt += by;
  return moved;
}

function newChunk(): Chunk {
  return { relationship: new Int32Array(CHUNK), events: new Array(CHUNK), keys: new Array(CHUNK), length: 0 };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** One side: its own state and its own position in the stream. */
interface Side {
  readonly stream: ReturnType<typeof createStream>;
  readonly chunk: Chunk;
  /** Records the chunk; returns nothing, counts into `changed`/`duplicates`. */
  run(chunk: Chunk): Promise<void> | void;
  changed: number;
  duplicates: number;
}

async function timed(side: Side, facts: number): Promise<number> {
  let elapsed = 0;
  let left = facts;
  while (left > 0) {
    side.stream.fill(side.chunk, Math.min(CHUNK, left));
    left -= side.chunk.length;
    const began = performance.now();
    await side.run(side.chunk);
    elapsed += performance.now() - began;
  }
  return elapsed;
}

/** Runs the side for at least `ms` of timed work; facts per second. */
async function sample(side: Side, ms: number): Promise<number> {
  let elapsed = 0;
  let facts = 0;
  while (elapsed < ms) {
    side.stream.fill(side.chunk, CHUNK);
    const began = performance.now();
    await side.run(side.chunk);
    elapsed += performance.now() - began;
    facts += side.chunk.length;
  }
  return (facts * 1000) / elapsed;
}

export async function scaleRow(workload: Workload, policy: Policy, relationships: number, options: ScaleOptions): Promise<ScaleRow> {
  const senders: string[] = new Array(relationships);
  const users: string[] = new Array(relationships);
  for (let i = 0; i < relationships; i++) {
    senders[i] = workload.timelines[i % workload.timelines.length]!.sender;
    users[i] = String(447_700_000_000 + i * 7);
  }
  const engine = createCallPermissionEngine({ store: new MemoryStore(), policy });
  const engineSide: Side = {
    stream: createStream(workload, relationships),
    chunk: newChunk(),
    changed: 0,
    duplicates: 0,
    async run({ relationship, events, keys, length }) {
      for (let i = 0; i < length; i++) {
        const r = relationship[i]!;
        const factKey = keys[i];
        const result = await engine.record(senders[r]!, users[r]!, events[i]!, factKey === undefined ? undefined : { factKey });
        if (result.changed) this.changed++;
        if (result.duplicate) this.duplicates++;
      }
    },
  };
  const baseline = createBaseline(policy);
  const service = createBaselineService(baseline);
  const baselineSide: Side = {
    stream: createStream(workload, relationships),
    chunk: newChunk(),
    changed: 0,
    duplicates: 0,
    async run({ relationship, events, keys, length }) {
      for (let i = 0; i < length; i++) {
        const r = relationship[i]!;
        const result = await service.recordAsync(senders[r]!, users[r]!, events[i]!, keys[i]);
        if (result.changed) this.changed++;
        if (result.duplicate) this.duplicates++;
      }
    },
  };

  // Every relationship exists before anything is timed; then a warm-up, then interleaved samples.
  for (const side of [engineSide, baselineSide]) {
    await timed(side, relationships);
    await sample(side, options.warmupMs);
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < options.samples; i++) {
    a.push(await sample(engineSide, options.minSampleMs));
    b.push(await sample(baselineSide, options.minSampleMs));
  }
  const heapMB = process.memoryUsage().heapUsed / 1e6;

  // Agreement, on every relationship, at the same point of the stream.
  const [behind, ahead] = engineSide.stream.consumed() < baselineSide.stream.consumed() ? [engineSide, baselineSide] : [baselineSide, engineSide];
  await timed(behind, ahead.stream.consumed() - behind.stream.consumed());
  const mismatches: string[] = [];
  // (`changed` is not compared: the baseline counts a fact that only moves the clock as a change.)
  if (engineSide.duplicates !== baselineSide.duplicates) mismatches.push(`duplicates: engine ${engineSide.duplicates}, baseline ${baselineSide.duplicates}`);
  for (let r = 0; r < relationships && mismatches.length < 5; r++) {
    const snapshot = await engine.snapshot(senders[r]!, users[r]!);
    const reduced = service.relationship(senders[r]!, users[r]!);
    if (!snapshot || !reduced) {
      if (snapshot || reduced) mismatches.push(`relationship ${r}: stored on one side only`);
      continue;
    }
    if (snapshot.value !== reduced.state) mismatches.push(`relationship ${r}: engine ${snapshot.value}, baseline ${reduced.state}`);
    for (const at of [snapshot.context.now, snapshot.context.now + 60_000]) {
      const mine = JSON.stringify(getPermissions(snapshot, at));
      const theirs = JSON.stringify(baseline.permissions(reduced, at));
      if (mine !== theirs) mismatches.push(`relationship ${r} view at ${at}:\n  engine   ${mine}\n  baseline ${theirs}`);
    }
  }
  sink.value += engineSide.changed + baselineSide.changed;
  if (mismatches.length) throw new Error(`scale ${relationships}: the engine and the baseline disagree:\n${mismatches.join('\n')}`);
  return {
    relationships,
    engine: median(a),
    baseline: median(b),
    facts: engineSide.stream.consumed(),
    heapMB,
    agreement: `OK: ${relationships.toLocaleString('en')} relationships compared after ${engineSide.stream.consumed().toLocaleString('en')} facts each side (${engineSide.duplicates.toLocaleString('en')} duplicates)`,
  };
}
