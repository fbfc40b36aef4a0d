/*
 * Small helpers every panel uses: the REST calls with the session cookie and their errors, a list loaded from
 * the API and shown with its empty text and error, elements, dates, dialogs (modals) and the notice line.
 */
import { el } from './state.js';

// fetch with the session cookie; resolves to {ok, status, body} (body: parsed JSON or null), never rejects.
export async function api(path, options) {
  const init = Object.assign({ credentials: 'same-origin' }, options || {});
  init.headers = Object.assign({ Accept: 'application/json, application/problem+json' }, init.headers || {});
  try {
    const r = await fetch(path, init);
    let body = null;
    try { body = await r.json(); } catch (e) { /* no JSON body */ }
    return { ok: r.ok, status: r.status, body, headers: r.headers };
  } catch (e) {
    return { ok: false, status: 0, body: null };
  }
}
// The problem+json detail of a failed call, or a fallback naming the status.
export function problemText(r) {
  if (r.status === 0) return 'сервер недоступен';
  const b = r.body;
  return (b && (b.detail || b.title)) || 'ошибка ' + r.status;
}
export const pad = n => String(n).padStart(2, '0');
export function todayIso() {
  const t = new Date();
  return t.getFullYear() + '-' + pad(t.getMonth() + 1) + '-' + pad(t.getDate());
}
export const dayLabel = iso => (/^\d{4}-\d{2}-\d{2}$/.test(iso || '') ? iso.split('-').reverse().join('.') : iso || '');
export function dateTime(at) {
  const t = new Date(at);
  return at && !isNaN(t) ? t.toLocaleString('ru', { day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit' }) : '';
}
export function button(cls, text, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = cls;
  b.textContent = text;
  if (onClick) b.addEventListener('click', onClick);
  return b;
}


export function div(cls, parent, text) {
  const node = document.createElement('div');
  node.className = cls;
  if (text != null) node.textContent = text;
  if (parent) parent.append(node);
  return node;
}

export function timeOf(at) {
  const t = new Date(at || Date.now());
  return isNaN(t) ? '' : t.toLocaleTimeString('ru', { hour: '2-digit', minute: '2-digit' });
}

export function showModal(m) {
  if (typeof m.showModal === 'function') { if (!m.open) m.showModal(); } else m.setAttribute('open', '');
}

export function hideModal(m) {
  if (typeof m.close === 'function') { if (m.open) m.close(); } else m.removeAttribute('open');
}

export let noticeTimer = 0;

export function showNotice(text) {
  el.notice.textContent = text;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => { el.notice.textContent = ''; }, 15000);
}

export function emptyItem(list, text) {
  const li = document.createElement('li');
  li.className = 'muted empty-item';
  li.textContent = text;
  list.append(li);
}

export function option(select, value, text) {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = text;
  select.append(o);
  return o;
}

export function cell(tr, text) {
  const td = document.createElement('td');
  td.textContent = text;
  tr.append(td);
  return td;
}

export function field(dl, name, value) {
  const dt = document.createElement('dt');
  dt.textContent = name;
  const dd = document.createElement('dd');
  dd.textContent = value == null || value === '' ? '—' : String(value);
  dl.append(dt, dd);
  return dd;
}

/**
 * The panels' "load JSON, then show it or the error": GETs path; an answer that is valid (an array, unless said
 * otherwise) clears the panel's error element; any other writes "prefix: problem" into it, except 401/403 (not
 * for this user: the caller hides the panel). Resolves to api()'s {ok, status, body}, ok only for a valid body.
 */
export async function loadJson(path, error, prefix, valid = Array.isArray) {
  const r = await api(path);
  if (r.ok && valid(r.body)) {
    if (error) error.textContent = '';
    return r;
  }
  if (error && r.status !== 401 && r.status !== 403) error.textContent = prefix + ': ' + problemText(r);
  return { ok: false, status: r.status, body: r.body, headers: r.headers };
}

/**
 * Fills a list element: one child from build(item) per item, and the empty state (an element shown when there is
 * nothing, or a text put as a muted item) otherwise.
 */
export function renderList(list, items, build, empty) {
  list.textContent = '';
  if (empty && typeof empty === 'object') empty.hidden = items.length > 0;
  else if (empty && !items.length) emptyItem(list, empty);
  items.forEach((item, i) => { const node = build(item, i); if (node) list.append(node); });
}

/** A list item with a class and data-* attributes. */
export function item(cls, data) {
  const li = document.createElement('li');
  li.className = cls;
  Object.entries(data || {}).forEach(([k, v]) => { li.dataset[k] = v; });
  return li;
}
