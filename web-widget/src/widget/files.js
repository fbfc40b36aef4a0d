// Files in a dialog go over HTTP, not the socket (docs/protocol.md): the upload, tried again while the gateway
// answers 503 with Retry-After, and the download, fetched with the visitor's token (a plain link could not send it).

/** The largest file the gateway takes: a bigger one is refused here, before any upload. */
export const MAX_FILE = 16777216;
const TRIES = 6;

/** The address of a dialog's file (download) or of a file to store (upload, with its name). */
export const fileUrl = (files, params) => files + '?' + new URLSearchParams(params);

/** How long to wait after a 503: its Retry-After in seconds (5 without one), at most a minute. */
export const retryDelay = res => 1000 * Math.min(60, +res.headers.get('Retry-After') || 5);

/**
 * Posts the file, up to six tries while the answer is 503 (no wait after the last). Resolves to {status, body}: status null when no answer
 * came, body {} when the answer had none. `fetch` and `wait(ms)` are the page's (a test gives fakes).
 */
export async function upload(file, { url, token, fetch, wait }) {
  let r, p = {};
  for (let n = 0; n < TRIES; n++) {
    r = null; p = {};
    try {
      r = await fetch(url, {
        method: 'POST', body: file, headers: { Authorization: 'Bearer ' + token, 'Content-Type': file.type || 'application/octet-stream' }
      });
      p = await r.json();
    } catch (e) { /* network, or no body */ }
    if (!r || r.status !== 503 || n === TRIES - 1) break;
    await wait(retryDelay(r));
  }
  return { status: r ? r.status : null, body: p };
}

/** Why an upload that was not 201 failed, in the visitor's words. */
export const uploadFailure = (status, body, T) => (status === 413 || status === 429 ? T.quota : body && body.detail || T.fNet);

/** Fetches the file with the token and saves it under its name; false when the gateway refused it. */
export async function download(fileName, { url, token, fetch, doc, objectUrl }) {
  const r = await fetch(url, { headers: { Authorization: 'Bearer ' + token } });
  if (!r.ok) return false;
  const b = doc.createElement('a');
  b.href = objectUrl(await r.blob()); b.download = fileName; b.click();
  return true;
}

/** Adds the link «Скачать: name» to a message element, once, before its meta line; a click calls onOpen. */
export function fileLink(el, fileName, T, onOpen) {
  if (el._f) return;
  const a = el._f = el.ownerDocument.createElement('a');
  a.href = '#'; a.className = 'dl'; a.textContent = T.dl + ': ' + fileName;
  a.onclick = e => { e.preventDefault(); onOpen(); };
  el.insertBefore(a, el.lastChild);
}
