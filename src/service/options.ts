/// <reference types="node" />
import { readFileSync } from 'node:fs';
import { parseTime, POLICY_PRESETS, type PolicyPresetName } from '../index.js';
import type { InfobipConfig, WebhookAuth } from '../infobip/index.js';
import type { ApiTokenSetting } from './apiToken.js';
import { ServiceConfigError } from './errors.js';
import { parseAllowedHosts } from './requestGuard.js';


export interface ServiceOptions {
  /** TCP port. Default 8080; `0` picks a free one (the returned `url` says which). */
  readonly port?: number;
  /** The address to listen on. Default `127.0.0.1`; any other than loopback needs `apiToken`. */
  readonly host?: string;
  /** Host names (`wacp.example.com`, `name:port`) the service answers to besides IP addresses and `localhost` (DNS rebinding). */
  readonly allowedHosts?: readonly string[];
  /**
   * The API token (32+ random characters), or its SHA-256 as `{ sha256 }`: required on `/v1` and
   * `/metrics` when given, and needed whenever the service is not a dry run on loopback.
   */
  readonly apiToken?: string | { readonly sha256: string };
  /** Where the embedded PGlite database lives. Default `./.wacp-data`. Ignored with `databaseUrl`. */
  readonly dataDir?: string;
  /** A PostgreSQL connection string: the relationships and the event log live there instead of PGlite. */
  readonly databaseUrl?: string;
  /** `real` (default) or `virtual` (moved by `POST /v1/clock`). */
  readonly clock?: 'real' | 'virtual';
  /** The virtual clock's first time, epoch ms (default: now). A data directory that has a virtual time already keeps it. */
  readonly clockStart?: number;
  /** Default `infobip`. */
  readonly policy?: PolicyPresetName;
  /** Infobip's account: requests and calls really go out. Without it, a dry run records what would be sent. */
  readonly infobip?: Pick<InfobipConfig, 'baseUrl' | 'apiKey' | 'template' | 'callsConfigurationId'> & Partial<InfobipConfig>;
  /** How Infobip's webhooks authenticate. Required with `infobip`; default in a dry run: none (loopback only). */
  readonly webhookAuth?: WebhookAuth;
  /** Real clock: how often relationships due to change by the clock alone are moved on. Default 1 s. */
  readonly sweepIntervalMs?: number;
  /** Where one JSON line per request goes (pino): method, route, status, ms, relationship. `npm start`: stdout. Default: nowhere. */
  readonly requestLog?: { write(line: string): unknown };
  /** Where the service says what it does (start-up, errors). Default: nothing. */
  readonly log?: (line: string) => void;
}

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_DATA_DIR = './.wacp-data';

/** Environment variables (or flags merged into them by {@link mergeServeArgs}), by name. */
export type ServiceEnv = Readonly<Record<string, string | undefined>>;

/** `--flag value` / `--flag=value` pairs the service understands, and where each lands. */
const FLAGS = {
  '--port': 'PORT',
  '--host': 'WACP_HOST',
  '--allowed-hosts': 'WACP_ALLOWED_HOSTS',
  '--data-dir': 'WACP_DATA_DIR',
  '--clock': 'WACP_CLOCK',
  '--clock-start': 'WACP_CLOCK_START',
  '--policy': 'WACP_POLICY',
  '--database-url': 'DATABASE_URL',
} as const;

