/**
 * The few assertions the store contract needs, with no test runner behind them: each throws a
 * {@link ContractViolation} saying what was expected, so the contract runs under vitest, jest,
 * `node:test`, Bun or Deno alike.
 */
export class ContractViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContractViolation';
  }
}

const show = (value: unknown) => {
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
};

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/** Structural equality as `toEqual` has it: arrays item by item, objects key by key (a key holding `undefined` is as good as none). */
function equal(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (!isObject(a) || !isObject(b)) return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) if (!equal(a[key], b[key])) return false;
  return true;
}

/** `actual` holds at least what `expected` says (objects recursively; arrays item by item, same length). */
function matches(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(expected)) return Array.isArray(actual) && actual.length === expected.length && expected.every((x, i) => matches(actual[i], x));
  if (!isObject(expected)) return Object.is(actual, expected);
  if (!isObject(actual)) return false;
  return Object.keys(expected).every((key) => matches(actual[key], expected[key]));
}

export interface Check {
  toBe(expected: unknown): void;
  toEqual(expected: unknown): void;
  toBeUndefined(): void;
  toHaveLength(length: number): void;
  toMatchObject(expected: unknown): void;
  readonly rejects: { toThrow(message: string): Promise<void> };
}

/** `expect`, the contract's way: `check(actual, 'what it is').toEqual(…)`. */
export function check(actual: unknown, what?: string): Check {
  const fail = (text: string) => {
    throw new ContractViolation(`${what ? `${what}: ` : ''}${text}`);
  };
  return {
    toBe: (expected) => void (Object.is(actual, expected) || fail(`expected ${show(expected)}, got ${show(actual)}`)),
    toEqual: (expected) => void (equal(actual, expected) || fail(`expected ${show(expected)}, got ${show(actual)}`)),
    toBeUndefined: () => void (actual === undefined || fail(`expected undefined, got ${show(actual)}`)),
    toHaveLength: (length) => void ((actual as { length?: unknown } | undefined)?.length === length || fail(`expected length ${length}, got ${show(actual)}`)),
    toMatchObject: (expected) => void (matches(actual, expected) || fail(`expected ${show(actual)} to hold ${show(expected)}`)),
    rejects: {
      async toThrow(message) {
        try {
          await actual;
        } catch (error) {
          if (!(error instanceof Error) || !error.message.includes(message)) fail(`expected an error saying "${message}", got ${show(error instanceof Error ? error.message : error)}`);
          return;
        }
        fail(`expected a rejection saying "${message}", got a result`);
      },
    },
  };
}
