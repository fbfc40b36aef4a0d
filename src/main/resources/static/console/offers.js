// Offers: a dialog offered to this agent for a limited time (accept or decline).
import { alertAgent } from './alerts.js';
import { siteLabel } from './dialogs.js';
import { VISITOR, el, send } from './state.js';
import { div, showNotice } from './ui.js';

export const offers = new Map();   // dialogId -> {dialog, expiresAt, timer, node}

export function onOffer(f) {
  const s = f.dialog;
  if (!s || !s.dialogId) return;
  const known = offers.get(s.dialogId);
  if (known) clearTimeout(known.timer);
  const expires = Date.parse(f.expiresAt) || 0;
  const offer = { dialog: s, expiresAt: expires, timer: 0 };
  if (expires) offer.timer = setTimeout(() => removeOffer(s.dialogId), Math.max(0, expires - Date.now()) + 1000);
  offers.set(s.dialogId, offer);
  renderOffers();
  if (!known) alertAgent('Новое предложение диалога', (s.visitorName || VISITOR) + ' · ' + siteLabel(s));
}

/** Logged out: no offers. */
export function resetOffers() {
  offers.forEach(o => clearTimeout(o.timer));
  offers.clear();
  renderOffers();
}

export function removeOffer(id) {
  const o = offers.get(id);
  if (!o) return;
  clearTimeout(o.timer);
  offers.delete(id);
  renderOffers();
}

export function renderOffers() {
  el.offers.textContent = '';
  el.offersPanel.hidden = offers.size === 0;
  offers.forEach((o, id) => {
    const li = document.createElement('li');
    li.className = 'offer';
    li.dataset.dialogId = id;
    div('who', li, o.dialog.visitorName || VISITOR);
    div('where', li, siteLabel(o.dialog) + (o.dialog.forward && o.dialog.forward.note ? ' — ' + o.dialog.forward.note : ''));
    const exp = div('expires', li);
    exp.dataset.expiresAt = String(o.expiresAt || '');
    const actions = div('actions', li);
    const accept = document.createElement('button');
    accept.type = 'button';
    accept.className = 'primary offer-accept';
    accept.textContent = 'Принять';
    accept.addEventListener('click', () => {
      if (send({ type: 'accept', dialogId: id, ref: 'accept:' + id })) accept.disabled = true;
      else showNotice('Нет связи с сервером.');
    });
    const decline = document.createElement('button');
    decline.type = 'button';
    decline.className = 'offer-decline';
    decline.textContent = 'Отклонить';
    decline.addEventListener('click', () => { send({ type: 'decline', dialogId: id }); removeOffer(id); });
    actions.append(accept, decline);
    el.offers.append(li);
  });
  tickOffers();
}

export function tickOffers() {
  el.offers.querySelectorAll('.expires').forEach(node => {
    const at = +node.dataset.expiresAt;
    node.textContent = at ? 'осталось ' + Math.max(0, Math.ceil((at - Date.now()) / 1000)) + ' с' : '';
  });
}
setInterval(tickOffers, 1000);
