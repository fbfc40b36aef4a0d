// The launcher and the panel it unfolds: open or folded (kept for the page's session), the badge counting the
// agent's messages not seen, and the read mark (the last seq seen with the panel open, kept in the page's storage).
import { T, save, loadJson } from './env.js';
import { dialog, log } from './session.js';
import { list } from './messages.js';
import { input } from './composer.js';
import { off, field } from './offline-form.js';
import { update } from './status.js';

export let root;              // the shadow root: where the keyboard focus is
export let panelOpen = false, unread = 0, readMark;
let launcher, badge, panel;

export function initPanel(shadow, $) {
  root = shadow;
  launcher = $('launcher'); badge = $('badge'); panel = $('panel');
  readMark = loadJson('localStorage', 'read', {});
  launcher.addEventListener('click', () => (panelOpen ? closePanel() : openPanel()));
  $('minimize').addEventListener('click', closePanel);
  root.addEventListener('keydown', e => {
    if (e.key === 'Escape' && panelOpen) { e.preventDefault(); closePanel(); launcher.focus(); }
  });
}

export function setUnread(n) {
  unread = n;
  badge.textContent = n > 99 ? '99+' : String(n);
  badge.hidden = n === 0;
  launcher.setAttribute('aria-label', n ? T.unread(n) : T.launcher);
}

/** A dialog taken up: the read mark counts from its start unless it is the dialog marked already. */
export function readFor(dialogId) {
  if (readMark.d !== dialogId) readMark = { d: dialogId, s: 0 };
}

export function markRead() {
  if (!panelOpen || !dialog || readMark.s >= log.lastSeq) return;
  readMark = { d: dialog.dialogId, s: log.lastSeq };
  save('localStorage', 'read', JSON.stringify(readMark));
}

export function openPanel(focus) {
  panelOpen = true;
  panel.hidden = false;
  launcher.setAttribute('aria-expanded', 'true');
  save('sessionStorage', 'open', '1');
  setUnread(0);
  markRead();
  list.scrollTop = list.scrollHeight;
  if (focus !== false) (off.hidden || dialog ? input : field('name')).focus();
  update();
}

export function closePanel() {
  const hadFocus = root.activeElement && panel.contains(root.activeElement);
  panelOpen = false;
  panel.hidden = true;
  launcher.setAttribute('aria-expanded', 'false');
  save('sessionStorage', 'open', null);
  if (hadFocus) launcher.focus();
  update();
}
