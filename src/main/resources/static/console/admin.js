// Administration (ADMIN): agents (create, roles, lines, capacity, disable) and the configured lines.
import { el } from './state.js';
import { api, button, cell, hideModal, problemText, showModal, showNotice } from './ui.js';

// An ADMIN keeps the agents (create, change roles, lines and capacity, disable) and sees the configured lines
// with who serves them; everything goes through /api/admin.
export const ROLE_NAMES = { AGENT: 'оператор', DISPATCHER: 'диспетчер', SUPERVISOR: 'руководитель', ADMIN: 'администратор' };
export let adminAgents = [], adminLineList = [], adminEditing = null;

export async function openAdmin() {
  showModal(el.adminModal);
  closeAdminForm();
  await loadAdmin();
  el.adminNew.focus();
}

export async function loadAdmin() {
  const [agentsR, linesR] = await Promise.all([api('/api/admin/agents'), api('/api/admin/lines')]);
  if (!agentsR.ok || !linesR.ok) {
    el.adminError.textContent = 'Не удалось загрузить: ' + problemText(agentsR.ok ? linesR : agentsR);
    return;
  }
  el.adminError.textContent = '';
  adminAgents = agentsR.body || [];
  adminLineList = linesR.body || [];
  renderAdmin();
}


export function renderAdmin() {
  el.adminAgents.textContent = '';
  adminAgents.slice().sort((a, b) => a.login.localeCompare(b.login)).forEach(a => {
    const tr = document.createElement('tr');
    tr.dataset.agentId = String(a.id);
    tr.dataset.login = a.login;
    tr.dataset.enabled = String(a.enabled);
    cell(tr, a.login);
    cell(tr, a.displayName);
    cell(tr, (a.roles || []).map(r => ROLE_NAMES[r] || r).join(', '));
    cell(tr, (a.lines || []).join(', ') || '—');
    cell(tr, String(a.maxDialogs));
    cell(tr, a.enabled ? 'включена' : 'отключена');
    const edit = button('admin-edit small', 'Изменить', () => openAdminForm(a));
    edit.setAttribute('aria-label', 'Изменить ' + a.login);
    cell(tr, '').append(edit);
    el.adminAgents.append(tr);
  });
  el.adminLinesTable.textContent = '';
  adminLineList.forEach(l => {
    const tr = document.createElement('tr');
    tr.dataset.line = l.id;
    cell(tr, l.name + ' (' + l.id + ')');
    cell(tr, (l.sites || []).map(site => site.name + ' — ' + site.host + ', ' + site.mailbox).join('; ') || '—');
    cell(tr, (l.agents || []).map(a => a.displayName + (a.enabled ? '' : ' (отключена)')).join(', ') || 'никто');
    el.adminLinesTable.append(tr);
  });
}

export function openAdminForm(a) {
  adminEditing = a || {};
  const isNew = !adminEditing.id;
  el.adminForm.hidden = false;
  el.adminFormTitle.textContent = isNew ? 'Новый агент' : 'Агент ' + adminEditing.login;
  el.adminFormError.textContent = '';
  el.adminLogin.value = adminEditing.login || '';
  el.adminLogin.disabled = !isNew;
  el.adminDisplay.value = adminEditing.displayName || '';
  el.adminPassword.value = '';
  el.adminPassword.placeholder = isNew ? '' : 'не менять';
  el.adminMax.value = String(adminEditing.maxDialogs || 5);
  el.adminEnabled.checked = isNew || adminEditing.enabled;
  const roles = adminEditing.roles || ['AGENT'];
  el.adminRoles.querySelectorAll('input').forEach(i => { i.checked = roles.includes(i.value); });
  el.adminLines.querySelectorAll('label').forEach(n => n.remove());
  adminLineList.forEach(l => {
    const label = document.createElement('label');
    label.className = 'inline';
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.name = 'admin-line';
    box.value = l.id;
    box.checked = (adminEditing.lines || []).includes(l.id);
    label.append(box, ' ' + l.name + ' (' + l.id + ')');
    el.adminLines.append(label);
  });
  [el.adminLogin, el.adminDisplay, el.adminPassword, el.adminMax].forEach(f => f.removeAttribute('aria-invalid'));
  (isNew ? el.adminLogin : el.adminDisplay).focus();
}

export function closeAdminForm() {
  adminEditing = null;
  el.adminForm.hidden = true;
}

export function adminInvalid(field, text) {
  el.adminFormError.textContent = text;
  field.setAttribute('aria-invalid', 'true');
  field.focus();
}

el.adminForm.addEventListener('submit', async e => {
  e.preventDefault();
  if (!adminEditing) return;
  const editing = adminEditing, isNew = !editing.id;
  [el.adminLogin, el.adminDisplay, el.adminPassword, el.adminMax].forEach(f => f.removeAttribute('aria-invalid'));
  const checked = box => [...box.querySelectorAll('input:checked')].map(i => i.value);
  const body = {
    displayName: el.adminDisplay.value.trim(), roles: checked(el.adminRoles), lines: checked(el.adminLines),
    maxDialogs: +el.adminMax.value, enabled: el.adminEnabled.checked
  };
  const password = el.adminPassword.value;
  if (isNew) body.login = el.adminLogin.value.trim();
  if (password) body.password = password;
  if (isNew && !/^[a-z0-9._-]{2,64}$/.test(body.login)) return adminInvalid(el.adminLogin, 'Логин: 2–64 строчные латинские буквы, цифры, . _ -');
  if (!body.displayName) return adminInvalid(el.adminDisplay, 'Укажите имя.');
  if ((isNew || password) && password.length < 8) return adminInvalid(el.adminPassword, 'Пароль не короче 8 символов.');
  if (!(body.maxDialogs >= 1 && body.maxDialogs <= 100)) return adminInvalid(el.adminMax, 'От 1 до 100 диалогов.');
  if (!body.roles.length) {
    el.adminFormError.textContent = 'Выберите хотя бы одну роль.';
    el.adminRoles.querySelector('input').focus();
    return;
  }
  el.adminSave.disabled = true;
  const r = await api(isNew ? '/api/admin/agents' : '/api/admin/agents/' + editing.id, {
    method: isNew ? 'POST' : 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body)
  });
  el.adminSave.disabled = false;
  if (!r.ok) {
    el.adminFormError.textContent = 'Не сохранено: ' + (r.status === 409 && isNew ? 'такой логин уже есть' : problemText(r));
    return;
  }
  closeAdminForm();
  showNotice('Агент ' + (body.login || editing.login) + ' сохранён.');
  await loadAdmin();
  el.adminNew.focus();
});

el.adminOpen.addEventListener('click', openAdmin);
el.adminClose.addEventListener('click', () => hideModal(el.adminModal));
el.adminNew.addEventListener('click', () => openAdminForm(null));
el.adminCancel.addEventListener('click', () => { closeAdminForm(); el.adminNew.focus(); });
