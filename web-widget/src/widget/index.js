/*
 * contact-gateway visitor chat widget, bundled by esbuild (web-widget/package.json) into /widget/widget.js;
 * the wire protocol is docs/protocol.md.
 * Embed: <script src="https://gateway-host/widget/widget.js" data-site="applicant" data-lang="ru" async></script>
 * Host-page API: window.RosdistantChat.open() / close() / setContact({name, email}) / on(event, fn)
 * / identify({userId, email, name, signature}) (a logged-in user, signed by the site's server: docs/widget.md)
 * with events "opened" (a dialog summary), "message" (a message frame), "state" (connection, dialog, panel).
 *
 * This file starts the widget once per page; each part with a job of its own is a module beside it and keeps its
 * state and elements in module-level bindings (the bundle hoists them into one scope, where they minify like
 * a closure's variables: an object passed around would keep its property names).
 */
// The order of these imports is the order of the modules in the bundle: this one gzips smallest (docs/widget.md).
import { initStatus, update } from './status.js';
import { configure, T, MAX_TEXT, load } from './env.js';
import { api } from './host-api.js';
import { initSession, conn } from './session.js';
import { initMessages, renderOutbox } from './messages.js';
import { initPanel, openPanel } from './panel.js';
import { initComposer } from './composer.js';
import { initTyping } from './typing.js';
import { initOfflineForm } from './offline-form.js';
import { initResultBox } from './result-box.js';
import { initTranscript } from './transcript.js';
import { initRating } from './rating.js';
import { markup } from './template.js';
import { CSS } from './style.js';

const script = !window.RosdistantChat && (document.currentScript || document.querySelector('script[src*="widget.js"]'));
if (script) {
  configure(script);
  const host = document.createElement('div');
  host.id = 'rosdistant-chat';
  const root = host.attachShadow({ mode: 'open' });
  root.innerHTML = markup(T, CSS, MAX_TEXT);
  const $ = id => root.querySelector('[data-testid=' + id + ']');
  initSession();
  initMessages($);
  initPanel(root, $);
  initComposer($);
  initTyping($);
  initOfflineForm($);
  initResultBox($);
  initTranscript($);
  initRating($);
  initStatus($);
  window.RosdistantChat = api;
  const start = () => {
    document.body.append(host);
    renderOutbox();
    update();
    if (load('sessionStorage', 'open')) openPanel(false);
    conn.start();
  };
  if (document.body) start(); else document.addEventListener('DOMContentLoaded', start);
}
