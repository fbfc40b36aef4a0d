// The host page's API, window.RosdistantChat (docs/widget.md): open, close, setContact, identify, on(event, fn);
// and the events the widget emits to it ("opened", "message", "state"). A failing handler does not stop the others.

/** open(), close(): the panel's. log: where a failing handler is reported (console.error). */
export function hostApi({ open, close, log }) {
  const handlers = {};
  let contact = {};

  function emit(ev, data) {
    (handlers[ev] || []).forEach(fn => { try { fn(data); } catch (e) { log(e); } });
  }

  const api = {
    open: () => open(),
    close,
    setContact(c) { contact = { name: c && c.name || undefined, email: c && c.email || undefined }; },
    identify(u) { this.setContact(u); contact.identity = u && { userId: u.userId, email: u.email, name: u.name, signature: u.signature }; },
    on(ev, fn) { (handlers[ev] = handlers[ev] || []).push(fn); return this; }
  };

  /** The contact the page gave: {name, email, identity}, each possibly undefined. */
  return { emit, api, contact: () => contact };
}
