// Test doubles for the front-end modules: a clock whose time only moves when told, and a WebSocket class whose
// instances record what the client sent and let a test play the server.

export class FakeClock {
  constructor() {
    this.now = 0;
    this.timers = new Map();
    this.next = 1;
    this.setTimeout = (fn, ms) => this.add(fn, ms, 0);
    this.setInterval = (fn, ms) => this.add(fn, ms, ms);
    this.clearTimeout = this.clearInterval = id => this.timers.delete(id);
  }

  add(fn, ms, every) {
    const id = this.next++;
    this.timers.set(id, { fn, at: this.now + Math.max(0, ms || 0), every });
    return id;
  }

  /** Moves the time on by ms, firing every timer that falls due on the way, in order. */
  tick(ms) {
    const end = this.now + ms;
    for (;;) {
      let due = null;
      for (const [id, t] of this.timers) if (t.at <= end && (!due || t.at < due[1].at)) due = [id, t];
      if (!due) break;
      const [id, t] = due;
      this.now = t.at;
      if (t.every) t.at += t.every; else this.timers.delete(id);
      t.fn();
    }
    this.now = end;
  }

  /** The delay of the one pending timeout (not interval), or null. */
  pendingTimeouts() {
    return [...this.timers.values()].filter(t => !t.every).map(t => t.at - this.now);
  }
}

export function fakeSockets() {
  const made = [];
  class FakeSocket {
    constructor(url) {
      this.url = url;
      this.readyState = 0;
      this.sent = [];
      made.push(this);
    }
    send(text) { this.sent.push(JSON.parse(text)); }
    close() { this.readyState = 3; }
    // the server's side
    open() { this.readyState = 1; this.onopen && this.onopen(); }
    receive(frame) { this.onmessage && this.onmessage({ data: typeof frame === 'string' ? frame : JSON.stringify(frame) }); }
    drop(code = 1006) { this.readyState = 3; this.onclose && this.onclose({ code }); }
    frames(type) { return this.sent.filter(f => f.type === type); }
  }
  FakeSocket.made = made;
  FakeSocket.last = () => made[made.length - 1];
  return FakeSocket;
}

/** Lets pending promise callbacks (an async beforeRetry) run. */
export const settle = () => new Promise(ok => setImmediate(ok));

/**
 * A document just big enough for the widget's DOM modules: elements with children, text, attributes, dataset,
 * hidden/disabled/value/checked, listeners and focus (the document's activeElement). No HTML parsing.
 */
export function fakeDocument() {
  const doc = { activeElement: null, made: [] };
  class FakeElement {
    constructor(tag) {
      this.tagName = tag.toUpperCase();
      this.ownerDocument = doc;
      this.children = [];
      this.childNodes = [];
      this.parentNode = null;
      this.dataset = {};
      this.attrs = new Map();
      this.listeners = {};
      this.className = '';
      this.hidden = false;
      this.disabled = false;
      this.value = '';
      this.checked = false;
      this.clicks = 0;
      doc.made.push(this);
    }
    get firstChild() { return this.childNodes[0] || null; }
    get lastChild() { return this.childNodes[this.childNodes.length - 1] || null; }
    get textContent() { return this.childNodes.map(c => (typeof c === 'string' ? c : c.textContent)).join(''); }
    set textContent(t) { this.childNodes.forEach(c => { if (typeof c !== 'string') c.parentNode = null; }); this.childNodes = t ? [String(t)] : []; this.children = []; }
    append(...nodes) { nodes.forEach(n => this.insertBefore(n, null)); }
    insertBefore(n, ref) {
      if (typeof n !== 'string') {
        if (n.parentNode) n.parentNode.remove(n);
        n.parentNode = this;
      }
      const at = ref ? this.childNodes.indexOf(ref) : -1;
      if (at < 0) this.childNodes.push(n); else this.childNodes.splice(at, 0, n);
      this.children = this.childNodes.filter(c => typeof c !== 'string');
      return n;
    }
    remove(n) { this.childNodes = this.childNodes.filter(c => c !== n); this.children = this.children.filter(c => c !== n); }
    setAttribute(k, v) { this.attrs.set(k, String(v)); }
    getAttribute(k) { return this.attrs.has(k) ? this.attrs.get(k) : null; }
    removeAttribute(k) { this.attrs.delete(k); }
    toggleAttribute(k, on) { if (on) this.attrs.set(k, ''); else this.attrs.delete(k); return on; }
    focus() { doc.activeElement = this; }
    addEventListener(type, fn) { (this.listeners[type] = this.listeners[type] || []).push(fn); }
    /** Fires the listeners of the event type; returns the event (defaultPrevented tells whether one stopped it). */
    fire(type, extra) {
      const ev = Object.assign({ type, target: this, defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } }, extra);
      (this.listeners[type] || []).forEach(fn => fn(ev));
      if (type === 'click' && this.onclick) this.onclick(ev);
      return ev;
    }
    click() { this.clicks++; this.fire('click'); }
    reset() { this.resets = (this.resets || 0) + 1; }
  }
  doc.createElement = tag => new FakeElement(tag);
  return doc;
}

/** A fetch that answers from a list (a Response-like {status, ok, headers, json(), blob()}; an Error rejects). */
export function fakeFetch(answers) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url: String(url), init: init || {} });
    const a = answers.length > 1 ? answers.shift() : answers[0];
    if (a instanceof Error) throw a;
    const headers = new Map(Object.entries(a.headers || {}));
    return {
      status: a.status, ok: a.status >= 200 && a.status < 300,
      headers: { get: k => (headers.has(k) ? headers.get(k) : null) },
      json: async () => { if (a.body === undefined) throw new SyntaxError('no body'); return a.body; },
      blob: async () => ({ blob: a.blob })
    };
  };
  fetch.calls = calls;
  return fetch;
}
