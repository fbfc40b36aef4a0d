// DOM helpers the widget and the console share (message text with links, a dialog's messages in seq order).

/** Splits a message text into plain parts and http(s) links (a trailing full stop or bracket is not the link's). */
export function linkParts(text) {
  const re = /https?:\/\/[^\s<>"']+/g, parts = [];
  let at = 0, m;
  while ((m = re.exec(text))) {
    const url = m[0].replace(/[.,;:!?)\]]+$/, '');
    if (m.index > at) parts.push({ text: text.slice(at, m.index) });
    let ok = false;
    try { ok = /^https?:$/.test(new URL(url).protocol); } catch (e) { /* not a URL */ }
    parts.push(ok ? { url } : { text: url });
    at = m.index + url.length;
    re.lastIndex = at;
  }
  if (at < text.length) parts.push({ text: text.slice(at) });
  return parts;
}

/** Appends the text to parent as text nodes and links that open in a new tab (never as HTML). */
export function linkify(parent, text) {
  linkParts(text).forEach(p => {
    if (!p.url) return parent.append(p.text);
    const a = parent.ownerDocument.createElement('a');
    a.href = a.textContent = p.url;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    parent.append(a);
  });
}

/**
 * Puts a message element into a dialog's list in seq order (one without a seq yet, an own message on its way, at
 * the end) and keeps the list scrolled to the end when it was there.
 */
export function placeBySeq(list, node, seq) {
  const stick = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  let ref = null;
  if (seq != null) {
    for (const c of list.children) {
      if (c !== node && (!c.dataset.seq || +c.dataset.seq > seq)) { ref = c; break; }
    }
  }
  if (node.parentNode !== list || node.nextSibling !== ref) list.insertBefore(node, ref);
  if (stick || seq == null) list.scrollTop = list.scrollHeight;
}
