// SPDX-License-Identifier: MIT
// Global configuration, in the shape of JAX's `jax.config.update(name, value)`. The flags live in
// one mutable object so the eager hot path pays a single property read when debugging is off.
import { InvalidArgumentError } from '../errors.js';

/** Every configuration setting and its type. */
export interface ConfigValues {
  /**
   * When true, the first primitive that produces NaN or ±Infinity from finite inputs throws a
   * FloatingPointError naming the primitive, its input and output shapes and dtypes, and the
   * caller's source line (like JAX's `jax_debug_nans` and `jax_debug_infs` together). Eager
   * primitives are checked as they run; a jitted program whose outputs are not finite is run
   * again, interpreted, to find the primitive. Note that masks built with `log(0) = -Infinity`
   * trip it too. Default: off, or on when the environment variable LOOM_DEBUG_NANS is `1` or
   * `true`. Costs nothing when off; when on, every eager result is scanned.
   */
  debugNans: boolean;
}

export type ConfigKey = keyof ConfigValues;

const CONFIG_KEYS: readonly ConfigKey[] = ['debugNans'];

function envFlag(name: string): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env;
  const value = env?.[name]?.trim().toLowerCase();
  return value === '1' || value === 'true';
}

/** Read by the eager dispatch path on every primitive: keep it a plain object of booleans. */
export const debugFlags: { checkValues: boolean } = { checkValues: false };

const values: ConfigValues = { debugNans: envFlag('LOOM_DEBUG_NANS') };
debugFlags.checkValues = values.debugNans;

/**
 * Loom's global settings. `config.update('debugNans', true)` turns a setting on,
 * `config.read('debugNans')` reads it; an unknown name or a value of the wrong type is an
 * InvalidArgumentError.
 * @example
 * config.update('debugNans', true);
 * try { train(); } finally { config.update('debugNans', false); }
 */
export const config = {
  /** The names of every setting. */
  keys: CONFIG_KEYS,
  update<K extends ConfigKey>(key: K, value: ConfigValues[K]): void {
    checkKey(key);
    if (typeof value !== 'boolean') {
      throw new InvalidArgumentError(
        `config.update: '${key}' takes a boolean, got ${typeof value} (${String(value)}).`,
      );
    }
    values[key] = value;
    debugFlags.checkValues = values.debugNans;
  },
  read<K extends ConfigKey>(key: K): ConfigValues[K] {
    checkKey(key);
    return values[key];
  },
};

function checkKey(key: string): void {
  if (!(CONFIG_KEYS as readonly string[]).includes(key)) {
    throw new InvalidArgumentError(
      `config: unknown setting '${key}'; the settings are ${CONFIG_KEYS.map((k) => `'${k}'`).join(', ')}.`,
    );
  }
}

/**
 * Whether the NaN/Infinity debug mode is on. Checks that cost time (scanning values, reading
 * indices back) and only serve debugging should run only when this is true.
 */
export function debugNansEnabled(): boolean {
  return values.debugNans;
}
