import type { PermissionRequestCommand, StartCallCommand } from '../engine/effects.js';
import { InfobipConfigError } from './errors.js';
import { findPlatformCode, type PlatformCodeCarrier } from './platformCodes.js';

export interface InfobipConfig {
  /** `https://{yours}.api.infobip.com`. */
  readonly baseUrl: string;
  /** Sent as `Authorization: App <apiKey>`. */
  readonly apiKey: string;
  /** Each HTTP attempt (response body included) is aborted after this long. Default 10 s. */
  readonly timeoutMs?: number;
  /** Extra attempts after a 429 or 5xx (and, for sends and reads, a timeout or network error). Default 2. */
  readonly retries?: number;
  /** Exponential backoff between retries of a 429 or 5xx when Infobip sends no `Retry-After`. */
  readonly backoff?: {
    /** The first wait. Default 250 ms. */
    readonly initialMs?: number;
    /** No wait longer than this. Default 5 s. */
    readonly maxMs?: number;
    /** Each wait is this many times the previous. Default 2. */
    readonly factor?: number;
    /** Wait a random time between half and all of the computed wait (spreads retries). Default true. */
    readonly jitter?: boolean;
  };
  /** A `Retry-After` longer than this is not waited for: the error is returned instead. Default 60 s. */
  readonly maxRetryAfterMs?: number;
  /** The permission-request template sent outside the 24 h window (R3): registered with `structure.callPermissionRequest: {}`. */
  readonly template: {
    /** `content.templateName`. */
    readonly name: string;
    /** `content.language`, e.g. `en` or `en_GB`. */
    readonly language: string;
    /** `content.templateData.body.placeholders`: fixed, or computed per request. Default none. */
    readonly placeholders?: readonly string[] | ((command: PermissionRequestCommand) => readonly string[]);
  };
  /** `callsConfigurationId` of `POST /calls/1/calls`. */
  readonly callsConfigurationId: string;
  /** `connectTimeout` of `POST /calls/1/calls` (seconds), when set. */
  readonly connectTimeout?: number;
  /** `notifyUrl` on every send (where Infobip posts delivery reports), when set. */
  readonly notifyUrl?: string;
  /** `callbackData` on every send, when it returns a string. */
  readonly callbackData?: (command: PermissionRequestCommand) => string | undefined;
  /** `customData` on every call, when it returns a map. */
  readonly customData?: (command: StartCallCommand) => Readonly<Record<string, string>> | undefined;
  /**
   * The field of `POST /calls/1/calls`'s answer that holds Infobip's call id (the id later call
   * events name). Not confirmed by Infobip's public clients; default `id`, then `callId`.
   */
  readonly callIdFields?: readonly string[];
  /**
   * Where Meta's error code sits in an Infobip error (not confirmed anywhere public). Default: the
   * first six-digit code of the table found in any field ({@link findPlatformCode}).
   */
  readonly platformCodeOf?: (carrier: PlatformCodeCarrier) => number | undefined;
  /** Default: the platform's `fetch`. Inject one to add tracing or to test. */
  readonly fetch?: typeof fetch;
  /** Default: `setTimeout`. Inject one to test backoff without waiting. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The config with every default filled in and every value checked. */
export interface ResolvedInfobipConfig extends Required<Omit<InfobipConfig, 'backoff' | 'connectTimeout' | 'notifyUrl' | 'callbackData' | 'customData'>> {
  readonly backoff: Required<NonNullable<InfobipConfig['backoff']>>;
  readonly connectTimeout: number | undefined;
  readonly notifyUrl: string | undefined;
  readonly callbackData: InfobipConfig['callbackData'];
  readonly customData: InfobipConfig['customData'];
}

// The package's own names for parts of the config.
export type InfobipTemplateConfig = InfobipConfig['template'];
export type InfobipBackoff = Required<NonNullable<InfobipConfig['backoff']>>;

const DEFAULT_BACKOFF: InfobipBackoff = { initialMs: 250, maxMs: 5_000, factor: 2, jitter: true };

function positive(value: number | undefined, fallback: number, path: string, max = Number.MAX_SAFE_INTEGER): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > max) throw new InfobipConfigError(`must be a number > 0 and ≤ ${max}, got ${String(v)}`, path);
  return v;
}

