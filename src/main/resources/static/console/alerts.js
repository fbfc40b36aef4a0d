// `dialog` frames (a dialog assigned, forwarded, closed, classified) and the agent's alerts: sound and desktop
// notifications.
import { cardHasTranscript, loadCard } from './card.js';
import { siteLabel, stateOf, upsertDialog } from './dialogs.js';
import { offers, removeOffer } from './offers.js';
import { APPEAL_LABEL, VISITOR, app, dialogs, el, save } from './state.js';
import { refreshTasksSoon } from './tasks.js';
import { refreshTriageSoon } from './triage.js';
import { hideModal, showNotice } from './ui.js';

export function onDialogFrame(s) {
  const id = s.dialogId;
  const known = dialogs.get(id);
  const wasMine = known && known.summary.agentId === app.agentId && stateOf(known) !== 'CLOSED';
  const hadType = known ? known.summary.appealType : null;
  const nowMine = s.state === 'ASSIGNED' && s.agentId === app.agentId;
  if (offers.has(id) && (nowMine || s.state !== 'WAITING')) removeOffer(id);
  upsertDialog(s, true);
  const d = dialogs.get(id);
  if (s.state === 'CLOSED' && !s.appealType && id === app.selectedId && !cardHasTranscript(id)) {
    // The card shows the transcript of the dialog on screen once it is closed (stored a moment after the close).
    setTimeout(() => { if (app.selectedId === id) loadCard(id, true); }, 1500);
  }
  if (s.state === 'CLOSED' && s.appealType && hadType !== s.appealType) {
    // A classification may make a task (and rewrites the transcript on the card): show both.
    if (s.appealType !== 'CONSULTATION') refreshTasksSoon();
    if (id === app.selectedId) setTimeout(() => { if (app.selectedId === id) loadCard(id, true); }, 1500);
  }
  if (app.closing && app.closing.id === id && s.state === 'CLOSED' && s.appealType) {
    app.closing = null;
    hideModal(el.closeModal);
    showNotice('Диалог завершён: ' + (APPEAL_LABEL[s.appealType] || s.appealType)
      + (s.requestNumber ? ', заявка № ' + s.requestNumber : '') + '.');
  }
  if (app.forwarding && app.forwarding.id === id && s.agentId !== app.agentId) {
    app.forwarding = null;
    app.leftNoticed = id;   // dialog_left follows: this notice says it already
    hideModal(el.forwardModal);
    showNotice('Диалог передан' + (s.agentName ? ' оператору ' + s.agentName : ' на линию') + '.');
  }
  if (app.takingOver === id && nowMine) { app.takingOver = null; showNotice('Диалог теперь ваш.'); }
  if (nowMine && !wasMine && d) {
    alertAgent('Новый диалог', (s.visitorName || VISITOR) + ' · ' + siteLabel(s)
      + (s.forward && s.forward.note ? ' — ' + s.forward.note : ''));
  }
  if (!el.triagePanel.hidden) refreshTriageSoon();
}

export function notificationsAllowed() {
  return 'Notification' in window && Notification.permission === 'granted';
}

export let audio = null;
export function beep() {
  try {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    audio = audio || new Ctx();
    const osc = audio.createOscillator(), gain = audio.createGain(), t = audio.currentTime;
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.0001, t);
    gain.gain.exponentialRampToValueAtTime(0.2, t + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.35);
    osc.connect(gain).connect(audio.destination);
    osc.start(t);
    osc.stop(t + 0.4);
  } catch (e) { /* no sound available */ }
}

export function alertAgent(title, body) {
  if (el.soundToggle.checked) beep();
  if (el.notifyToggle.checked && notificationsAllowed() && (document.hidden || !document.hasFocus())) {
    try {
      const n = new Notification(title, { body, tag: 'contact-gateway-' + title });
      n.onclick = () => { window.focus(); n.close(); };
    } catch (e) { /* notifications unavailable here */ }
  }
}

el.soundToggle.addEventListener('change', () => {
  save('localStorage', 'sound', el.soundToggle.checked);
  if (el.soundToggle.checked) beep();
});
el.notifyToggle.addEventListener('change', async () => {
  if (el.notifyToggle.checked && !notificationsAllowed()) {
    let permission = 'denied';
    try { permission = 'Notification' in window ? await Notification.requestPermission() : 'denied'; } catch (e) { /* old API */ }
    if (permission !== 'granted') {
      el.notifyToggle.checked = false;
      showNotice('Браузер не разрешил уведомления. Разрешите их в настройках сайта.');
    }
  }
  save('localStorage', 'notify', el.notifyToggle.checked);
});
