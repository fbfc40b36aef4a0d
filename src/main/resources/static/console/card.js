// The card panel: the person behind the selected dialog, their earlier dialogs (with transcripts), offline forms
// and tasks.
import { app, el, label, loadLabels, save } from './state.js';
import { api, button, dateTime, dayLabel, div, field, item, loadJson, problemText, renderList, todayIso } from './ui.js';

export let cardSeq = 0, cardRetry = 0, cardShown = null, siteNames = null;
export const openTranscripts = new Set();
const cardTries = {};

export function setCardCollapsed(collapsed) {
  el.cardPanel.dataset.collapsed = collapsed ? 'true' : 'false';
  el.cardToggle.setAttribute('aria-expanded', collapsed ? 'false' : 'true');
  el.cardToggle.textContent = collapsed ? '⟨' : '⟩';
  el.cardToggle.title = collapsed ? 'Развернуть карточку' : 'Свернуть карточку';
  el.cardToggle.setAttribute('aria-label', el.cardToggle.title);
}
export const cardCollapsed = () => el.cardPanel.dataset.collapsed === 'true';

el.cardToggle.addEventListener('click', () => {
  const collapse = !cardCollapsed();
  setCardCollapsed(collapse);
  save('localStorage', 'cardCollapsed', collapse);
  // Reading a card is audited: a collapsed panel reads nothing, and reads the card when it is opened.
  if (!collapse && app.selectedId && (!cardShown || cardShown.dialogId !== app.selectedId)) loadCard(app.selectedId);
});
el.cardRefresh.addEventListener('click', () => { if (app.selectedId) loadCard(app.selectedId); });

export function showCard(status) {
  clearTimeout(cardRetry);
  cardSeq++;
  cardShown = null;
  el.cardStatus.textContent = status || 'Выберите диалог';
  el.cardContent.hidden = true;
}

export async function loadSiteNames() {
  if (siteNames) return;
  const r = await loadJson('/api/sites');
  siteNames = {};
  if (r.ok) r.body.forEach(site => { siteNames[site.id] = site.name; });
}

// Loads the card of a dialog into the side panel. 404 means the dialog has no card yet (it is made just
// after the dialog opens): asked again once after 2 s. quiet keeps what is shown until the answer comes.
export function loadCard(id, quiet) {
  if (!id) return showCard(null);
  if (cardCollapsed()) { showCard('Карточка свёрнута.'); return; }
  clearTimeout(cardRetry);
  const seq = ++cardSeq;
  if (!quiet || !cardShown || cardShown.dialogId !== id) {
    cardShown = null;
    el.cardContent.hidden = true;
    el.cardStatus.textContent = 'Загрузка карточки…';
  }
  fetchCard(id, seq, false);
}

export async function fetchCard(id, seq, retried) {
  const [r] = await Promise.all([api('/api/dialogs/' + encodeURIComponent(id) + '/card'), loadSiteNames(), loadLabels()]);
  if (seq !== cardSeq || !app.loggedIn) return;
  if (r.ok && r.body && r.body.card) return renderCard(r.body, id);
  if (r.status === 404 && !retried) {
    cardRetry = setTimeout(() => { if (seq === cardSeq) fetchCard(id, seq, true); }, 2000);
    return;
  }
  cardShown = null;
  el.cardContent.hidden = true;
  el.cardStatus.textContent = r.status === 404 ? 'Для этого диалога карточка ещё не создана.'
    : 'Не удалось загрузить карточку: ' + problemText(r);
}

/** Whether the card on screen shows the closed dialog's transcript already. */
export const cardHasTranscript = id => !!(cardShown && cardShown.dialogId === id && cardShown.transcript);

export const listOf = v => (Array.isArray(v) ? v.filter(Boolean).join(', ') : '');
export const siteName = id => (siteNames && siteNames[id]) || id || '';

