// Files on the answers of e-mail dialogs: the reply box's «Файлы» picks them for the next answer (kept per dialog
// until it is sent), they are uploaded under the answer's client id before the answer goes (docs/email.md); and the
// files each answer carried are listed under it in the history, as download links.
import { addFiles, answerFileLinks, uploadError } from './email-view.js';
import { app, dialogs, el } from './state.js';
import { api, button, showNotice } from './ui.js';

// dialogId → {id: the answer's client id, files: [File]}: what the agent picked for the answer being written
const picked = new Map();

export const isEmail = d => !!d && d.summary.channel === 'EMAIL';

/** The reply box's part: the button for e-mail dialogs the agent may write in, and the picked files. */
export function renderPicked(writable) {
  const d = dialogs.get(app.selectedId);
  const on = writable && isEmail(d);
  el.attachButton.hidden = !on;
  el.attachButton.disabled = !on;
  const p = on && picked.get(d.id);
  el.replyFiles.textContent = '';
  el.replyFiles.hidden = !(p && p.files.length);
  if (!p) return;
  p.files.forEach(f => {
    const chip = document.createElement('li');
    chip.className = 'reply-file';
    chip.textContent = f.name + ' ';
    chip.append(button('link', '×', () => {
      p.files = p.files.filter(x => x !== f);
      renderPicked(true);
    }));
    chip.lastChild.title = 'Убрать файл ' + f.name;
    el.replyFiles.append(chip);
  });
}

el.attachButton.addEventListener('click', () => el.attachInput.click());
el.attachInput.addEventListener('change', () => {
  const d = dialogs.get(app.selectedId);
  if (!isEmail(d)) return;
  const p = picked.get(d.id) || { id: null, files: [] };
  const { files, refused } = addFiles(p.files, Array.from(el.attachInput.files));
  el.attachInput.value = '';
  picked.set(d.id, Object.assign(p, { files }));
  if (refused.length) showNotice(refused.join('; '));
  renderPicked(true);
});

/**
 * Uploads the files picked for the dialog's answer under `clientMsgId` (a retry after a failure uses the id of the
 * first try, and the server keeps a name once); true when there were none or all are stored. On a refusal the
 * files stay picked and the notice says why.
 */
export async function uploadPicked(d, clientMsgId) {
  const p = picked.get(d.id);
  if (!p || !p.files.length) return { ok: true, id: clientMsgId };
  p.id = p.id || clientMsgId;
  for (const f of p.files) {
    const r = await api('/api/email/dialogs/' + encodeURIComponent(d.id) + '/answers/' + encodeURIComponent(p.id)
      + '/files?name=' + encodeURIComponent(f.name),
    { method: 'POST', headers: { 'Content-Type': f.type || 'application/octet-stream' }, body: f });
    if (!r.ok) {
      showNotice(uploadError(f.name, r));
      return { ok: false, id: p.id };
    }
  }
  picked.delete(d.id);
  return { ok: true, id: p.id };
}

/**
 * Lists under each answer of an e-mail dialog the files it carried. Calls while a load runs make one more load after
 * it (a replay of many answers reads the list twice at most).
 */
export async function showAnswerFiles(d) {
  if (!isEmail(d)) return;
  if (d.filesLoading) { d.filesAgain = true; return; }
  d.filesLoading = true;
  try {
    const r = await api('/api/email/dialogs/' + encodeURIComponent(d.id) + '/answers/files');
    if (r.ok && Array.isArray(r.body)) answerFileLinks(r.body).forEach((links, cid) => showLinks(d, cid, links));
  } finally {
    d.filesLoading = false;
  }
  if (d.filesAgain) {
    d.filesAgain = false;
    showAnswerFiles(d);
  }
}

function showLinks(d, cid, links) {
  const node = Array.from(d.list.children).find(n => n.dataset.cid === cid);
  if (!node || !links.length) return;
  const old = node.querySelector('.answer-files');
  if (old) old.remove();
  const list = document.createElement('ul');
  list.className = 'answer-files';
  list.setAttribute('aria-label', 'Файлы ответа');
  links.forEach(l => {
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.className = 'file';
    a.href = l.href;
    a.download = l.name;
    a.textContent = l.text;
    li.append(a);
    list.append(li);
  });
  node.insertBefore(list, node.lastChild);
}
