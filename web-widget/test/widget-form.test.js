import test from 'node:test';
import assert from 'node:assert/strict';
import { checkForm, fieldError, formFailure } from '../src/widget/form.js';
import { storage } from '../src/widget/store.js';
import { field, markup } from '../src/widget/template.js';
import { TEXTS } from '../src/widget/i18n.js';

const RU = TEXTS.ru, EN = TEXTS.en;
const full = { name: 'Анна', email: 'a@example.org', phone: null, question: 'Когда экзамен?', consent: true };

test('a complete form has no errors; e-mail or phone is enough', () => {
  assert.deepEqual(checkForm(full, RU), {});
  assert.deepEqual(checkForm({ ...full, email: null, phone: '+79270000000' }, RU), {});
});

test('each missing field is named once, and a missing contact only beside the e-mail', () => {
  const errors = checkForm({ name: '', email: null, phone: null, question: '', consent: false }, RU);
  assert.deepEqual(Object.keys(errors).sort(), ['consent', 'email', 'name', 'question']);
  assert.equal(errors.email, RU.fOne);
  assert.equal(errors.phone, undefined);
});

test("the server's words are shown in Russian, the widget's own in English", () => {
  const errors = { email: 'Неверный адрес' };
  assert.equal(fieldError(errors, 'email', RU, 'ru'), 'Неверный адрес');
  assert.equal(fieldError(errors, 'email', EN, 'en'), EN.fe.email || 'Неверный адрес');
  assert.equal(fieldError(errors, 'name', RU, 'ru'), '');
});

test('a 400 naming fields shows them; any other failure one message, and a plain 400 a new form id', () => {
  assert.deepEqual(formFailure(400, { errors: { name: 'x' } }, RU), { fields: { name: 'x' }, message: RU.fFix, newId: false });
  assert.deepEqual(formFailure(null, {}, RU), { fields: null, message: RU.fNet, newId: false });
  assert.equal(formFailure(429, {}, RU).message, RU.fMany);
  assert.equal(formFailure(503, {}, RU).message, RU.fDown);
  assert.deepEqual(formFailure(400, { detail: 'Слишком длинный вопрос' }, RU),
    { fields: null, message: 'Слишком длинный вопрос', newId: true });
  assert.equal(formFailure(413, {}, RU).message, RU.fNet + ' (413)');
});

test('storage keeps values under the site prefix and forgets quietly when storage is refused', () => {
  const map = new Map();
  const area = { getItem: k => map.get(k) ?? null, setItem: (k, v) => map.set(k, v), removeItem: k => map.delete(k) };
  const { load, save, loadJson } = storage({ localStorage: area }, 'p:');
  save('localStorage', 'read', JSON.stringify({ d: 3 }));
  assert.equal(map.get('p:read'), '{"d":3}');
  assert.deepEqual(loadJson('localStorage', 'read', {}), { d: 3 });
  save('localStorage', 'read', null);
  assert.equal(load('localStorage', 'read'), null);
  const refused = storage({ get localStorage() { throw new Error('denied'); } }, 'p:');
  assert.equal(refused.load('localStorage', 'token'), null);
  assert.deepEqual(refused.loadJson('localStorage', 'read', { none: 1 }), { none: 1 });
  refused.save('localStorage', 'token', 'x');
});

test('the markup has every element the widget looks up, and each form field its own error place', () => {
  const html = markup(RU, '', 4000);
  for (const id of ['launcher', 'panel', 'messages', 'input', 'off-form', 'off-submit', 'rating', 'transcript', 'nobody']) {
    assert.ok(html.includes(`data-testid="${id}"`), id);
  }
  for (const n of ['name', 'email', 'phone', 'question']) {
    assert.ok(html.includes(`data-testid="err-${n}"`), n);
  }
  assert.ok(html.includes('maxlength="4000"'));
  assert.match(field('name', 'Имя', '<input id="f-name">'), /data-testid="off-name" aria-describedby="e-name"/);
});
