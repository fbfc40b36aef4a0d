/*
 * The Cards screen's rules, without the DOM: the person's kind as one list, the form's values turned into the
 * change the server takes (PATCH /api/cards/{id}), the server's field errors in Russian, and the preview of a
 * merge (what the card kept will hold afterwards; the REST merge loses nothing). Tested with node --test.
 */

export const KIND_NAMES = {
  LEAD: 'Лид', APPLICANT: 'Абитуриент', STUDENT: 'Студент', PARTNER: 'Партнёр', OTHER: 'Другое',
};

export const STATUS_NAMES = { NEW: 'Новый' };

// The kind shown in one list: a lead, or the type of a contact.
export const kindOf = card => (card.kind === 'CONTACT' && card.contactType ? card.contactType : 'LEAD');

// One list entry per line (or comma), trimmed, without blanks and repeats.
export function linesOf(text) {
  const seen = new Set();
  return String(text || '').split(/[\n,;]+/).map(s => s.trim()).filter(s => s && !seen.has(s) && seen.add(s));
}

// A phone as typed ("8 (8482) 12-34-56", "+7 848 212 34 56") in E.164 when it can be read so; else as typed.
export function phoneE164(typed) {
  const digits = String(typed).replace(/[^0-9]/g, '');
  if (/^8\d{10}$/.test(digits) && !String(typed).trim().startsWith('+')) return '+7' + digits.slice(1);
  if (/^\d{7,15}$/.test(digits) && /^[+\d\s()-]+$/.test(String(typed).trim())) return '+' + digits;
  return String(typed).trim();
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/*
 * The change to send: only what differs from the card. values: {name, kind, status, emails, phones, handles (text,
 * one a line), studyGroup, specialty, responsibleAgentId ('' for none)}.
 */
export function changeOf(card, values) {
  const change = {};
  const name = String(values.name || '').trim();
  if (name !== card.name) change.name = name;
  const kind = values.kind || 'LEAD';
  if (kind !== kindOf(card)) {
    change.kind = kind === 'LEAD' ? 'LEAD' : 'CONTACT';
    if (kind !== 'LEAD') change.contactType = kind;
  }
  const status = String(values.status || '').trim();
  if (status && status !== card.status) change.status = status;
  const emails = linesOf(values.emails).map(e => e.toLowerCase());
  if (!same(emails, card.emails || [])) change.emails = emails;
  const phones = linesOf(values.phones).map(phoneE164);
  if (!same(phones, card.phones || [])) change.phones = phones;
  const handles = linesOf(values.handles);
  if (!same(handles, card.handles || [])) change.handles = handles;
  for (const field of ['studyGroup', 'specialty']) {
    const v = String(values[field] || '').trim();
    if (v !== (card[field] || '')) change[field] = v;
  }
  const responsible = values.responsibleAgentId ? Number(values.responsibleAgentId) : null;
  if (responsible && responsible !== card.responsibleAgentId) change.responsibleAgentId = responsible;
  return change;
}

const FIELD_TEXTS = {
  name: 'Имя — от 1 до 200 символов.',
  phones: 'Каждый телефон — в международном формате, например +78482123456.',
  emails: 'Каждый адрес — вида name@example.ru.',
  handles: 'Каждый мессенджер — платформа:id, например telegram:123456.',
  status: 'Статус — от 1 до 40 символов.',
  studyGroup: 'Группа — не длиннее 40 символов (пусто — очистить).',
  specialty: 'Специальность — не длиннее 200 символов (пусто — очистить).',
  contactType: 'Выберите, кто это: абитуриент, студент, партнёр или другое.',
  responsibleAgentId: 'Ответственным можно назначить только сотрудника ваших линий.',
  body: 'Заметка — от 1 до 4000 символов.',
  cardId: 'Выберите карточку.',
};

// The server's field errors ({errors: {field: message}} of a 400) as {field: Russian text}; the form's kind list
// stands for contactType.
export function fieldErrors(problem) {
  const errors = (problem && problem.errors) || {};
  const out = {};
  Object.keys(errors).forEach(field => {
    const key = field === 'contactType' ? 'kind' : field;
    out[key] = FIELD_TEXTS[field] || errors[field];
  });
  return out;
}

const union = (a, b) => Array.from(new Set([...(a || []), ...(b || [])]));

/*
 * What the card kept ("into") holds after the other ("from") is merged into it, as the server's merge does it: the
 * contacts of both, the kind known of either, the fields the kept card lacks taken from the other; and every
 * dialog, form, task and note of both. from stays on record as merged.
 */
export function mergePreview(intoView, fromView) {
  const into = intoView.card, from = fromView.card;
  const count = key => (intoView[key] || []).length + (fromView[key] || []).length;
  const kind = into.kind === 'CONTACT' ? kindOf(into) : kindOf(from);
  return {
    name: into.name,
    kind,
    emails: union(into.emails, from.emails),
    phones: union(into.phones, from.phones),
    handles: union(into.handles, from.handles),
    status: into.status !== 'NEW' || !from.status ? into.status : from.status,
    studyGroup: into.studyGroup || from.studyGroup || null,
    specialty: into.specialty || from.specialty || null,
    responsibleAgentId: into.responsibleAgentId || from.responsibleAgentId || null,
    dialogs: count('dialogs'),
    offlineForms: count('offlineForms'),
    tasks: count('tasks'),
    notes: count('notes'),
    otherName: from.name !== into.name ? from.name : null,
  };
}
