import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkParts } from '../src/shared/dom.js';

test('http and https addresses become links, a trailing full stop or bracket does not', () => {
  assert.deepEqual(linkParts('См. https://rosdistant.ru/priem. И (http://x.ru/a)'), [
    { text: 'См. ' }, { url: 'https://rosdistant.ru/priem' }, { text: '. И (' }, { url: 'http://x.ru/a' }, { text: ')' }]);
});

test('other schemes and markup stay text', () => {
  assert.deepEqual(linkParts('javascript:alert(1) <b>x</b>'), [{ text: 'javascript:alert(1) <b>x</b>' }]);
  assert.deepEqual(linkParts(''), []);
});