export const SERVE_USAGE = `Usage: wacp serve [--port N] [--host ADDRESS] [--data-dir DIR] [--clock real|virtual] [--clock-start ISO] [--policy NAME]

Starts the reference service on http://127.0.0.1:PORT with the inspector page at /.

Flags (each also an environment variable):
  --port N            PORT               default ${DEFAULT_PORT}
  --host ADDRESS      WACP_HOST          address to listen on, default ${DEFAULT_HOST}; another than loopback needs an API token
  --allowed-hosts A,B WACP_ALLOWED_HOSTS host names the service answers to besides IP addresses and localhost
  --data-dir DIR      WACP_DATA_DIR      embedded PGlite database, default ${DEFAULT_DATA_DIR}
  --database-url URL  DATABASE_URL       use this PostgreSQL server instead of PGlite
  --clock MODE        WACP_CLOCK         real (default) or virtual: POST /v1/clock {"advance":"P1D"} moves it
  --clock-start ISO   WACP_CLOCK_START   the virtual clock's first time (default: now)
  --policy NAME       WACP_POLICY        ${Object.keys(POLICY_PRESETS).join(' | ')} (default infobip)

Infobip (all of the first four, or none for a dry run that records what would be sent):
  INFOBIP_BASE_URL, INFOBIP_API_KEY, INFOBIP_TEMPLATE_NAME, INFOBIP_CALLS_CONFIGURATION_ID,
  INFOBIP_TEMPLATE_LANGUAGE (default en)
API token (required on /v1 and /metrics when set; needed with Infobip or a non-loopback --host), one of:
  WACP_API_TOKEN (32+ random characters), WACP_API_TOKEN_FILE (a file holding it),
  WACP_API_TOKEN_SHA256 (its SHA-256 in hex: the token itself never reaches this machine)
Operations:
  WACP_REQUEST_LOG    stdout (default): one JSON line per request; off: none
  GET /health, GET /ready, GET /metrics (Prometheus; with the API token when there is one)
Webhook authentication (required with Infobip or a non-loopback --host; optional in a local dry run):
  INFOBIP_WEBHOOK_USERNAME + INFOBIP_WEBHOOK_PASSWORD (basic), or
  INFOBIP_WEBHOOK_HEADER + INFOBIP_WEBHOOK_SECRET (a header holding a secret of 16+ characters)
`;

/** Command-line flags over the environment: flags win. `--help` is the caller's to handle. */
export function mergeServeArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Readonly<Record<string, string | undefined>> {
  const merged: Record<string, string | undefined> = { ...env };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const name = FLAGS[flag as keyof typeof FLAGS];
    if (!name) throw new ServiceConfigError(`unknown argument ${JSON.stringify(arg)} (known: ${Object.keys(FLAGS).join(', ')}, --help)`, `argv[${i}]`);
    const value = inline ?? argv[++i];
    if (value === undefined || value.startsWith('--')) throw new ServiceConfigError(`${flag} needs a value`, `argv[${i}]`);
    merged[name] = value;
  }
  // A data directory named on the command line is a choice of the embedded store: a DATABASE_URL
  // inherited from the environment must not silently win over it.
  const flagged = (name: string) => argv.some((arg) => arg === name || arg.startsWith(`${name}=`));
  if (flagged('--data-dir') && flagged('--database-url'))
    throw new ServiceConfigError('give --data-dir (embedded PGlite) or --database-url (a PostgreSQL server), not both', 'argv');
  if (flagged('--data-dir')) delete merged.DATABASE_URL;
  return merged;
}

