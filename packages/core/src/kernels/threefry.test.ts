import { describe, expect, test } from 'vitest';
import { threefry2x32 } from './threefry.js';

// Known-answer vectors of Threefry-2x32-20 published with Random123 (kat_vectors), also used by
// JAX's random tests.
describe('threefry2x32', () => {
  test.each([
    [
      [0, 0],
      [0, 0],
      [0x6b200159, 0x99ba4efe],
    ],
    [
      [0xffffffff, 0xffffffff],
      [0xffffffff, 0xffffffff],
      [0x1cb996fc, 0xbb002be7],
    ],
    [
      [0x13198a2e, 0x03707344],
      [0x243f6a88, 0x85a308d3],
      [0xc4923a9c, 0x483df7a0],
    ],
  ])('key %j counter %j gives %j', (key, counter, expected) => {
    expect(threefry2x32(key[0], key[1], counter[0], counter[1])).toEqual(expected);
  });
});
