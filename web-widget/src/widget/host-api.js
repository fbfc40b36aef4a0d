// The host page's API, window.RosdistantChat (docs/widget.md): open / close the panel, the contact details the page
// knows or a signed user (identify), and the events the page listens to (on).
import { openPanel, closePanel } from './panel.js';

export let contact = {};
const handlers = {};

/** Calls the page's listeners of the event; one that throws is logged and disturbs neither the others nor the widget. */
export function emit(ev, data) {
  (handlers[ev] || []).forEach(fn => { try { fn(data); } catch (e) { console.error(e); } });
}

/** What index.js publishes as window.RosdistantChat. */
export const api = {
  open: () => openPanel(),
  close: closePanel,
  setContact(c) { contact = { name: c && c.name || undefined, email: c && c.email || undefined }; },
  identify(u) { this.setContact(u); contact.identity = u && { userId: u.userId, email: u.email, name: u.name, signature: u.signature }; },
  on(ev, fn) { (handlers[ev] = handlers[ev] || []).push(fn); return this; }
};
