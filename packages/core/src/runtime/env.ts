// SPDX-License-Identifier: MIT
// Environment access that is safe everywhere: browsers have no `process`, so every read goes
// through optional chaining on globalThis and yields undefined there.

interface NodeLikeGlobal {
  process?: {
    env?: Record<string, string | undefined>;
    getBuiltinModule?: (id: string) => unknown;
    versions?: { node?: string };
  };
}

const nodeGlobal = globalThis as NodeLikeGlobal;

/** The value of environment variable `name`, or undefined (always undefined in browsers). */
export function envVar(name: string): string | undefined {
  return nodeGlobal.process?.env?.[name];
}

/** A Node built-in module (`'node:os'`, ...) when running under Node 20.16+, else undefined. */
export function nodeBuiltin<T>(id: string): T | undefined {
  try {
    return nodeGlobal.process?.getBuiltinModule?.(id) as T | undefined;
  } catch {
    return undefined;
  }
}

/** The Node version string (e.g. `'20.20.2'`) or undefined outside Node. */
export function nodeVersion(): string | undefined {
  return nodeGlobal.process?.versions?.node;
}
