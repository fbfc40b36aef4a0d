import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay } from '../src/shared/protocol.js';

const middle = () => 0.5;

test('reconnects after 0.25, 0.5, 1 and 2 s, then every 2 s for about a minute, then every 10 s', () => {
  const delays = Array.from({ length: 33 }, (_, n) => backoffDelay(n, middle));
  assert.deepEqual(delays.slice(0, 5), [250, 500, 1000, 2000, 2000]);
  assert.ok(delays.slice(4, 30).every(d => d === 2000));
  assert.deepEqual(delays.slice(30), [10000, 10000, 10000]);
});

test('each delay is spread by ±25 % so that clients do not come back in step', () => {
  assert.equal(backoffDelay(2, () => 0), 750);
  assert.equal(backoffDelay(2, () => 0.999999).toFixed(0), '1250');
  assert.equal(backoffDelay(40, () => 0), 7500);
});
