// A host page for the widget's modules in Node: window, document and storage fakes, a WebSocket that lets a test
// play the gateway, and the widget started by its own index.js. The widget's elements are made on first lookup by
// their data-testid (no HTML is parsed): a test finds them with the same $ the modules use.
import { mock } from 'node:test';
import { fakeSockets } from './fakes.js';

/** A simple-selector matcher for the few lookups the widget makes (`input`, `.msg[data-from=visitor] .text`). */
function matches(el, compound) {
  const m = /^([a-z]*)((?:\.[\w-]+)*)((?:\[[\w-]+=[\w-]+\])*)$/.exec(compound);
  if (!m) throw new Error('selector not supported by the fake: ' + compound);
  if (m[1] && el.tagName !== m[1].toUpperCase()) return false;
  const classes = el.className.split(' ');
  if (m[2].split('.').slice(1).some(c => !classes.includes(c))) return false;
  return [...m[3].matchAll(/\[data-([\w-]+)=([\w-]+)\]/g)].every(([, k, v]) => el.dataset[k] === v);
}

/**
 * A document just big enough for the widget: elements with children, text, attributes, dataset,
 * hidden/disabled/value/checked, listeners, focus (the document's activeElement) and simple selectors.
 */
export function fakeDocument() {
  const doc = { activeElement: null, listeners: {} };
  class FakeElement {
    constructor(tag) {
      this.tagName = tag.toUpperCase();
      this.ownerDocument = doc;
      this.childNodes = [];
      this.parentNode = null;
      this.dataset = new Proxy({}, { set: (o, k, v) => { o[k] = String(v); return true; } });
      this.attrs = new Map();
      this.listeners = {};
      this.className = '';
      this.hidden = false;
      this.disabled = false;
      this.value = '';
      this.checked = false;
      this.scrollTop = this.scrollHeight = this.clientHeight = 0;
      this.clicks = 0;
    }
    get children() { return this.childNodes.filter(c => typeof c !== 'string'); }
    get firstChild() { return this.childNodes[0] || null; }
    get lastChild() { return this.childNodes[this.childNodes.length - 1] || null; }
    get nextSibling() {
      const all = this.parentNode ? this.parentNode.childNodes : [];
      return all[all.indexOf(this) + 1] || null;
    }
    get textContent() { return this.childNodes.map(c => (typeof c === 'string' ? c : c.textContent)).join(''); }
    set textContent(t) {
      this.childNodes.forEach(c => { if (typeof c !== 'string') c.parentNode = null; });
      this.childNodes = t ? [String(t)] : [];
    }
    append(...nodes) { nodes.forEach(n => this.insertBefore(n, null)); }
    insertBefore(n, ref) {
      if (typeof n !== 'string') {
        if (n.parentNode) n.parentNode.childNodes = n.parentNode.childNodes.filter(c => c !== n);
        n.parentNode = this;
      }
      const at = ref ? this.childNodes.indexOf(ref) : -1;
      if (at < 0) this.childNodes.push(n); else this.childNodes.splice(at, 0, n);
      return n;
    }
    contains(n) { for (; n; n = n.parentNode) if (n === this) return true; return false; }
    querySelectorAll(selector) {
      const parts = selector.split(' ');
      const found = [];
      const walk = (el, depth) => el.children.forEach(c => {
        const hit = matches(c, parts[depth]);
        if (hit && depth === parts.length - 1) found.push(c);
        walk(c, hit && depth < parts.length - 1 ? depth + 1 : depth);
      });
      walk(this, 0);
      return found;
    }
    setAttribute(k, v) { this.attrs.set(k, String(v)); }
    getAttribute(k) { return this.attrs.has(k) ? this.attrs.get(k) : null; }
    hasAttribute(k) { return this.attrs.has(k); }
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
  }
  doc.createElement = tag => new FakeElement(tag);
  doc.body = doc.createElement('body');
  doc.addEventListener = (type, fn) => { doc.listeners[type] = fn; };
  return doc;
}

