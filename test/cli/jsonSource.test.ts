import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonSyntaxError, parseJsonSource, positionOf } from '../../src/cli/jsonSource.js';
import { check } from '../support/fc.js';

function syntaxError(text: string): { line: number; column: number; message: string } {
  try {
    parseJsonSource(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) return { line: error.line, column: error.column, message: error.message };
    throw error;
  }
  throw new Error('parsed without an error');
}

describe('parseJsonSource: JSON with the place of every value', () => {
  it('reads what JSON.parse reads, for any JSON value', () => {
    check(
      fc.property(fc.jsonValue(), fc.boolean(), (value, pretty) => {
        const text = JSON.stringify(value, null, pretty ? 2 : undefined);
        expect(parseJsonSource(text).value).toStrictEqual(JSON.parse(text));
      }),
    );
  });

  it('knows the line and column where each member and element starts', () => {
    const text = '{\n  "events": [\n    { "at": 1 },\n    {\n      "type": "X"\n    }\n  ],\n  "odd key": true\n}';
    const source = parseJsonSource(text);
    expect(positionOf(source, 'events')).toEqual({ line: 2, column: 3 });
    expect(positionOf(source, 'events[0].at')).toEqual({ line: 3, column: 7 });
    expect(positionOf(source, 'events[1]')).toEqual({ line: 4, column: 5 });
    expect(positionOf(source, 'events[1].type')).toEqual({ line: 5, column: 7 });
    expect(positionOf(source, '["odd key"]')).toEqual({ line: 8, column: 3 });
    // A field that is not there is placed at the start of what should hold it.
    expect(positionOf(source, 'events[1].callId')).toEqual({ line: 4, column: 5 });
    expect(positionOf(source, 'nothing.at.all')).toEqual({ line: 1, column: 1 });
  });

  it('places syntax errors exactly', () => {
    expect(syntaxError('{\n  "a": 1,\n}')).toMatchObject({ line: 3, column: 1, message: 'unexpected "}", expected a key in double quotes (is there a trailing comma?)' });
    expect(syntaxError('[1, 2,\n]')).toMatchObject({ line: 2, column: 1 });
    expect(syntaxError('{"a": tru}')).toMatchObject({ line: 1, column: 7 });
    expect(syntaxError('{"a": "line\nbreak"}')).toMatchObject({ line: 1, column: 12 });
    expect(syntaxError('{"a": 1} {')).toMatchObject({ line: 1, column: 10, message: expect.stringContaining('only one JSON value') });
    expect(syntaxError('{"a": 1')).toMatchObject({ message: 'unexpected the end of the file, expected "," or "}"' });
    expect(syntaxError('{\n"a": 1,\n  "a": 2}')).toMatchObject({ line: 3, column: 3, message: 'duplicate key "a"' });
  });
});