export function renderCard(view, dialogId) {
  const card = view.card;
  cardShown = { dialogId, cardId: card.id, cardTaskIds: new Set((view.tasks || []).map(t => t.taskId)) };
  el.cardStatus.textContent = '';
  el.cardContent.hidden = false;
  el.cardContent.dataset.cardId = card.id;

  const dl = el.cardFields;
  dl.textContent = '';
  field(dl, 'Имя', card.name).className = 'card-name';
  field(dl, 'Вид', [label('cardKind', card.kind), label('contactType', card.contactType)]
    .filter(Boolean).join(', ')).className = 'card-kind';
  field(dl, 'E-mail', listOf(card.emails)).className = 'card-emails';
  const bouncing = (view.bouncingEmails || []).map(b => b.address);
  if (bouncing.length) field(dl, 'Не принимает почту', bouncing.join(', ')).className = 'card-bouncing';
  field(dl, 'Телефоны', listOf(card.phones)).className = 'card-phones';
  field(dl, 'Мессенджеры', listOf(card.handles)).className = 'card-handles';
  field(dl, 'Статус', label('cardStatus', card.status)).className = 'card-state';
  const stateField = dl.querySelector('.card-state');
  if (stateField) stateField.dataset.code = card.status || '';

  // The dialog on screen, once closed: its transcript (as text, never as HTML).
  const current = (view.dialogs || []).find(d => d.dialogId === dialogId);
  const closed = current && current.state === 'CLOSED';
  el.cardCurrent.hidden = !closed;
  cardShown.transcript = !!(closed && current.transcript);
  // The transcript is stored a moment after the close: look again a few times until it is there.
  if (closed && !current.transcript && (cardShown.tries = (cardTries[dialogId] = (cardTries[dialogId] || 0) + 1)) <= 5) {
    const seq = cardSeq;
    cardRetry = setTimeout(() => { if (seq === cardSeq && app.selectedId === dialogId) loadCard(dialogId, true); }, 2000);
  }
  el.cardCurrentTranscript.textContent = closed
    ? current.transcript || 'Стенограмма готовится — обновите карточку через несколько секунд.' : '';

  // Earlier dialogs of this person, newest first, without the one on screen.
  const earlier = (view.dialogs || []).filter(d => d.dialogId !== dialogId)
    .sort((a, b) => (Date.parse(b.openedAt) || 0) - (Date.parse(a.openedAt) || 0));
  cardList(el.cardHistory, el.cardHistoryCount, earlier, 'Других обращений нет.', d => {
    const li = item('card-item card-dialog', { dialogId: d.dialogId });
    div('line1', li, [dateTime(d.openedAt), label('channel', d.channel)].filter(Boolean).join(' · '));
    div('line2', li, [siteName(d.site), d.agentName].filter(Boolean).join(' · '));
    div('line2 appeal', li, d.appealType ? label('appealType', d.appealType)
      + (d.requestNumber ? ' № ' + d.requestNumber : '') : label('dialogState', d.state) + (d.state === 'CLOSED' ? ', тип не указан' : ''));
    if (d.rating) {
      // The visitor's rating (1–5) and comment, as text.
      const rating = div('line2 rating', li);
      const stars = document.createElement('span');
      stars.className = 'stars';
      stars.setAttribute('aria-hidden', 'true');
      stars.textContent = '★'.repeat(d.rating) + '☆'.repeat(Math.max(0, 5 - d.rating));
      rating.append('Оценка: ', stars, ' ' + d.rating + ' из 5' + (d.ratingComment ? ' — «' + d.ratingComment + '»' : ''));
    }
    const pre = document.createElement('pre');
    pre.className = 'transcript';
    pre.id = 'transcript-' + d.dialogId;
    // The transcript is shown as text, never as HTML.
    pre.textContent = d.transcript || 'Стенограммы пока нет (диалог не завершён).';
    pre.hidden = !openTranscripts.has(d.dialogId);
    const toggle = button('transcript-toggle', 'Стенограмма', () => {
      pre.hidden = !pre.hidden;
      toggle.setAttribute('aria-expanded', String(!pre.hidden));
      if (pre.hidden) openTranscripts.delete(d.dialogId); else openTranscripts.add(d.dialogId);
    });
    toggle.setAttribute('aria-controls', pre.id);
    toggle.setAttribute('aria-expanded', String(!pre.hidden));
    li.append(toggle, pre);
    return li;
  });

  cardList(el.cardForms, el.cardFormsCount, view.offlineForms || [], 'Офлайн-форм нет.', f => {
    const li = item('card-item card-form');
    div('line1', li, [dateTime(f.createdAt), siteName(f.site)].filter(Boolean).join(' · '));
    div('line2', li, [f.name, f.email, f.phone, label('offlineFormState', f.state)].filter(Boolean).join(' · '));
    div('question', li, f.question || '');
    return li;
  });

  const today = todayIso();
  cardList(el.cardTasks, el.cardTasksCount, view.tasks || [], 'Задач нет.', t => {
    const li = item('card-item card-task', { taskId: t.taskId });
    const late = t.state === 'OPEN' && t.due && t.due < today;
    div('line1', li, t.title || t.kind);
    div('line2', li, [label('taskState', t.state), t.due && 'срок ' + dayLabel(t.due) + (late ? ' — просрочена' : '')]
      .filter(Boolean).join(' · '));
    if (t.result) div('question', li, 'Результат: ' + t.result);
    return li;
  });
}

// One of the card's lists with its count "(n)" in the heading, or its empty text.
function cardList(list, count, items, empty, build) {
  count.textContent = items.length ? '(' + items.length + ')' : '';
  renderList(list, items, build, empty);
}

