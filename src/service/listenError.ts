import { ServiceConfigError } from './errors.js';

/**
 * A port the service cannot listen on, said as what to change: a taken port (EADDRINUSE) or one
 * this user may not open (EACCES) names PORT / --port. Other errors are passed on as they are.
 */
export function listenError(error: unknown, port: number, host: string): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'EADDRINUSE')
    return new ServiceConfigError(`${port} is already in use on ${host} (another service, or a second copy of this one): set PORT (or --port) to a free port, or to 0 to let the system pick one`, 'PORT');
  if (code === 'EACCES')
    return new ServiceConfigError(`${port} on ${host} needs privileges this process lacks: set PORT (or --port) to 1024 or above, or to 0 to let the system pick one`, 'PORT');
  return error;
}
