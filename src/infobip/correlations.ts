/** Which way a call went: placed by the business (`OUTBOUND`) or by the user (`INBOUND`). */
export type CallDirection = NonNullable<Correlation['direction']>;

/** The relationship a platform id belongs to, as the sender of a send or call remembers it. */
export interface Correlation {
  readonly sender: string;
  readonly user: string;
  /** Which way the call went: placed by the business (`OUTBOUND`) or by the user (`INBOUND`). */
  readonly direction?: 'OUTBOUND' | 'INBOUND';
  /** Our own id of the call (`externalId`) when the platform gave it another. */
  readonly ourId?: string;
}

/**
 * Where the integration remembers, by Infobip's id, which sender↔user a call or message belongs
 * to, for webhooks whose body does not say (a `CALL_FINISHED` without `properties.call`, a delivery
 * report). Call events that do carry the numbers need no entry. Share one directory between the
 * effects and the webhook handler; with several processes, back it with shared storage or rely
 * on the numbers in the payload.
 */
export interface CorrelationDirectory {
  get(kind: 'call' | 'message', platformId: string): Correlation | undefined | Promise<Correlation | undefined>;
  set(kind: 'call' | 'message', platformId: string, correlation: Correlation): void | Promise<void>;
}

/**
 * The in-process directory: a bounded map that forgets the oldest entries first. Enough for one
 * process; a call's events arrive within minutes of its placement.
 */
export class MemoryCorrelationDirectory implements CorrelationDirectory {
  readonly #entries = new Map<string, Correlation>();
  readonly #limit: number;

  constructor(options: { readonly maxEntries?: number } = {}) {
    this.#limit = options.maxEntries ?? 100_000;
  }

  get(kind: 'call' | 'message', platformId: string): Correlation | undefined {
    return this.#entries.get(`${kind}:${platformId}`);
  }

  set(kind: 'call' | 'message', platformId: string, correlation: Correlation): void {
    const key = `${kind}:${platformId}`;
    this.#entries.delete(key);
    if (this.#entries.size >= this.#limit) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(key, correlation);
  }

  get size(): number {
    return this.#entries.size;
  }
}
