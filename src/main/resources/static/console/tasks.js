// The agent's tasks (from classified dialogs): list, completion with a result.
import { cardShown, loadCard } from './card.js';
import { app, el } from './state.js';
import { api, button, dayLabel, div, loadJson, problemText, showNotice, todayIso } from './ui.js';

export let tasksTimer = 0, tasksSoon = 0, taskItems = [], tasksTotal = 0, tasksLoading = false;
// The server's largest page: the soonest due come first, so what does not fit is what is due last.
const TASKS_PAGE = 200;
export const TASK_STATE = { OPEN: 'открыта', DONE: 'выполнена', CANCELLED: 'отменена' };

export function setupTasks() {
  clearInterval(tasksTimer);
  refreshTasks();
  tasksTimer = setInterval(refreshTasks, 60000);
}

export function stopTasks() {
  clearInterval(tasksTimer);
  clearTimeout(tasksSoon);
  taskItems = [];
  tasksTotal = 0;
  renderTasks();
}

// A classification makes its task a moment later: look twice.
export function refreshTasksSoon() {
  clearTimeout(tasksSoon);
  tasksSoon = setTimeout(() => { refreshTasks(); tasksSoon = setTimeout(refreshTasks, 2500); }, 700);
}

export async function refreshTasks() {
  if (!app.loggedIn || tasksLoading) return;
  tasksLoading = true;
  const r = await loadJson('/api/tasks?limit=' + TASKS_PAGE, el.tasksError, 'Не удалось загрузить задачи');
  tasksLoading = false;
  if (!app.loggedIn) return;
  if (r.ok) {
    taskItems = r.body;
    const total = Number(r.headers && r.headers.get('X-Total-Count'));
    tasksTotal = Number.isFinite(total) && total > taskItems.length ? total : taskItems.length;
  }
  renderTasks();
}

export function renderTasks() {
  const today = todayIso();
  el.noTasks.hidden = taskItems.length > 0;
  const overdue = taskItems.filter(t => t.due && t.due < today).length;
  const total = Math.max(tasksTotal, taskItems.length);
  el.tasksCount.textContent = taskItems.length ? '(' + total + (overdue ? ', просрочено: ' + overdue : '')
    + (total > taskItems.length ? '; показаны первые ' + taskItems.length : '') + ')' : '';
  const existing = new Map([...el.tasks.children].map(li => [li.dataset.taskId, li]));
  taskItems.forEach((t, index) => {
    let li = existing.get(t.id);
    existing.delete(t.id);
    if (!li) li = buildTask(t);
    const late = !!t.due && t.due < today;
    li.dataset.overdue = late ? 'true' : 'false';
    li.querySelector('.title').textContent = t.title || t.kind;
    li.querySelector('.due').textContent = (t.due ? 'срок ' + dayLabel(t.due) : 'без срока')
      + (late ? ' — просрочена' : '') + (t.escalations ? ' · эскалаций: ' + t.escalations : '');
    if (el.tasks.children[index] !== li) el.tasks.insertBefore(li, el.tasks.children[index] || null);
  });
  // A task with its completion form open stays until it is sent or cancelled.
  existing.forEach(li => { if (!li.querySelector('form')) li.remove(); });
}

export function buildTask(t) {
  const li = document.createElement('li');
  li.className = 'task';
  li.dataset.taskId = t.id;
  div('title', li);
  div('due', li);
  const actions = div('actions', li);
  const done = button('task-complete', 'Выполнить', () => openCompletion(li, t, done));
  actions.append(done);
  div('form-error task-error', li).setAttribute('role', 'alert');
  return li;
}

export function openCompletion(li, t, done) {
  if (li.querySelector('form')) return;
  done.hidden = true;
  const form = document.createElement('form');
  form.className = 'task-form';
  const fieldId = 'task-result-' + t.id;
  const label = document.createElement('label');
  label.htmlFor = fieldId;
  label.textContent = 'Результат (что сообщили посетителю)';
  const text = document.createElement('textarea');
  text.id = fieldId;
  text.className = 'task-result';
  text.rows = 3;
  text.maxLength = 4000;
  const row = div('actions', null);
  const submit = document.createElement('button');
  submit.type = 'submit';
  submit.className = 'primary task-submit';
  submit.textContent = 'Сохранить';
  const cancel = button('task-cancel', 'Отмена', () => {
    form.remove();
    done.hidden = false;
    li.querySelector('.task-error').textContent = '';
    renderTasks();
  });
  row.append(submit, cancel);
  form.append(label, text, row);
  li.insertBefore(form, li.querySelector('.task-error'));
  text.focus();
  form.addEventListener('submit', async e => {
    e.preventDefault();
    const error = li.querySelector('.task-error');
    const result = text.value.trim();
    if (!result) { error.textContent = 'Опишите результат.'; text.focus(); return; }
    error.textContent = '';
    submit.disabled = true;
    const r = await api('/api/tasks/' + encodeURIComponent(t.id) + '/complete', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ result })
    });
    submit.disabled = false;
    if (r.ok) {
      taskItems = taskItems.filter(x => x.id !== t.id);
      tasksTotal = Math.max(0, tasksTotal - 1);
      li.remove();
      renderTasks();
      showNotice('Задача выполнена: ' + (t.title || ''));
      refreshTasks();
      if (app.selectedId && cardShown && cardShown.cardTaskIds.has(t.id)) loadCard(app.selectedId, true);
    } else {
      error.textContent = 'Не удалось завершить задачу: ' + problemText(r);
    }
  });
}
el.tasksRefresh.addEventListener('click', refreshTasks);