/** Storage like the page's localStorage / sessionStorage; `items` shows what is kept. */
export function fakeStorage(items = {}) {
  return {
    items,
    getItem: k => (k in items ? items[k] : null),
    setItem: (k, v) => { items[k] = String(v); },
    removeItem: k => { delete items[k]; }
  };
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

/** The widget's form fields and stars, made with their form (the markup would have them). */
function furnish(doc, id, el) {
  if (id === 'off-form') {
    el.elements = {};
    ['name', 'email', 'phone', 'question', 'consent'].forEach(n => { el.elements[n] = doc.createElement('input'); el.append(el.elements[n]); });
    el.reset = () => Object.values(el.elements).forEach(i => { i.value = ''; i.checked = false; });
  }
  if (id === 'rt-form') {
    for (let n = 1; n <= 5; n++) {
      const label = doc.createElement('label'), star = doc.createElement('input');
      star.value = String(n);
      label.append(star);
      el.append(label);
    }
    el.reset = () => el.querySelectorAll('input').forEach(i => { i.checked = false; });
  }
  // hidden in the markup
  if (['badge', 'panel', 'nobody', 'result', 'offline', 'off-done', 'rating', 'transcript', 'tr-done', 'rt-done',
    'rs-done', 'file'].includes(id)) el.hidden = true;
}

/**
 * Starts the widget on a fake page: the first call imports src/widget/index.js (a module runs once per process:
 * a spec file is one page). Timers and Date are node:test's mock timers from here on (mock.timers.tick moves them).
 * Returns {$, root, doc, sockets, server(), welcome(frame), storage: {local, session}, events}.
 */
export async function startWidget({ site = 'applicant', lang = 'ru', local = {}, session = {}, now = Date.parse('2026-12-07T09:00:00Z') } = {}) {
  mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now });
  const doc = fakeDocument();
  const made = new Map();
  const root = {
    innerHTML: '',
    listeners: {},
    get activeElement() { return doc.activeElement; },
    addEventListener(type, fn) { (this.listeners[type] = this.listeners[type] || []).push(fn); },
    fire(type, extra) {
      const ev = Object.assign({ type, defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } }, extra);
      (this.listeners[type] || []).forEach(fn => fn(ev));
      return ev;
    },
    querySelector(selector) {
      const id = /^\[data-testid=([\w-]+)\]$/.exec(selector)[1];
      if (!made.has(id)) {
        const el = doc.createElement(id === 'input' ? 'textarea' : 'div');
        furnish(doc, id, el);
        made.set(id, el);
      }
      return made.get(id);
    }
  };
  const createElement = doc.createElement;
  doc.createElement = tag => {
    const el = createElement(tag);
    if (tag === 'div') el.attachShadow = () => { el.shadowRoot = root; return root; };
    return el;
  };
  const script = doc.createElement('script');
  script.src = 'https://gw.example/widget/widget.js';
  script.setAttribute('data-site', site);
  script.setAttribute('data-lang', lang);
  doc.currentScript = script;
  const sockets = fakeSockets();
  const storage = { local: fakeStorage(local), session: fakeStorage(session) };
  const windowListeners = {};
  Object.assign(globalThis, {
    window: globalThis, document: doc, location: { href: 'https://site.example/page' }, WebSocket: sockets,
    localStorage: storage.local, sessionStorage: storage.session,
    addEventListener: (type, fn) => { windowListeners[type] = fn; }
  });
  await import('../src/widget/index.js');
  const events = [];
  ['opened', 'message', 'state'].forEach(ev => globalThis.RosdistantChat.on(ev, data => events.push([ev, data])));
  const server = () => sockets.last();
  return {
    $: id => root.querySelector('[data-testid=' + id + ']'),
    root, doc, sockets, server, storage, events, windowListeners, host: doc.body.firstChild,
    /** Opens the socket and answers its hello with a welcome (the line open, one agent online unless told). */
    welcome(frame = {}) {
      if (server().readyState !== 1) server().open();
      server().receive(Object.assign({ type: 'welcome', token: 'tok-1', line: { open: true, agentsOnline: 1 }, dialogs: [] }, frame));
    }
  };
}

/** A message frame of the dialog. */
export const msg = (dialogId, seq, extra) => Object.assign({ type: 'message', dialogId, seq, at: '2026-12-07T09:00:00Z' }, extra);
