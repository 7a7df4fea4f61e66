// SPDX-License-Identifier: MIT
/**
 * Checking that bytes or a string are text worth training a character model on: not empty, valid
 * UTF-8, and not a binary file (NUL bytes, many control characters). Browser-safe (TextDecoder
 * only), so a page can check a file the user dropped; `@loom/datasets/node` adds reading by path.
 */
import { DatasetError } from './errors.js';

/** Why a text was refused; `'unreadable'` is used by the Node loader when the file cannot be read. */
export type CharTextProblem =
  | 'unreadable'
  | 'empty'
  | 'nul-byte'
  | 'invalid-utf8'
  | 'control-characters'
  | 'too-short';

/**
 * A text (or text file) that cannot be used as a character corpus. The message is
 * `fn: <source> <detail>`; `problem` says which check failed and `detail` is the reason alone, so
 * a CLI can phrase it around its own flag (`--text FILE <detail>`).
 */
export class CharTextError extends DatasetError {
  /** The function that refused the text. */
  readonly fn: string;
  /** How the text was named: a quoted path, or "the text". */
  readonly source: string;
  /** Which check failed. */
  readonly problem: CharTextProblem;
  /** The reason, as a phrase that follows the source ("is empty: ...", "has 5 characters; ..."). */
  readonly detail: string;

  constructor(
    fn: string,
    source: string,
    problem: CharTextProblem,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${fn}: ${source} ${detail}`, options);
    this.fn = fn;
    this.source = source;
    this.problem = problem;
    this.detail = detail;
  }
}

/** Where a text came from, for messages: the calling function and the name of the text. */
export interface TextSource {
  /** The function named in errors (default the function called). */
  readonly fn?: string;
  /** How the text is named in errors, e.g. a quoted path (default "the text"). */
  readonly source?: string;
}

/**
 * A text is refused as binary when more than this share of its characters are control characters
 * other than tab, newline, vertical tab, form feed and carriage return (C0, DEL and C1 codes).
 * Real text has almost none; a UTF-8-valid binary file without NUL bytes has many.
 */
export const CONTROL_CHARACTER_LIMIT = 0.1;

/** True for C0 controls except \t \n \v \f \r, for DEL and for the C1 controls. */
function isControl(unit: number): boolean {
  return (unit < 0x20 && (unit < 0x09 || unit > 0x0d)) || (unit >= 0x7f && unit <= 0x9f);
}

const hex = (b: number) => `0x${b.toString(16).toUpperCase().padStart(2, '0')}`;

/**
 * The offset of the first byte that does not start a well-formed UTF-8 sequence (bad lead byte,
 * bad or missing continuation, overlong form, surrogate, above U+10FFFF), or -1 when `bytes` is
 * valid UTF-8. Equals the length of the longest prefix `TextDecoder('utf-8', { fatal: true })`
 * accepts.
 */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const lead = bytes[i];
    if (lead < 0x80) {
      i++;
      continue;
    }
    // Continuation bytes are 0x80..0xBF; the first one's range is narrowed for four leads
    // (Unicode Table 3-7), which excludes overlong forms, surrogates and code points > U+10FFFF.
    let count: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) count = 1;
    else if (lead >= 0xe0 && lead <= 0xef) {
      count = 2;
      if (lead === 0xe0) low = 0xa0;
      if (lead === 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      count = 3;
      if (lead === 0xf0) low = 0x90;
      if (lead === 0xf4) high = 0x8f;
    } else return i;
    if (i + count >= n) return i;
    for (let k = 1; k <= count; k++) {
      const b = bytes[i + k];
      if (b < (k === 1 ? low : 0x80) || b > (k === 1 ? high : 0xbf)) return i;
    }
    i += count + 1;
  }
  return -1;
}

/** Refuses a string that is empty, holds U+0000, or is mostly control characters. */
function checkString(text: string, fn: string, source: string): string {
  if (text.length === 0) {
    throw new CharTextError(fn, source, 'empty', 'is empty: it has 0 characters to learn from.');
  }
  const nul = text.indexOf('\u0000');
  if (nul >= 0) {
    throw new CharTextError(
      fn,
      source,
      'nul-byte',
      `looks binary, not text: it holds a NUL character (U+0000) at UTF-16 offset ${nul}.`,
    );
  }
  let controls = 0;
  let characters = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // A low surrogate completes a character already counted at its high surrogate.
    if (unit < 0xdc00 || unit > 0xdfff || i === 0 || !isHigh(text.charCodeAt(i - 1))) characters++;
    if (isControl(unit)) controls++;
  }
  if (controls > CONTROL_CHARACTER_LIMIT * characters) {
    const percent = ((100 * controls) / characters).toFixed(1);
    throw new CharTextError(
      fn,
      source,
      'control-characters',
      `looks binary, not text: ${controls} of its ${characters} characters (${percent}%) are ` +
        `control characters other than tab and line breaks; at most ${100 * CONTROL_CHARACTER_LIMIT}% are accepted.`,
    );
  }
  return text;
}

const isHigh = (unit: number) => unit >= 0xd800 && unit <= 0xdbff;

/**
 * Checks that a string can be a character corpus: not empty, no U+0000, and at most
 * `CONTROL_CHARACTER_LIMIT` of its characters control characters. Returns the text; throws a
 * `CharTextError` naming the source and the reason.
 * @example
 * checkCharText('to be or not to be'); // returns the text
 * checkCharText('\u0001\u0002 ab'); // CharTextError: checkCharText: the text looks binary, ...
 */
export function checkCharText(text: string, where: TextSource = {}): string {
  const fn = where.fn ?? 'checkCharText';
  const source = where.source ?? 'the text';
  if (typeof text !== 'string') {
    throw new DatasetError(
      `${fn}: ${source} must be a string; got a value of type ${typeof text}.`,
    );
  }
  return checkString(text, fn, source);
}

/**
 * Decodes the bytes of a text file as UTF-8 (a leading byte-order mark is dropped) and checks the
 * result with `checkCharText`. Refuses, with a `CharTextError` naming the source and the reason:
 * no bytes, a NUL byte (the mark of a binary file), invalid UTF-8 (with the offset and the bytes
 * found there), and a high share of control characters.
 * @example
 * const text = decodeCharText(new TextEncoder().encode('héllo 😀'), { source: '"hello.txt"' });
 */
export function decodeCharText(bytes: Uint8Array, where: TextSource = {}): string {
  const fn = where.fn ?? 'decodeCharText';
  const source = where.source ?? 'the text';
  if (!(bytes instanceof Uint8Array)) {
    throw new DatasetError(`${fn}: ${source} must be a Uint8Array of bytes.`);
  }
  if (bytes.length === 0) {
    throw new CharTextError(fn, source, 'empty', 'is empty: it has 0 characters (0 bytes).');
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    throw new CharTextError(
      fn,
      source,
      'nul-byte',
      `looks binary, not text: byte ${nul} of ${bytes.length} is NUL (0x00).`,
    );
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    const at = firstInvalidUtf8Offset(bytes);
    const found = Array.from(bytes.subarray(at, at + 4), hex).join(' ');
    throw new CharTextError(
      fn,
      source,
      'invalid-utf8',
      `is not valid UTF-8: the bytes at offset ${at} (${found}) are not a character. ` +
        'Convert it to UTF-8 first (e.g. iconv -f latin1 -t utf-8).',
      { cause },
    );
  }
  if (text.length === 0) {
    throw new CharTextError(fn, source, 'empty', 'is empty: it holds only a byte-order mark.');
  }
  return checkString(text, fn, source);
}
