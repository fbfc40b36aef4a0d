// The result of the visitor's request (regulation 3), shown on their next visit to be confirmed «Да» / «Нет»: one at
// a time, the next three seconds after the answer is recorded.
import { uid } from '../shared/protocol.js';
import { T } from './env.js';
import { errorText, resultView, nextResults, resultReceipt, resultThanks } from './view.js';
import { send } from './session.js';

// results to confirm (the first shows); the pending answer's ref; results answered here
let results = [], rsRef = null, rsAnswered = [], rsBox, rsTitle, rsText, rsButtons, rsErr, rsDone;

export function initResultBox($) {
  rsBox = $('result'); rsTitle = $('rs-title'); rsText = $('rs-text'); rsButtons = $('rs-buttons'); rsErr = $('rs-error');
  rsDone = $('rs-done');
  $('rs-yes').addEventListener('click', () => answerResult(true));
  $('rs-no').addEventListener('click', () => answerResult(false));
}

/** The first result still to confirm, with «Да»/«Нет»; hidden when none. */
function showResult() {
  const r = results[0];
  if (!r) return;
  rsBox.hidden = false;
  rsTitle.textContent = r.title;
  rsText.textContent = r.text;
  rsButtons.hidden = false;
  rsErr.textContent = '';
  rsDone.hidden = true;
}

function answerResult(received) {
  const r = results[0], ref = 'rs-' + uid();
  if (!r || rsRef) return;
  if (!send(resultReceipt(r.id, received, ref))) return void (rsErr.textContent = T.trFail + T.offline);
  rsRef = ref;
  rsButtons.hidden = true;
  rsErr.textContent = '';
}

export function onResult(f) {
  results = nextResults(results, resultView(f, T), rsAnswered);
  if (!rsRef) showResult();
}

/**
 * A frame with the pending receipt's ref is its answer (true): result_received (thanks, and the next result 3 s
 * later) or an error (the buttons come back).
 */
export function resultAnswer(f) {
  if (!f.ref || f.ref !== rsRef) return false;
  rsRef = null;
  if (f.type === 'error') {
    rsButtons.hidden = false;
    rsErr.textContent = T.trFail + errorText(f, T);
    return true;
  }
  rsAnswered = rsAnswered.concat(f.resultId).slice(-20);
  results = results.filter(r => r.id !== f.resultId);
  rsDone.textContent = resultThanks(f.answer, T);
  rsDone.hidden = false;
  if (results.length) setTimeout(showResult, 3000);
  return true;
}