/** The service's options from environment variables (the table of docs/service.md, "Settings"; `wacp serve --help`); a bad value names its variable. */
export function serviceOptionsFromEnv(env: Readonly<Record<string, string | undefined>>, log?: (line: string) => void): ServiceOptions {
  const options: { -readonly [K in keyof ServiceOptions]: ServiceOptions[K] } = {};
  const set = (name: string) => (env[name] !== undefined && env[name] !== '' ? env[name] : undefined);
  if (log) {
    options.log = log;
    // Started from the command line: one JSON line per request on stdout, unless WACP_REQUEST_LOG=off.
    const requestLog = set('WACP_REQUEST_LOG');
    if (requestLog !== undefined && requestLog !== 'off' && requestLog !== 'stdout') throw new ServiceConfigError(`must be "stdout" or "off", got ${JSON.stringify(requestLog)}`, 'WACP_REQUEST_LOG');
    if (requestLog !== 'off') options.requestLog = process.stdout;
  }

  const port = set('PORT');
  if (port !== undefined) {
    if (!/^\d{1,5}$/.test(port) || Number(port) > 65_535) throw new ServiceConfigError(`must be a port number 0–65535, got ${JSON.stringify(port)}`, 'PORT');
    options.port = Number(port);
  }
  const host = set('WACP_HOST');
  if (host !== undefined) options.host = host;
  const allowedHosts = set('WACP_ALLOWED_HOSTS');
  if (allowedHosts !== undefined) options.allowedHosts = parseAllowedHosts(allowedHosts, 'WACP_ALLOWED_HOSTS');
  const token = apiTokenFromEnv(set);
  if (token !== undefined) options.apiToken = token;
  const dataDir = set('WACP_DATA_DIR');
  if (dataDir !== undefined) options.dataDir = dataDir;
  const databaseUrl = set('DATABASE_URL');
  if (databaseUrl !== undefined) options.databaseUrl = databaseUrl;

  const clock = set('WACP_CLOCK');
  if (clock !== undefined) {
    if (clock !== 'real' && clock !== 'virtual') throw new ServiceConfigError(`must be "real" or "virtual", got ${JSON.stringify(clock)}`, 'WACP_CLOCK');
    options.clock = clock;
  }
  const clockStart = set('WACP_CLOCK_START');
  if (clockStart !== undefined) {
    try {
      options.clockStart = parseTime(clockStart, 'WACP_CLOCK_START');
    } catch (error) {
      throw new ServiceConfigError((error as Error).message.replace(/^WACP_CLOCK_START: /, ''), 'WACP_CLOCK_START');
    }
  }
  const policy = set('WACP_POLICY');
  if (policy !== undefined) {
    if (!(policy in POLICY_PRESETS)) throw new ServiceConfigError(`must be one of ${Object.keys(POLICY_PRESETS).join(', ')}, got ${JSON.stringify(policy)}`, 'WACP_POLICY');
    options.policy = policy as PolicyPresetName;
  }

  const infobipVars = ['INFOBIP_BASE_URL', 'INFOBIP_API_KEY', 'INFOBIP_TEMPLATE_NAME', 'INFOBIP_CALLS_CONFIGURATION_ID'] as const;
  const given = infobipVars.filter((name) => set(name) !== undefined);
  if (given.length > 0) {
    const missing = infobipVars.find((name) => set(name) === undefined);
    if (missing) throw new ServiceConfigError(`is needed with ${given.join(', ')} (or unset them all for a dry run)`, missing);
    options.infobip = {
      baseUrl: set('INFOBIP_BASE_URL')!,
      apiKey: set('INFOBIP_API_KEY')!,
      template: { name: set('INFOBIP_TEMPLATE_NAME')!, language: set('INFOBIP_TEMPLATE_LANGUAGE') ?? 'en' },
      callsConfigurationId: set('INFOBIP_CALLS_CONFIGURATION_ID')!,
    };
  }

  const [username, password, header, secret] = ['INFOBIP_WEBHOOK_USERNAME', 'INFOBIP_WEBHOOK_PASSWORD', 'INFOBIP_WEBHOOK_HEADER', 'INFOBIP_WEBHOOK_SECRET'].map(set);
  if ((username === undefined) !== (password === undefined))
    throw new ServiceConfigError('INFOBIP_WEBHOOK_USERNAME and INFOBIP_WEBHOOK_PASSWORD go together', username === undefined ? 'INFOBIP_WEBHOOK_USERNAME' : 'INFOBIP_WEBHOOK_PASSWORD');
  if ((header === undefined) !== (secret === undefined))
    throw new ServiceConfigError('INFOBIP_WEBHOOK_HEADER and INFOBIP_WEBHOOK_SECRET go together', header === undefined ? 'INFOBIP_WEBHOOK_HEADER' : 'INFOBIP_WEBHOOK_SECRET');
  if (username !== undefined && header !== undefined) throw new ServiceConfigError('choose basic credentials or a header secret, not both', 'INFOBIP_WEBHOOK_HEADER');
  if (username !== undefined) options.webhookAuth = { basic: { username, password: password! } };
  else if (header !== undefined) options.webhookAuth = { header, secret: secret! };
  return options;
}

/** One of WACP_API_TOKEN, WACP_API_TOKEN_FILE (its content, trimmed) and WACP_API_TOKEN_SHA256. */
function apiTokenFromEnv(set: (name: string) => string | undefined): ApiTokenSetting | undefined {
  const given = (['WACP_API_TOKEN', 'WACP_API_TOKEN_FILE', 'WACP_API_TOKEN_SHA256'] as const).filter((name) => set(name) !== undefined);
  if (given.length > 1) throw new ServiceConfigError(`give one of ${given.join(', ')}, not several`, given[1]!);
  const token = set('WACP_API_TOKEN');
  if (token !== undefined) return token;
  const digest = set('WACP_API_TOKEN_SHA256');
  if (digest !== undefined) return { sha256: digest };
  const file = set('WACP_API_TOKEN_FILE');
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new ServiceConfigError(`could not be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'WACP_API_TOKEN_FILE');
  }
}
