import { grad, InvalidArgumentError, random, sum, type Tensor, tree } from '@loom/core';
import { describe, expect, test } from 'vitest';
import { f64 } from '../test/reference.js';
import { lstmCell } from './cells/lstm.js';
import { linear } from './layers/linear.js';
import { sgd } from './optim/alias.js';
import { applyUpdates } from './optim/base.js';
import { masked } from './optim/masked.js';
import { multiTransform } from './optim/multi_transform.js';
import { scale, setToZero } from './optim/transform.js';
import {
  combine,
  countParams,
  getSubtree,
  leafLabels,
  partition,
  replaceSubtree,
  trainableMask,
} from './tree_edit.js';

const make = () => ({
  embed: {
    table: f64([
      [1, 2],
      [3, 4],
    ]),
  },
  layers: [
    { w: f64([1]), b: f64([2]) },
    { w: f64([3]), b: f64([4]) },
  ],
  out: linear.init(random.key(0), { inFeatures: 2, outFeatures: 1, dtype: 'float64' }),
});

describe('replaceSubtree', () => {
  test('replaces one branch, shares the rest, leaves the original alone', () => {
    const params = make();
    const fresh = { w: f64([9]), b: f64([9]) };
    const next = replaceSubtree(params, ['layers', 1], fresh);
    expect(next.layers[1]).toBe(fresh);
    expect(next.layers[0]).toBe(params.layers[0]);
    expect(next.embed).toBe(params.embed);
    expect(params.layers[1].w.item()).toBe(3);
    expect(replaceSubtree(params, [], 5)).toBe(5);
    expect(replaceSubtree(params, ['embed', 'table'], f64([0])).embed.table.item()).toBe(0);
  });

  test('names the missing step', () => {
    expect(() => replaceSubtree(make(), ['layers', 2, 'w'], f64([0]))).toThrow(
      InvalidArgumentError,
    );
    expect(() => replaceSubtree(make(), ['layers', 2, 'w'], f64([0]))).toThrow(
      /\.layers\[2\] does not exist \(\.layers is an array of length 2\)/,
    );
    expect(() => getSubtree(make(), ['embed', 'vectors'])).toThrow(/object with keys \[table\]/);
  });
});

describe('masks and partitions', () => {
  test('trainableMask and leafLabels: freeze the embedding with multiTransform, decay only the masked leaves', () => {
    const params = make();
    const mask = trainableMask(params, (name) => !name.startsWith('embed.'));
    expect(mask).toEqual({
      embed: { table: false },
      layers: [
        { b: true, w: true },
        { b: true, w: true },
      ],
      out: { b: true, w: true },
    });
    const labels = leafLabels(params, (name) => (name.startsWith('embed.') ? 'frozen' : 'train'));
    expect(labels).toEqual({
      embed: { table: 'frozen' },
      layers: [
        { b: 'train', w: 'train' },
        { b: 'train', w: 'train' },
      ],
      out: { b: 'train', w: 'train' },
    });
    const opt = multiTransform({ train: sgd(0.5), frozen: setToZero() }, labels);
    const g = tree.map((l) => l.mul(0).add(1), params);
    const [u] = opt.update(g, opt.init(params), params);
    const next = applyUpdates(params, u);
    expect(next.embed.table.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(next.layers[0].w.item()).toBe(0.5);
    // The same mask under masked(): masked-out leaves pass through (optax), here the raw gradient.
    const [passed] = masked(scale(2), mask).update(g, {}, params);
    expect(passed.embed.table.toArray()).toEqual([
      [1, 1],
      [1, 1],
    ]);
    expect(passed.layers[0].w.item()).toBe(2);
  });

  test('partition / combine round trip; grad w.r.t. the trainable part only', () => {
    const params = make();
    const [trainable, frozen] = partition(params, (name) => name.startsWith('layers'));
    expect(trainable.embed.table).toBeNull();
    expect(frozen.layers[0].w).toBeNull();
    expect(countParams(trainable)).toBe(4);
    const back = combine(trainable, frozen);
    expect(tree.structure(back).key).toBe(tree.structure(params).key);
    expect(back.embed.table).toBe(params.embed.table);
    const loss = (t: typeof trainable) => {
      const p = combine(t, frozen);
      return sum(p.layers[0].w.mul(p.layers[1].w)).add(sum(p.embed.table));
    };
    const g = grad(loss)(trainable);
    expect(g.layers[0].w.item()).toBe(3);
    expect(g.embed.table).toBeNull();
  });

  test('works on a real model tree and counts its parameters', () => {
    const lstm = lstmCell.init(random.key(1), { inFeatures: 3, hiddenSize: 4 });
    expect(countParams(lstm)).toBe(3 * 16 + 4 * 16 + 16);
    const mask = trainableMask({ lstm }, (_name, leaf: Tensor) => leaf.ndim === 2);
    expect(mask).toEqual({ lstm: { b: false, wh: true, wx: true } });
  });
});
