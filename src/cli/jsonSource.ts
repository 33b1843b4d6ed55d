/** A place in a text file: 1-based line and column. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/** A JSON value with where each part of it starts, by path (`events[3].at`; the root is `''`). */
export interface JsonSource {
  readonly value: unknown;
  readonly positions: ReadonlyMap<string, SourcePosition>;
}

/** Text that is not JSON, with the exact place it goes wrong. */
export class JsonSyntaxError extends Error {
  readonly line: number;
  readonly column: number;
  constructor(message: string, position: SourcePosition) {
    super(message);
    this.name = 'JsonSyntaxError';
    this.line = position.line;
    this.column = position.column;
  }
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `parent.key`, or `parent["odd key"]` for a key that is not an identifier. */
export function memberPath(parent: string, key: string): string {
  if (IDENTIFIER.test(key)) return parent === '' ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key)}]`;
}

/**
 * Parses JSON (RFC 8259) and remembers where every value starts, so that an error found later
 * in the data can name its line. `JSON.parse` gives neither reliable positions nor paths.
 * Duplicate keys are refused: in a hand-written file the second one is almost always a mistake.
 */
export function parseJsonSource(text: string): JsonSource {
  const positions = new Map<string, SourcePosition>();
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let lineStart = 0;

  const here = (): SourcePosition => ({ line, column: i - lineStart + 1 });
  const describe = (): string => (i >= text.length ? 'the end of the file' : JSON.stringify(text[i]));
  const fail = (expected: string): never => {
    throw new JsonSyntaxError(`unexpected ${describe()}, expected ${expected}`, here());
  };

  function skipSpace() {
    while (i < text.length) {
      const c = text[i];
      if (c === '\n') {
        i++;
        line++;
        lineStart = i;
      } else if (c === ' ' || c === '\t' || c === '\r') i++;
      else break;
    }
  }

  function parseString(): string {
    const start = here();
    i++; // the opening quote
    let out = '';
    for (;;) {
      if (i >= text.length) throw new JsonSyntaxError('this string is never closed', start);
      const c = text[i]!;
      if (c === '"') {
        i++;
        return out;
      }
      if (c === '\n' || c.charCodeAt(0) < 0x20) throw new JsonSyntaxError('a string cannot hold a raw line break or control character (write \\n)', here());
      if (c === '\\') {
        const escape = text[i + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (escape !== undefined && escape in simple) {
          out += simple[escape];
          i += 2;
        } else if (escape === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
        } else throw new JsonSyntaxError(`invalid escape ${JSON.stringify(text.slice(i, i + 2))} in a string`, here());
        continue;
      }
      out += c;
      i++;
    }
  }

  function parseNumber(): number {
    const rest = text.slice(i);
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(rest);
    if (!match) return fail('a value');
    i += match[0].length;
    return Number(match[0]);
  }

  function parseValue(path: string): unknown {
    skipSpace();
    if (!positions.has(path)) positions.set(path, here());
    const c = text[i];
    if (c === '{') return parseObject(path);
    if (c === '[') return parseArray(path);
    if (c === '"') return parseString();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return parseNumber();
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return value;
      }
    }
    return fail('a value (an object, array, string, number, true, false or null)');
  }

  function parseObject(path: string): Record<string, unknown> {
    i++;
    const out: Record<string, unknown> = {};
    skipSpace();
    if (text[i] === '}') {
      i++;
      return out;
    }
    for (;;) {
      skipSpace();
      if (text[i] !== '"') fail(Object.keys(out).length ? 'a key in double quotes (is there a trailing comma?)' : 'a key in double quotes or "}"');
      const keyAt = here();
      const key = parseString();
      if (Object.prototype.hasOwnProperty.call(out, key)) throw new JsonSyntaxError(`duplicate key ${JSON.stringify(key)}`, keyAt);
      const childPath = memberPath(path, key);
      positions.set(childPath, keyAt);
      skipSpace();
      if (text[i] !== ':') fail('":" after the key');
      i++;
      // Own property even for "__proto__": the object is plain data.
      Object.defineProperty(out, key, { value: parseValue(childPath), enumerable: true, writable: true, configurable: true });
      skipSpace();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '}') {
        i++;
        return out;
      }
      fail('"," or "}"');
    }
  }

  function parseArray(path: string): unknown[] {
    i++;
    const out: unknown[] = [];
    skipSpace();
    if (text[i] === ']') {
      i++;
      return out;
    }
    for (;;) {
      skipSpace();
      if (text[i] === ']') fail('a value (is there a trailing comma?)');
      out.push(parseValue(`${path}[${out.length}]`));
      skipSpace();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === ']') {
        i++;
        return out;
      }
      fail('"," or "]"');
    }
  }

  const value = parseValue('');
  skipSpace();
  if (i < text.length) fail('the end of the file (only one JSON value per file)');
  return { value, positions };
}

/**
 * Where the value at `path` starts, or, for a path that is not in the file (a missing field), where
 * its nearest enclosing value starts. `events[3].requestId` → the line of `events[3]`'s `{`.
 */
export function positionOf(source: JsonSource, path: string): SourcePosition {
  let current = path;
  for (;;) {
    const found = source.positions.get(current);
    if (found) return found;
    if (current === '') return { line: 1, column: 1 };
    const cut = Math.max(current.lastIndexOf('.'), current.lastIndexOf('['));
    current = cut <= 0 ? '' : current.slice(0, cut);
  }
}
