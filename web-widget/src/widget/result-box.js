// The result box (regulation 3): a task's result shown to the visitor on their next visit, one at a time, with
// «Да»/«Нет» for whether it reached them; the frames are in view.js (resultView, resultReceipt).
import { resultView, nextResults, resultReceipt, resultThanks } from './view.js';

/** els: box, title, text, buttons, error, done, yes, no. send(frame) is false when the socket is down. */
export function resultBox({ els, T, send, uid, later }) {
  const { box, title, text, buttons, error, done, yes, no } = els;
  let results = [], ref = null, answered = [];

  /** The first result still to confirm; nothing when none. */
  function show() {
    const r = results[0];
    if (!r) return;
    box.hidden = false;
    title.textContent = r.title;
    text.textContent = r.text;
    buttons.hidden = false;
    error.textContent = '';
    done.hidden = true;
  }

  function answer(received) {
    const r = results[0], next = 'rs-' + uid();
    if (!r || ref) return;
    if (!send(resultReceipt(r.id, received, next))) return void (error.textContent = T.trFail + T.offline);
    ref = next;
    buttons.hidden = true;
    error.textContent = '';
  }

  /** A `result` frame: it waits its turn, and shows at once unless an answer is on its way. */
  function onResult(f) {
    results = nextResults(results, resultView(f, T), answered);
    if (!ref) show();
  }

  /** `result_received`: thanks, and the next result three seconds later. */
  function onReceived(f) {
    if (!f.ref || f.ref !== ref) return;
    ref = null;
    answered = answered.concat(f.resultId).slice(-20);
    results = results.filter(r => r.id !== f.resultId);
    done.textContent = resultThanks(f.answer, T);
    done.hidden = false;
    if (results.length) later(show, 3000);
  }

  /** An error frame answering our receipt: the buttons come back with the reason. True when it was ours. */
  function onError(e) {
    if (!e.ref || e.ref !== ref) return false;
    ref = null;
    buttons.hidden = false;
    error.textContent = T.trFail + (T.err[e.code] || e.message || e.code);
    return true;
  }

  yes.addEventListener('click', () => answer(true));
  no.addEventListener('click', () => answer(false));
  return { onResult, onReceived, onError };
}
