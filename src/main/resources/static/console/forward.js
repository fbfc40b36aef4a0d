// Forwarding a dialog to a colleague or a line, and a supervisor taking one over.
import { stopTyping } from './conversation.js';
import { app, dialogs, el, errorText, isSupervisor, send } from './state.js';
import { api, hideModal, option, problemText, showModal, showNotice } from './ui.js';

export let targets = null;

// Colleagues and lines of the whole contact centre (the canned answers' line picker uses it).
export async function loadDirectory() {
  const r = await fetch('/api/console/directory', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  if (!r.ok) throw new Error('HTTP ' + r.status);
  return r.json();
}

// Where the dialog may go now (GET /api/dialogs/{id}/forward-targets): colleagues with a console open, ONLINE or
// AWAY, with their state (a FULL one is listed but cannot be chosen), and the other lines someone can take it on.
export async function loadTargets(id) {
  const r = await api('/api/dialogs/' + encodeURIComponent(id) + '/forward-targets');
  if (!r.ok || !r.body) throw new Error(problemText(r));
  return r.body;
}

export function forwardKind() {
  const checked = el.forwardForm.querySelector('input[name=forward-kind]:checked');
  return checked ? checked.value : 'agent';
}
export function syncForwardKind() {
  const toLine = forwardKind() === 'line';
  el.forwardAgent.hidden = el.forwardAgentLabel.hidden = toLine;
  el.forwardLine.hidden = el.forwardLineLabel.hidden = !toLine;
}
el.forwardForm.querySelectorAll('input[name=forward-kind]').forEach(r => r.addEventListener('change', syncForwardKind));

el.forwardDialog.addEventListener('click', async () => {
  const d = dialogs.get(app.selectedId);
  if (!d) return;
  stopTyping();
  app.forwarding = { id: d.id, sent: false };
  el.forwardForm.reset();
  el.forwardError.textContent = '';
  el.forwardSubmit.disabled = true;
  el.forwardAgent.textContent = '';
  el.forwardLine.textContent = '';
  option(el.forwardAgent, '', 'Загрузка…');
  syncForwardKind();
  showModal(el.forwardModal);
  let found;
  try {
    found = await loadTargets(d.id);
  } catch (err) {
    el.forwardAgent.textContent = '';
    el.forwardError.textContent = 'Не удалось загрузить, кому передать: ' + err.message;
    return;
  }
  if (!app.forwarding || app.forwarding.id !== d.id) return;
  targets = found;
  const agents = (found.agents || []).filter(a => a.id !== app.agentId);
  const lines = found.lines || [];
  el.forwardAgent.textContent = '';
  el.forwardLine.textContent = '';
  option(el.forwardAgent, '', agents.length ? '— выберите коллегу —' : 'Никого из коллег нет в сети');
  agents.forEach(a => {
    const o = option(el.forwardAgent, String(a.id), a.label || a.displayName);
    o.dataset.state = a.state || '';
    if (a.state === 'FULL') o.disabled = true;
  });
  option(el.forwardLine, '', lines.length ? '— выберите линию —' : 'Нет линий, где могут принять диалог');
  lines.forEach(l => option(el.forwardLine, l.id, l.name + ' — в сети ' + (l.agentsOnline || 0)
    + ', свободно ' + (l.free || 0) + (l.waiting ? ', ждут ' + l.waiting : '')));
  el.forwardSubmit.disabled = false;
});

el.forwardCancel.addEventListener('click', () => { app.forwarding = null; hideModal(el.forwardModal); });
el.forwardModal.addEventListener('close', () => { if (app.forwarding && !app.forwarding.sent) app.forwarding = null; });

el.forwardForm.addEventListener('submit', e => {
  e.preventDefault();
  if (!app.forwarding) return;
  const toLine = forwardKind() === 'line';
  const target = toLine ? el.forwardLine.value : el.forwardAgent.value;
  const note = el.forwardNote.value.trim();
  if (!target) { el.forwardError.textContent = toLine ? 'Выберите линию.' : 'Выберите коллегу.'; return; }
  if (note.length > 2000) { el.forwardError.textContent = 'Заметка длиннее 2000 символов.'; return; }
  const frame = { type: 'forward', dialogId: app.forwarding.id, ref: 'forward:' + app.forwarding.id };
  if (toLine) frame.toLine = target; else frame.toAgentId = Number(target);
  if (note) frame.note = note;
  el.forwardError.textContent = '';
  if (send(frame)) { app.forwarding.sent = true; el.forwardSubmit.disabled = true; }
  else el.forwardError.textContent = 'Нет связи с сервером. Повторите.';
});

export function forwardFailed(kind, id, e) {
  if (kind === 'forward' && app.forwarding && app.forwarding.id === id) {
    app.forwarding.sent = false;
    el.forwardSubmit.disabled = false;
    el.forwardError.textContent = 'Не удалось передать диалог: ' + errorText(e);
    return;
  }
  if (kind === 'take_over') app.takingOver = null;
  showNotice((kind === 'take_over' ? 'Не удалось забрать диалог: ' : 'Не удалось передать диалог: ') + errorText(e));
}

export function takeOver(id) {
  if (!isSupervisor()) return;
  app.takingOver = id;
  if (!send({ type: 'take_over', dialogId: id, ref: 'take_over:' + id })) showNotice('Нет связи с сервером.');
}
el.takeOver.addEventListener('click', () => { if (app.selectedId) takeOver(app.selectedId); });