function text(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new InfobipConfigError('must be a non-empty string', path);
  return value;
}

/** Checks a config and fills in the defaults; a nonsense value is an {@link InfobipConfigError} naming it. */
export function resolveInfobipConfig(config: InfobipConfig): ResolvedInfobipConfig {
  if (config === null || typeof config !== 'object') throw new InfobipConfigError('must be an object', 'config');
  let base: URL;
  try {
    base = new URL(text(config.baseUrl, 'config.baseUrl'));
  } catch (error) {
    if (error instanceof InfobipConfigError) throw error;
    throw new InfobipConfigError(`is not a URL: ${JSON.stringify(config.baseUrl)}`, 'config.baseUrl');
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new InfobipConfigError('must be an http(s) URL', 'config.baseUrl');
  const retries = config.retries ?? 2;
  if (!Number.isSafeInteger(retries) || retries < 0 || retries > 10) throw new InfobipConfigError(`must be a whole number 0–10, got ${String(retries)}`, 'config.retries');
  const backoff = { ...DEFAULT_BACKOFF, ...config.backoff };
  positive(backoff.initialMs, 1, 'config.backoff.initialMs');
  positive(backoff.maxMs, 1, 'config.backoff.maxMs');
  if (typeof backoff.factor !== 'number' || !(backoff.factor >= 1)) throw new InfobipConfigError('must be a number ≥ 1', 'config.backoff.factor');
  if (typeof backoff.jitter !== 'boolean') throw new InfobipConfigError('must be a boolean', 'config.backoff.jitter');
  const template = config.template;
  if (template === null || typeof template !== 'object') throw new InfobipConfigError('must be { name, language, placeholders? }', 'config.template');
  text(template.name, 'config.template.name');
  text(template.language, 'config.template.language');
  if (template.placeholders !== undefined && typeof template.placeholders !== 'function') {
    if (!Array.isArray(template.placeholders) || template.placeholders.some((p) => typeof p !== 'string'))
      throw new InfobipConfigError('must be an array of strings or a function returning one', 'config.template.placeholders');
  }
  const fetchImpl = config.fetch ?? (typeof fetch === 'function' ? fetch : undefined);
  if (typeof fetchImpl !== 'function') throw new InfobipConfigError('no fetch in this runtime: pass one', 'config.fetch');
  if (config.connectTimeout !== undefined) positive(config.connectTimeout, 1, 'config.connectTimeout');
  if (config.notifyUrl !== undefined) text(config.notifyUrl, 'config.notifyUrl');
  const callIdFields = config.callIdFields ?? ['id', 'callId'];
  if (!Array.isArray(callIdFields) || callIdFields.length === 0 || callIdFields.some((f) => typeof f !== 'string' || f === ''))
    throw new InfobipConfigError('must be a non-empty array of field names', 'config.callIdFields');
  const resolved: ResolvedInfobipConfig = Object.freeze({
    baseUrl: base.href.replace(/\/+$/, ''),
    apiKey: text(config.apiKey, 'config.apiKey'),
    timeoutMs: positive(config.timeoutMs, 10_000, 'config.timeoutMs', 600_000),
    retries,
    backoff,
    maxRetryAfterMs: positive(config.maxRetryAfterMs, 60_000, 'config.maxRetryAfterMs'),
    template,
    callsConfigurationId: text(config.callsConfigurationId, 'config.callsConfigurationId'),
    connectTimeout: config.connectTimeout,
    notifyUrl: config.notifyUrl,
    callbackData: config.callbackData,
    customData: config.customData,
    callIdFields,
    platformCodeOf: config.platformCodeOf ?? findPlatformCode,
    fetch: fetchImpl.bind(globalThis),
    sleep: config.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))),
  });
  resolvedConfigs.add(resolved);
  return resolved;
}

const resolvedConfigs = new WeakSet<object>();

/** Whether this object came from {@link resolveInfobipConfig} (and so needs no second check). */
export function isResolvedInfobipConfig(config: object): config is ResolvedInfobipConfig {
  return resolvedConfigs.has(config);
}
