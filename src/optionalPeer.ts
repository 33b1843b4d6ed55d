import { MissingPeerDependencyError } from './errors.js';

/**
 * Loads an optional peer dependency through `load` (a literal `import('…')`, so bundlers and the
 * type checker see it). When the package itself is not installed, the error says what needs it and
 * the `npm install` line to run ({@link MissingPeerDependencyError}); any other failure (a broken
 * install, a missing dependency of the peer) is passed on as it is.
 */
export async function importOptionalPeer<T>(packageName: string, purpose: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isNotInstalled(error, packageName)) throw new MissingPeerDependencyError(packageName, purpose, { cause: error });
    throw error;
  }
}

/** Node (ERR_MODULE_NOT_FOUND), Bun and Deno each say "cannot find" / "not found" with the specifier. */
function isNotInstalled(error: unknown, packageName: string): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  const named = error.message.includes(`'${packageName}'`) || error.message.includes(`"${packageName}"`) || error.message.includes(` ${packageName} `);
  if (!named) return false;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /cannot find|not found|could not resolve|failed to resolve/i.test(error.message);
}
