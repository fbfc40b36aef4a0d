// The page a person opens from a task's result (regulation 3, 4.3.2d): the result, and «did you receive it?».
const $ = id => document.getElementById(id);
const token = location.hash.slice(1);
const THANKS = { RECEIVED: 'Спасибо! Мы отметили, что вы получили ответ.',
  NOT_RECEIVED: 'Спасибо, что сообщили. Мы снова займёмся вашим обращением и свяжемся с вами.' };

async function call(method, body) {
  const r = await fetch('/api/result-receipts/' + encodeURIComponent(token), { method,
    headers: body ? { 'Content-Type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  return { ok: r.ok, body: r.ok ? await r.json() : null };
}

async function answer(received) {
  $('yes').disabled = $('no').disabled = true;
  const r = await call('POST', { received });
  $('done').textContent = r.ok ? THANKS[r.body.answer] : 'Не удалось сохранить ответ. Попробуйте позже.';
  if (r.ok) $('ask').hidden = true;
  $('yes').disabled = $('no').disabled = false;
}

async function start() {
  const r = await call('GET');
  if (!r.ok) {
    $('done').textContent = 'Ссылка устарела или неверна.';
    return;
  }
  if (r.body.requestNumber) $('number').textContent = 'Заявка ' + r.body.requestNumber;
  $('result').textContent = r.body.result;
  if (r.body.answer) $('done').textContent = THANKS[r.body.answer];
  else $('ask').hidden = false;
  $('yes').addEventListener('click', () => answer(true));
  $('no').addEventListener('click', () => answer(false));
}

start();
