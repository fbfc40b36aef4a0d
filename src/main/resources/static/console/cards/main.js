/*
 * The Cards screen (/console/cards/): search a card by name, e-mail, phone, messenger handle, study group or
 * specialty; open it, edit it (the server's field errors shown by the field), keep notes on it, merge two cards after
 * a side-by-side preview, and move a dialog or an offline form to another card. Data from /api/cards/...
 * (docs/protocol.md); the rules without the DOM are in model.js. No innerHTML: every value goes in as text.
 */
import { KIND_NAMES, STATUS_NAMES, changeOf, fieldErrors, kindOf, mergePreview } from './model.js';

const $ = id => document.getElementById(id);
const FIELDS = ['name', 'kind', 'status', 'emails', 'phones', 'handles', 'studyGroup', 'specialty', 'responsibleAgentId'];
const CHANNELS = { WIDGET: 'Виджет', TELEGRAM: 'Telegram', VIBER: 'Viber', WHATSAPP: 'WhatsApp', VK: 'VK', MAX: 'MAX', EMAIL: 'Эл. почта' };
const APPEALS = { CONSULTATION: 'консультация', SERVICE_REQUEST: 'запрос на обслуживание', COMPLAINT: 'жалоба',
  CHANGE_REQUEST: 'запрос на изменение' };
const state = { view: null, transfer: [], responsibles: [], merge: null, move: null };

