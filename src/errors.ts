/**
 * Every error the engine throws is a {@link CallPermissionError}: it carries a stable `code`
 * a program can branch on and, where the fault lies in input, the `path` of the offending field
 * (`event.at`, `policy.requestsPer24h`, `snapshot.context.calls[2]`).
 */
export class CallPermissionError extends Error {
  readonly code: string;
  readonly path: string | undefined;
  constructor(code: string, message: string, path?: string, options?: { cause?: unknown }) {
    super(path ? `${path}: ${message}` : message, options);
    this.name = new.target.name;
    this.code = code;
    this.path = path;
  }
}

/** A policy with nonsense numbers (zero requests, negative windows, prompt after revoke). */
export class InvalidPolicyError extends CallPermissionError {
  constructor(message: string, path: string) {
    super('INVALID_POLICY', message, path);
  }
}

/** An event that cannot be applied: unknown type, bad time, bad number, time far in the past. */
export class InvalidEventError extends CallPermissionError {
  constructor(message: string, path: string, code = 'INVALID_EVENT') {
    super(code, message, path);
  }
}

/**
 * `EVENT_IN_FUTURE`: a fact dated further ahead of the engine's clock than `policy.maxClockSkewMs`,
 * of a kind that could loosen a limit if its time were moved (see docs/semantics.md "Trusted time").
 * Nothing was recorded; deliver it again from `acceptableAt` on.
 */
export class EventInFutureError extends InvalidEventError {
  /** Epoch ms from which the same fact is within the bound. */
  readonly acceptableAt: number;
  constructor(message: string, acceptableAt: number) {
    super(message, 'event.at', 'EVENT_IN_FUTURE');
    this.acceptableAt = acceptableAt;
  }
}

/** A phone number that is not E.164 digits. */
export class InvalidPhoneNumberError extends CallPermissionError {
  constructor(message: string, path: string) {
    super('INVALID_PHONE_NUMBER', message, path);
  }
}

/** A stored snapshot that is malformed or of a schema version this build does not know. */
export class SnapshotError extends CallPermissionError {
  constructor(message: string, path: string, code = 'INVALID_SNAPSHOT') {
    super(code, message, path);
  }
}

/** The store kept answering "someone else wrote first" beyond the engine's retry budget. */
export class StoreConflictError extends CallPermissionError {
  constructor(message: string) {
    super('STORE_CONFLICT', message);
  }
}

/**
 * Thrown by an injected effect when it cannot tell whether the platform acted
 * (a timeout after the request left, a dropped connection, a 5xx after retries).
 * The engine then keeps the quota reserved: counting a request or call that may have
 * gone out is the only side that can never exceed a limit.
 */
export class EffectOutcomeUnknownError extends CallPermissionError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('EFFECT_OUTCOME_UNKNOWN', message, undefined, options);
  }
}

/** An injected effect failed; `reservationReleased` tells whether the quota was given back. */
export class EffectFailedError extends CallPermissionError {
  readonly reservationReleased: boolean;
  constructor(message: string, reservationReleased: boolean, cause: unknown) {
    super(reservationReleased ? 'EFFECT_FAILED' : 'EFFECT_OUTCOME_UNKNOWN', message, undefined, { cause });
    this.reservationReleased = reservationReleased;
  }
}

/**
 * A part of the package needs an optional peer dependency that is not installed (PGlite, `pg`,
 * Graphviz). The message names the part and the exact command to run; `install` is that command.
 */
export class MissingPeerDependencyError extends CallPermissionError {
  /** The package to install, e.g. `@electric-sql/pglite`. */
  readonly packageName: string;
  /** The command that installs it: `npm install <packageName>`. */
  readonly install: string;
  constructor(packageName: string, purpose: string, options?: { cause?: unknown }) {
    const install = `npm install ${packageName}`;
    super('MISSING_PEER_DEPENDENCY', `${purpose} needs the optional peer dependency ${packageName}, which is not installed. Run: ${install}`, undefined, options);
    this.packageName = packageName;
    this.install = install;
  }
}
