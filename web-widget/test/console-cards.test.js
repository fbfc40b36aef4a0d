import { test } from 'node:test';
import assert from 'node:assert/strict';

import { changeOf, fieldErrors, kindOf, linesOf, mergePreview, phoneE164 } from '../../src/main/resources/static/console/cards/model.js';

const card = {
  id: 'c1', kind: 'LEAD', contactType: null, name: 'Иван Петров', emails: ['ivan@example.ru'], phones: ['+78482123456'],
  handles: [], status: 'NEW', studyGroup: null, specialty: null, responsibleAgentId: null,
};

test('the kind is one list: a lead or the type of a contact', () => {
  assert.equal(kindOf(card), 'LEAD');
  assert.equal(kindOf({ kind: 'CONTACT', contactType: 'STUDENT' }), 'STUDENT');
});

test('list fields take one entry a line, trimmed, without repeats', () => {
  assert.deepEqual(linesOf(' a@b.ru \n\n c@d.ru, a@b.ru'), ['a@b.ru', 'c@d.ru']);
});

test('a phone typed the Russian way is sent in E.164', () => {
  assert.equal(phoneE164('8 (848) 212-34-56'), '+78482123456');
  assert.equal(phoneE164('+7 848 212 34 56'), '+78482123456');
  assert.equal(phoneE164('12-ab'), '12-ab');
});

test('only what changed is sent, a contact with its type', () => {
  const values = { name: 'Иван Петров', kind: 'STUDENT', status: 'Студент', emails: 'ivan@example.ru',
    phones: '+78482123456', handles: 'telegram:42', studyGroup: 'ПИб-1901', specialty: '', responsibleAgentId: '7' };
  assert.deepEqual(changeOf(card, values), {
    kind: 'CONTACT', contactType: 'STUDENT', status: 'Студент', handles: ['telegram:42'], studyGroup: 'ПИб-1901',
    responsibleAgentId: 7,
  });
  assert.deepEqual(changeOf(card, { name: 'Иван Петров', kind: 'LEAD', status: 'NEW', emails: 'IVAN@example.ru',
    phones: '8 848 212 34 56', handles: '' }), {});
});

test('the server field errors are shown by the field, in Russian', () => {
  const shown = fieldErrors({ status: 400, errors: { phones: 'each in E.164', contactType: 'x', whatever: 'as is' } });
  assert.match(shown.phones, /\+78482123456/);
  assert.match(shown.kind, /абитуриент/);
  assert.equal(shown.whatever, 'as is');
  assert.deepEqual(fieldErrors(null), {});
});

test('the merge preview keeps everything of both cards', () => {
  const kept = { card: card, dialogs: [{}], tasks: [], offlineForms: [], notes: [{}] };
  const other = { card: Object.assign({}, card, { id: 'c2', name: 'Ваня Петров', kind: 'CONTACT', contactType: 'STUDENT',
    emails: ['vanya@example.ru'], phones: ['+78482123456'], handles: ['telegram:42'], status: 'Студент',
    studyGroup: 'ПИб-1901', responsibleAgentId: 3 }), dialogs: [{}, {}], tasks: [{}], offlineForms: [{}], notes: [] };
  const merged = mergePreview(kept, other);
  assert.equal(merged.name, 'Иван Петров');
  assert.equal(merged.otherName, 'Ваня Петров');
  assert.equal(merged.kind, 'STUDENT');
  assert.deepEqual(merged.emails, ['ivan@example.ru', 'vanya@example.ru']);
  assert.deepEqual(merged.phones, ['+78482123456']);
  assert.deepEqual(merged.handles, ['telegram:42']);
  assert.equal(merged.status, 'Студент');
  assert.equal(merged.studyGroup, 'ПИб-1901');
  assert.equal(merged.responsibleAgentId, 3);
  assert.deepEqual([merged.dialogs, merged.offlineForms, merged.tasks, merged.notes], [3, 1, 1, 1]);
});