async function call(path, method, body) {
  const init = { method: method || 'GET', credentials: 'same-origin',
    headers: { Accept: 'application/json, application/problem+json' } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  try {
    const r = await fetch(path, init);
    let json = null;
    try { json = await r.json(); } catch (e) { /* no body */ }
    return { ok: r.ok, status: r.status, body: json };
  } catch (e) {
    return { ok: false, status: 0, body: null };
  }
}

const problemOf = r => (r.status === 0 ? 'сервер недоступен' : (r.body && (r.body.detail || r.body.title)) || 'ошибка ' + r.status);

function node(tag, cls, text) {
  const n = document.createElement(tag);
  if (cls) n.className = cls;
  if (text != null) n.textContent = text;
  return n;
}

function button(cls, text, onClick) {
  const b = node('button', cls, text);
  b.type = 'button';
  b.addEventListener('click', onClick);
  return b;
}

function option(select, value, text) {
  const o = node('option', null, text);
  o.value = value;
  select.append(o);
}

const when = at => (at ? new Date(at).toLocaleString('ru', { day: '2-digit', month: '2-digit', year: 'numeric',
  hour: '2-digit', minute: '2-digit' }) : '');
const statusName = s => STATUS_NAMES[s] || s;
const responsibleName = id => {
  const found = state.responsibles.find(a => a.id === id);
  return id == null ? '—' : found ? found.displayName : '№ ' + id;
};
const contacts = card => [...(card.emails || []), ...(card.phones || []), ...(card.handles || [])].join(', ');

async function start() {
  const me = await call('/api/me');
  if (!me.ok) {
    $('login-needed').hidden = false;
    return;
  }
  $('who').textContent = me.body.displayName;
  $('cards').hidden = false;
  const [choices, people] = await Promise.all([call('/api/cards/statuses'), call('/api/cards/responsibles')]);
  state.transfer = choices.ok ? choices.body.transfer : [];
  state.responsibles = people.ok ? people.body : [];
  Object.entries(KIND_NAMES).forEach(([value, text]) => option($('f-kind'), value, text));
  $('search').addEventListener('submit', event => { event.preventDefault(); search(); });
  $('card-form').addEventListener('submit', event => { event.preventDefault(); saveCard(); });
  $('note-form').addEventListener('submit', event => { event.preventDefault(); addNote(); });
  $('merge-submit').addEventListener('click', merge);
  $('merge-swap').addEventListener('click', () => showMerge(state.merge.from, state.merge.into));
  $('merge-cancel').addEventListener('click', () => { $('merge').hidden = true; state.merge = null; });
  $('move-search').addEventListener('submit', event => { event.preventDefault(); moveSearch(); });
  $('move-cancel').addEventListener('click', () => $('move-modal').close());
  const id = location.hash.slice(1);
  if (/^[0-9a-f-]{36}$/i.test(id)) await openCard(id);
  document.body.dataset.ready = 'true';
}

async function search() {
  const q = $('q').value.trim();
  $('search-problem').textContent = '';
  $('search-note').textContent = '';
  if (q.length < 2) {
    $('search-problem').textContent = 'Введите не меньше двух символов.';
    return;
  }
  const r = await call('/api/cards?q=' + encodeURIComponent(q));
  if (!r.ok) {
    $('search-problem').textContent = 'Поиск не удался: ' + problemOf(r);
    return;
  }
  $('search-note').textContent = r.body.length ? 'Найдено: ' + r.body.length + (r.body.length === 50 ? ' (первые 50)' : '')
    : 'Ничего не найдено.';
  renderResults($('results'), r.body, card => [
    button('result-open', 'Открыть', () => openCard(card.id)),
    button('result-merge', 'Объединить с открытой', () => startMerge(card.id)),
  ]);
  markResults();
}

function renderResults(list, cards, actions) {
  list.replaceChildren(...cards.map(card => {
    const li = node('li');
    li.dataset.cardId = card.id;
    const who = node('div', 'who');
    who.append(node('b', null, card.name));
    who.append(node('span', 'muted', [KIND_NAMES[kindOf(card)], statusName(card.status), contacts(card),
      card.studyGroup && 'группа ' + card.studyGroup, card.specialty].filter(Boolean).join(' · ')));
    li.append(who, ...actions(card));
    return li;
  }));
}

// The open card is marked in the results, and cannot be merged with itself.
function markResults() {
  const open = state.view && state.view.card.id;
  $('results').querySelectorAll('li').forEach(li => {
    li.setAttribute('aria-current', String(li.dataset.cardId === open));
    li.querySelector('.result-merge').disabled = !open || li.dataset.cardId === open;
  });
}

async function openCard(id) {
  const r = await call('/api/cards/' + encodeURIComponent(id));
  if (!r.ok) {
    $('search-problem').textContent = 'Карточка не открылась: ' + problemOf(r);
    return;
  }
  showCard(r.body);
  history.replaceState(null, '', '#' + id);
}

function showCard(view) {
  state.view = view;
  const card = view.card;
  $('card').hidden = false;
  $('card').dataset.cardId = card.id;
  $('card-name').textContent = card.name;
  $('card-meta').textContent = [KIND_NAMES[kindOf(card)], 'статус «' + statusName(card.status) + '»',
    'ответственный: ' + responsibleName(card.responsibleAgentId), 'создана ' + when(card.createdAt),
    card.identityVerified ? 'личность подтверждена порталом' : null].filter(Boolean).join(' · ');
  fillForm(card);
  // Addresses whose mail came back (a delivery report): answers to them will not arrive.
  $('card-bouncing').textContent = (view.bouncingEmails || []).length
    ? 'Не принимает почту: ' + view.bouncingEmails.map(b => b.address + (b.detail ? ' (' + b.detail + ')' : '')).join(', ')
    : '';
  clearErrors();
  $('card-problem').textContent = '';
  renderNotes(view.notes || []);
  renderDialogs(view.dialogs || []);
  renderForms(view.offlineForms || []);
  renderTasks(view.tasks || []);
  markResults();
}

function fillForm(card) {
  $('f-name').value = card.name;
  $('f-kind').value = kindOf(card);
  const status = $('f-status');
  status.replaceChildren();
  const statuses = ['NEW', ...state.transfer];
  if (!statuses.includes(card.status)) statuses.unshift(card.status);
  statuses.forEach(s => option(status, s, statusName(s)));
  status.value = card.status;
  $('f-emails').value = (card.emails || []).join('\n');
  $('f-phones').value = (card.phones || []).join('\n');
  $('f-handles').value = (card.handles || []).join('\n');
  $('f-studyGroup').value = card.studyGroup || '';
  $('f-specialty').value = card.specialty || '';
  const responsible = $('f-responsibleAgentId');
  responsible.replaceChildren();
  option(responsible, '', '— не назначен —');
  state.responsibles.forEach(a => option(responsible, String(a.id), a.displayName));
  if (card.responsibleAgentId && !state.responsibles.some(a => a.id === card.responsibleAgentId)) {
    option(responsible, String(card.responsibleAgentId), responsibleName(card.responsibleAgentId));
  }
  responsible.value = card.responsibleAgentId ? String(card.responsibleAgentId) : '';
}

function clearErrors() {
  [...FIELDS, 'body'].forEach(field => {
    const error = $('e-' + field);
    if (error) error.textContent = '';
    const input = field === 'body' ? $('note-body') : $('f-' + field);
    if (input) input.removeAttribute('aria-invalid');
  });
}

function showErrors(errors) {
  let first = null;
  Object.entries(errors).forEach(([field, text]) => {
    const error = $('e-' + field);
    const input = field === 'body' ? $('note-body') : $('f-' + field);
    if (!error || !input) return;
    error.textContent = text;
    input.setAttribute('aria-invalid', 'true');
    first = first || input;
  });
  if (first) first.focus();
  return first !== null;
}

async function saveCard() {
  clearErrors();
  $('card-saved').textContent = '';
  $('card-problem').textContent = '';
  const values = {};
  FIELDS.forEach(field => { values[field] = $('f-' + field).value; });
  const change = changeOf(state.view.card, values);
  if (!Object.keys(change).length) {
    $('card-saved').textContent = 'Изменений нет.';
    return;
  }
  const r = await call('/api/cards/' + state.view.card.id, 'PATCH', change);
  if (!r.ok) {
    if (!(r.status === 400 && showErrors(fieldErrors(r.body)))) $('card-problem').textContent = 'Не сохранено: ' + problemOf(r);
    return;
  }
  await openCard(state.view.card.id);
  $('card-saved').textContent = 'Сохранено.';
}

async function addNote() {
  clearErrors();
  const body = $('note-body').value;
  if (!body.trim()) {
    showErrors({ body: 'Напишите заметку.' });
    return;
  }
  const r = await call('/api/cards/' + state.view.card.id + '/notes', 'POST', { body });
  if (!r.ok) {
    if (!(r.status === 400 && showErrors(fieldErrors(r.body)))) showErrors({ body: 'Не сохранено: ' + problemOf(r) });
    return;
  }
  $('note-body').value = '';
  state.view.notes = [r.body, ...(state.view.notes || [])];
  renderNotes(state.view.notes);
}

function renderNotes(notes) {
  $('notes').replaceChildren(...(notes.length ? notes.map(note => {
    const li = node('li');
    li.dataset.noteId = note.id;
    li.append(node('span', 'body', note.body), node('span', 'muted', note.agentName + ', ' + when(note.createdAt)));
    return li;
  }) : [node('li', 'muted', 'Заметок нет.')]));
}

function renderDialogs(dialogs) {
  $('card-dialogs').replaceChildren(...(dialogs.length ? dialogs.map(d => {
    const li = node('li');
    li.dataset.dialogId = d.dialogId;
    const what = node('div', 'what', [when(d.openedAt), CHANNELS[d.channel] || d.channel, d.site,
      d.appealType ? APPEALS[d.appealType] + (d.requestNumber ? ' № ' + d.requestNumber : '') : null,
      d.agentName].filter(Boolean).join(' · '));
    if (d.transcript) {
      const details = node('details');
      details.append(node('summary', null, 'Стенограмма'), node('pre', 'transcript', d.transcript));
      what.append(details);
    }
    li.append(what, button('move', 'Перенести…', () => openMove('dialog', d.dialogId, 'диалог от ' + when(d.openedAt))));
    return li;
  }) : [node('li', 'muted', 'Диалогов нет.')]));
}

function renderForms(forms) {
  $('card-forms').replaceChildren(...(forms.length ? forms.map(f => {
    const li = node('li');
    li.dataset.formId = f.formId;
    li.append(node('div', 'what', [when(f.createdAt), f.site, f.name, f.email, f.phone, '«' + f.question + '»']
      .filter(Boolean).join(' · ')),
    button('move', 'Перенести…', () => openMove('form', f.formId, 'обращение от ' + when(f.createdAt))));
    return li;
  }) : [node('li', 'muted', 'Офлайн-обращений нет.')]));
}

function renderTasks(tasks) {
  $('card-tasks').replaceChildren(...(tasks.length ? tasks.map(t => {
    const li = node('li');
    li.dataset.taskId = t.taskId;
    li.append(node('div', 'what', [t.title, t.state === 'OPEN' ? 'срок ' + t.due : 'выполнена', t.result,
      t.receipt ? 'заявитель: ' + (t.receipt === 'RECEIVED' ? 'получил ответ' : 'не получил ответ') : null]
      .filter(Boolean).join(' · ')));
    return li;
  }) : [node('li', 'muted', 'Задач нет.')]));
}

// ---- merge: the open card (left, kept) and another (right), with what the kept card will hold

async function startMerge(otherId) {
  if (!state.view) return;
  await showMerge(state.view.card.id, otherId);
}

async function showMerge(intoId, fromId) {
  $('merge-problem').textContent = '';
  const [into, from] = await Promise.all([call('/api/cards/' + intoId), call('/api/cards/' + fromId)]);
  if (!into.ok || !from.ok) {
    $('merge-problem').textContent = 'Карточка не открылась: ' + problemOf(into.ok ? from : into);
    $('merge').hidden = false;
    return;
  }
  state.merge = { into: intoId, from: fromId };
  const preview = mergePreview(into.body, from.body);
  mergeColumn($('merge-into'), 'Остаётся', summary(into.body));
  mergeColumn($('merge-from'), 'Объединяется', summary(from.body));
  mergeColumn($('merge-result'), 'После объединения', preview);
  $('merge').hidden = false;
  $('merge').scrollIntoView({ block: 'start' });
}

function summary(view) {
  const card = view.card;
  return { name: card.name, kind: kindOf(card), emails: card.emails, phones: card.phones, handles: card.handles,
    status: card.status, studyGroup: card.studyGroup, specialty: card.specialty,
    responsibleAgentId: card.responsibleAgentId, dialogs: (view.dialogs || []).length,
    offlineForms: (view.offlineForms || []).length, tasks: (view.tasks || []).length, notes: (view.notes || []).length };
}

function mergeColumn(box, title, s) {
  const dl = node('dl');
  const row = (term, value, key) => {
    const dd = node('dd', null, value == null || value === '' ? '—' : String(value));
    dd.dataset.field = key;
    dl.append(node('dt', null, term), dd);
  };
  row('Имя', s.name + (s.otherName ? ' (также «' + s.otherName + '»)' : ''), 'name');
  row('Кто это', KIND_NAMES[s.kind], 'kind');
  row('E-mail', (s.emails || []).join(', '), 'emails');
  row('Телефоны', (s.phones || []).join(', '), 'phones');
  row('Мессенджеры', (s.handles || []).join(', '), 'handles');
  row('Статус', statusName(s.status), 'status');
  row('Группа', s.studyGroup, 'studyGroup');
  row('Специальность', s.specialty, 'specialty');
  row('Ответственный', responsibleName(s.responsibleAgentId), 'responsible');
  row('Диалоги', s.dialogs, 'dialogs');
  row('Офлайн', s.offlineForms, 'offlineForms');
  row('Задачи', s.tasks, 'tasks');
  row('Заметки', s.notes, 'notes');
  box.replaceChildren(node('h3', null, title), dl);
}

async function merge() {
  const { into, from } = state.merge;
  $('merge-submit').disabled = true;
  const r = await call('/api/cards/' + into + '/merge', 'POST', { from });
  $('merge-submit').disabled = false;
  if (!r.ok) {
    $('merge-problem').textContent = 'Не объединено: ' + problemOf(r);
    return;
  }
  $('merge').hidden = true;
  state.merge = null;
  $('results').querySelector('li[data-card-id="' + from + '"]')?.remove();
  await openCard(into);
  $('card-saved').textContent = 'Карточки объединены.';
}

// ---- move a dialog or an offline form to another card

function openMove(kind, id, what) {
  state.move = { kind, id };
  $('move-what').textContent = 'Что переносим: ' + what + '. С карточки «' + state.view.card.name + '».';
  $('move-results').replaceChildren();
  $('move-problem').textContent = '';
  $('move-modal').showModal();
  $('move-q').focus();
}

async function moveSearch() {
  const q = $('move-q').value.trim();
  $('move-problem').textContent = '';
  if (q.length < 2) {
    $('move-problem').textContent = 'Введите не меньше двух символов.';
    return;
  }
  const r = await call('/api/cards?q=' + encodeURIComponent(q));
  if (!r.ok) {
    $('move-problem').textContent = 'Поиск не удался: ' + problemOf(r);
    return;
  }
  const others = r.body.filter(card => card.id !== state.view.card.id);
  if (!others.length) $('move-problem').textContent = 'Другой карточки не найдено.';
  renderResults($('move-results'), others, card => [button('move-choose', 'Сюда', () => moveTo(card))]);
}

async function moveTo(card) {
  const { kind, id } = state.move;
  const path = kind === 'dialog' ? '/api/dialogs/' + id + '/move' : '/api/offline-forms/' + id + '/move';
  const r = await call(path, 'POST', { cardId: card.id });
  if (!r.ok) {
    $('move-problem').textContent = 'Не перенесено: ' + problemOf(r);
    return;
  }
  $('move-modal').close();
  await openCard(state.view.card.id);
  $('card-saved').textContent = (kind === 'dialog' ? 'Диалог' : 'Обращение') + ' перенесён на карточку «' + card.name + '».';
}

start();
