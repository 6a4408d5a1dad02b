import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wilson, binomialPmf, binomialUpperTail, binomialLowerTail } from '../../src/testing/stats.ts';

const close = (a: number, b: number, eps = 5e-4) => assert.ok(Math.abs(a - b) < eps, `${a} ≉ ${b}`);

test('Wilson interval matches published values (15/20 → 53–89 %)', () => {
  const i = wilson(15, 20);
  close(i.low, 0.5313, 1e-3);
  close(i.high, 0.8881, 1e-3);
  const z = wilson(0, 10);
  assert.equal(z.low, 0);
  close(z.high, 0.2775, 1e-3);
  const all = wilson(10, 10);
  close(all.low, 0.7225, 1e-3);
  assert.equal(all.high, 1);
  assert.deepEqual(wilson(0, 0), { low: 0, high: 1 });
});

test('binomial pmf sums to 1 and tails are exact', () => {
  let s = 0;
  for (let k = 0; k <= 30; k++) s += binomialPmf(k, 30, 0.37);
  close(s, 1, 1e-9);
  // P(X >= 15 | n=20, p=0.4) = 0.001612
  close(binomialUpperTail(15, 20, 0.4), 0.0016, 1e-4);
  // P(X <= 2 | n=10, p=0.5) = 56/1024
  close(binomialLowerTail(2, 10, 0.5), 56 / 1024, 1e-9);
  assert.equal(binomialUpperTail(0, 5, 0.3), 1);
  assert.equal(binomialPmf(3, 3, 1), 1);
  assert.equal(binomialPmf(2, 3, 1), 0);
  assert.equal(binomialPmf(0, 3, 0), 1);
});

test('bad counts are refused', () => {
  assert.throws(() => wilson(5, 4), RangeError);
  assert.throws(() => binomialPmf(-1, 4, 0.5), RangeError);
});
