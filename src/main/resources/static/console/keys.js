// The console's keyboard: the next or previous dialog, the reply box, send, close, and the help that lists them
// (#help-modal, opened with «?» or the «Клавиши» button). Alt combinations go by the key's place (event.code), so
// they work the same in the Russian layout.
import { canWrite, selectNext } from './dialogs.js';
import { submitReply } from './conversation.js';
import { app, dialogs, el } from './state.js';
import { hideModal, showModal } from './ui.js';

export const SHORTCUTS = [
  ['Alt + ↓', 'следующий диалог в списке'],
  ['Alt + ↑', 'предыдущий диалог в списке'],
  ['Alt + R', 'перейти в поле ответа'],
  ['Enter или Ctrl + Enter', 'отправить ответ (Shift + Enter — новая строка)'],
  ['Alt + C', 'завершить диалог (выбрать тип обращения)'],
  ['?', 'эта справка (вне поля ввода)'],
  ['Esc', 'закрыть окно']
];

const modalOpen = () => !!document.querySelector('dialog[open]');
const typing = t => t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);

export function handleKey(e) {
  if (el.mainView.hidden || e.defaultPrevented) return;
  if (e.key === 'Enter' && e.ctrlKey && e.target === el.reply) { e.preventDefault(); submitReply(); return; }
  if (modalOpen()) return;
  if (e.altKey && !e.ctrlKey && !e.metaKey) {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') { e.preventDefault(); selectNext(e.key === 'ArrowDown' ? 1 : -1); return; }
    if (e.code === 'KeyR') {
      e.preventDefault();
      if (!el.reply.disabled) el.reply.focus();
      return;
    }
    if (e.code === 'KeyC') {
      e.preventDefault();
      if (canWrite(dialogs.get(app.selectedId))) el.closeDialog.click();
      return;
    }
  }
  if (e.key === '?' && !e.ctrlKey && !e.altKey && !typing(e.target)) { e.preventDefault(); showHelp(); }
}

export function showHelp() {
  const list = el.helpKeys;
  if (!list.children.length) {
    SHORTCUTS.forEach(([keys, what]) => {
      const dt = document.createElement('dt');
      keys.split(' или ').forEach((k, i) => {
        if (i) dt.append(' или ');
        const kbd = document.createElement('kbd');
        kbd.textContent = k;
        dt.append(kbd);
      });
      const dd = document.createElement('dd');
      dd.textContent = what;
      list.append(dt, dd);
    });
  }
  showModal(el.helpModal);
  el.helpClose.focus();
}

document.addEventListener('keydown', handleKey);
el.helpOpen.addEventListener('click', showHelp);
el.helpClose.addEventListener('click', () => hideModal(el.helpModal));
