// Closing a dialog with its appeal type, and classifying one the visitor closed (regulation 4.3, item 2).
import { renderConversation } from './conversation.js';
import { APPEAL_LABEL, app, dialogs, el, errorText, send } from './state.js';
import { hideModal, showModal } from './ui.js';

// «Create the request» is offered only when the gateway is connected to the ticket desk (GET /api/ticket-desk).
const createTicket = document.getElementById('create-ticket');
const createTicketRow = document.getElementById('create-ticket-row');
let deskCreates = null;

async function askDesk() {
  if (deskCreates !== null) return;
  try {
    const r = await fetch('/api/ticket-desk', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    deskCreates = r.ok && (await r.json()).creates === true;
  } catch (e) { deskCreates = null; }
  syncRequestFields();
}

export function openCloseModal(d, mode) {
  app.closing = { id: d.id, mode, sent: false };
  el.closeTitle.textContent = mode === 'close' ? 'Завершить диалог' : 'Классифицировать обращение';
  el.closeHint.textContent = mode === 'close'
    ? 'Укажите тип обращения (регламент, 4.3, п. 2).'
    : 'Посетитель завершил диалог сам. Укажите тип обращения.';
  el.closeSubmit.textContent = mode === 'close' ? 'Завершить' : 'Сохранить';
  el.closeForm.reset();
  el.closeError.textContent = '';
  [el.appealType, el.requestNumber, el.dueDate].forEach(f => f.removeAttribute('aria-invalid'));
  syncRequestFields();
  askDesk();
  el.closeSubmit.disabled = false;
  showModal(el.closeModal);
  el.appealType.focus();
}


export function syncRequestFields() {
  const type = el.appealType.value;
  el.requestFields.hidden = !type || type === 'CONSULTATION';
  createTicketRow.hidden = deskCreates !== true;
  if (createTicketRow.hidden) createTicket.checked = false;
  el.requestNumber.disabled = createTicket.checked;
}
el.appealType.addEventListener('change', syncRequestFields);
createTicket.addEventListener('change', syncRequestFields);
el.closeCancel.addEventListener('click', () => { app.closing = null; hideModal(el.closeModal); });
el.closeModal.addEventListener('close', () => { if (app.closing && !app.closing.sent) app.closing = null; });

el.closeForm.addEventListener('submit', e => {
  e.preventDefault();
  if (!app.closing) return;
  const d = dialogs.get(app.closing.id);
  const type = el.appealType.value, number = el.requestNumber.value.trim(), due = el.dueDate.value;
  [el.appealType, el.requestNumber, el.dueDate].forEach(f => f.removeAttribute('aria-invalid'));
  let problem = null, field = null;
  if (!type) { problem = 'Выберите тип обращения.'; field = el.appealType; }
  else if (type !== 'CONSULTATION' && !number && !createTicket.checked) {
    problem = 'Укажите номер заявки в «Едином окне»: для типа «' + APPEAL_LABEL[type] + '» он обязателен.';
    field = el.requestNumber;
  } else if (type !== 'CONSULTATION' && due && !/^\d{4}-\d{2}-\d{2}$/.test(due)) {
    problem = 'Срок — дата в формате ГГГГ-ММ-ДД.'; field = el.dueDate;
  } else if (!d) problem = 'Диалог больше не в списке.';
  else if (!app.conn.ready) problem = 'Нет связи с сервером. Дождитесь переподключения и повторите.';
  if (problem) {
    el.closeError.textContent = problem;
    if (field) { field.setAttribute('aria-invalid', 'true'); field.focus(); }
    return;
  }
  const frame = { type: app.closing.mode, dialogId: d.id, appealType: type, ref: app.closing.mode + ':' + d.id };
  if (type !== 'CONSULTATION') {
    if (createTicket.checked) frame.createTicket = true;
    else frame.requestNumber = number;
    if (due) frame.dueDate = due;
  }
  el.closeError.textContent = '';
  d.error = null;
  if (send(frame)) { app.closing.sent = true; el.closeSubmit.disabled = true; }
  else el.closeError.textContent = 'Нет связи с сервером. Повторите.';
});

export function closeFailed(id, e) {
  const text = (app.closing && app.closing.mode === 'classify' ? 'Не удалось сохранить тип обращения: ' : 'Не удалось завершить диалог: ')
    + errorText(e);
  if (app.closing && app.closing.id === id) {
    app.closing.sent = false;
    el.closeSubmit.disabled = false;
    el.closeError.textContent = text;
    if (!el.closeModal.open) showModal(el.closeModal);
  } else {
    const d = dialogs.get(id);
    if (d) { d.error = text; renderConversation(); }
  }
}
