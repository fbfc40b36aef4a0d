// Files in the dialog go over HTTP, not the socket, with the visitor's token: a link that fetches one (a plain link
// could not send the token) and saves it by its name, and the upload of one the visitor attaches.
import { uid } from '../shared/protocol.js';
import { SITE, T, gateway } from './env.js';
import { dialog, token } from './session.js';
import { byCid, makeMsg, place, setState, onAck } from './messages.js';

const filesUrl = query => gateway('/api/widget/files') + '?' + new URLSearchParams(query);

export function fileLink(el, m) {
  if (el._f) return;
  const a = el._f = document.createElement('a');
  a.href = '#'; a.className = 'dl'; a.textContent = T.dl + ': ' + m.fileName;
  a.onclick = async e => {
    e.preventDefault();
    const r = await fetch(filesUrl({ site: SITE, dialogId: m.dialogId, clientMsgId: m.clientMsgId }),
      { headers: { Authorization: 'Bearer ' + token } });
    if (!r.ok) return;
    const b = document.createElement('a');
    b.href = URL.createObjectURL(await r.blob()); b.download = m.fileName; b.click();
  };
  el.insertBefore(a, el.lastChild);
}

// One over 16 MB is refused here, before any upload; a 503 (the store is busy) is tried again, six times at most.
export async function attach(f) {
  const id = uid(), el = makeMsg({ from: 'visitor', text: f.name });
  byCid.set(id, el);
  place(el);
  if (f.size > 16777216) return setState(el, 'failed', T.big);
  setState(el, 'sending');
  let r, p = {};
  for (let n = 0; n < 6; n++) {
    r = null; p = {};
    try {
      r = await fetch(filesUrl({ site: SITE, dialogId: dialog.dialogId, clientMsgId: id, name: f.name }), {
        method: 'POST', body: f, headers: { Authorization: 'Bearer ' + token, 'Content-Type': f.type || 'application/octet-stream' }
      });
      p = await r.json();
    } catch (e) { /* network, or no body */ }
    if (!r || r.status !== 503 || n === 5) break;
    await new Promise(ok => setTimeout(ok, 1000 * Math.min(60, +r.headers.get('Retry-After') || 5)));
  }
  if (r && r.status === 201) onAck(p);
  else setState(el, 'failed', r && (r.status === 413 || r.status === 429) ? T.quota : p.detail || T.fNet);
}
