import { test } from 'vitest';
import { binaryAddition, charCorpus, defaultCorpus, sineSquare, splitmix32 } from '../src/index.js';

test('scratch', () => {
  const r = splitmix32(0);
  console.log('u32', [r.nextUint32(), r.nextUint32(), r.nextUint32(), r.nextUint32()]);
  const it = binaryAddition({ seed: 0 }).pairs();
  const ps = [];
  for (let i = 0; i < 5; i++) ps.push(it.next().value);
  console.log('pairs', JSON.stringify(ps));
  const s = sineSquare({ seed: 0, perClass: 10, seqLen: 8, dim: 2 });
  console.log('ids', Array.from(s.train.ids.data()).slice(0, 6), s.train.x.data().slice(0, 3));
  const t0 = performance.now();
  const text = defaultCorpus({ seed: 0 });
  console.log('corpus ms', performance.now() - t0, JSON.stringify(text.slice(0, 400)));
  const c = charCorpus(text);
  console.log(c.vocab.join(''), c.vocabSize);
  const t1 = performance.now();
  sineSquare({ seed: 0 });
  console.log('sinesq ms', performance.now() - t1);
});
