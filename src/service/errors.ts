import { CallPermissionError } from '../index.js';

/**
 * A request the service answers with a 4xx (or a 5xx it chose): the status, a stable `code`, and
 * the `path` of the offending part of the request (`body.at`, `sender`, `limit`), when there is one.
 */
export class ServiceError extends CallPermissionError {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  constructor(status: number, code: string, message: string, path?: string, headers: Record<string, string> = {}) {
    super(code, message, path);
    this.status = status;
    this.headers = headers;
  }
}

/** The service's own configuration is wrong (an environment variable, a flag): it does not start. */
export class ServiceConfigError extends CallPermissionError {
  constructor(message: string, path: string) {
    super('INVALID_SERVICE_CONFIG', message, path);
  }
}
