// The shared assertion of the error-message suites (core, nn, datasets, CLI): a thunk must throw
// an instance of the expected class whose message contains every listed piece (the operation,
// the full shapes/dtypes/paths, what was expected). Strings are exact substrings, so shapes like
// `[3,4]` need no escaping; regexes are for wording that may vary.
import { expect, test } from 'vitest';

export type ErrorClass = abstract new (...args: never[]) => Error;
export type Expectation = string | RegExp;

function caught(thunk: () => unknown): unknown {
  try {
    thunk();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** Asserts the thrown error's class and message; returns it for further checks. */
export function expectError(
  thunk: () => unknown,
  cls: ErrorClass,
  ...mustContain: Expectation[]
): Error {
  const thrown = caught(thunk);
  return checkThrown(thrown, cls, mustContain);
}

/** The same for an async thunk (file loaders, child processes). */
export async function expectRejection(
  thunk: () => Promise<unknown>,
  cls: ErrorClass,
  ...mustContain: Expectation[]
): Promise<Error> {
  let thrown: unknown;
  try {
    await thunk();
  } catch (e) {
    thrown = e;
  }
  return checkThrown(thrown, cls, mustContain);
}

function checkThrown(thrown: unknown, cls: ErrorClass, mustContain: Expectation[]): Error {
  if (thrown === undefined) expect.fail(`expected a ${cls.name} to be thrown, but nothing was`);
  if (!(thrown instanceof cls)) {
    const got = thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
    expect.fail(`expected a ${cls.name}, got ${got}`);
  }
  const err = thrown as Error;
  // A typed error carries its own class name (a subclass such as DatasetError keeps its own), so
  // logs show which kind of mistake it was.
  expect(err.name).toBe(err.constructor.name);
  for (const piece of mustContain) {
    if (typeof piece === 'string') expect(err.message).toContain(piece);
    else expect(err.message).toMatch(piece);
  }
  return err;
}

/** One row of an error table: a realistic mistake and what its message must say. */
export interface ErrorCase {
  readonly name: string;
  readonly run: () => unknown;
  readonly error: ErrorClass;
  readonly mustContain: readonly Expectation[];
}

/** Registers one vitest test per row. */
export function errorTable(rows: readonly ErrorCase[]): void {
  test.each(rows.map((r) => [r.name, r] as const))('%s', (_name, row) => {
    expectError(row.run, row.error, ...row.mustContain);
  });
}

/** A row, written compactly: `mistake('name', () => ..., ShapeError, 'matmul', '[3,4]')`. */
export function mistake(
  name: string,
  run: () => unknown,
  error: ErrorClass,
  ...mustContain: Expectation[]
): ErrorCase {
  return { name, run, error, mustContain };
}
