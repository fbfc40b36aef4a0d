// The widget's markup in its shadow root: launcher, panel, a result to confirm, messages, the offline form,
// transcript and rating.
// Every element the code and the browser tests look up carries a data-testid.

/** A form field with its label and the place its error is shown (once, beside it). */
export function field(n, label, input) {
  return `<label for="f-${n}">${label}</label>${input.replace('>', ` data-testid="off-${n}" aria-describedby="e-${n}">`)}`
    + `<div class="fe" id="e-${n}" data-testid="err-${n}" aria-live="polite"></div>`;
}

export function markup(T, CSS, MAX_TEXT) {
  const F = field;
  return `<style>${CSS}</style>
<button type="button" class="launcher" data-testid="launcher" aria-expanded="false" aria-controls="p" aria-label="${T.launcher}">
<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z"/></svg>
<span class="badge" data-testid="badge" hidden>0</span></button>
<section class="panel" id="p" data-testid="panel" role="dialog" aria-labelledby="t" hidden>
<header><div class="title" id="t">${T.title}</div>
<button type="button" class="min" data-testid="minimize" aria-label="${T.minimize}" title="${T.minimize}">×</button>
<div class="status" data-testid="status" aria-live="polite"></div>
<button type="button" data-testid="close-dialog" disabled>${T.closeDialog}</button></header>
<div class="nb" data-testid="nobody" role="status" hidden><p>${T.nbText}</p><div class="row">
<button type="button" class="send" data-testid="nb-form">${T.nbForm}</button><button type="button" data-testid="nb-wait">${T.nbWait}</button></div></div>
<section class="rs" data-testid="result" aria-labelledby="rs-t" hidden><h3 id="rs-t" data-testid="rs-title"></h3>
<p class="rs-text" data-testid="rs-text"></p><p>${T.rsQuestion}</p><div class="row" data-testid="rs-buttons">
<button type="button" class="send" data-testid="rs-yes">${T.rsYes}</button><button type="button" data-testid="rs-no">${T.rsNo}</button></div>
<div class="fe" data-testid="rs-error" role="alert"></div><p class="done" data-testid="rs-done" role="status" hidden></p></section>
<div class="msgs" data-testid="messages" role="log" aria-live="polite" aria-labelledby="t"></div>
<div class="typing" data-testid="typing" aria-live="polite"></div>
<section class="off" data-testid="offline" aria-labelledby="oh" hidden><h3 id="oh">${T.offTitle}</h3>
<p data-testid="off-reason"></p>
<form data-testid="off-form" novalidate>
${F('name', T.fName, '<input id="f-name" name="name" autocomplete="name" maxlength="200" required aria-required="true">')}
${F('email', T.fEmail, '<input id="f-email" name="email" type="email" autocomplete="email" maxlength="254">')}
${F('phone', T.fPhone, '<input id="f-phone" name="phone" type="tel" autocomplete="tel" maxlength="40">')}
<div class="muted">${T.fOne}</div>
${F('question', T.fQuestion, '<textarea id="f-question" name="question" maxlength="4000" required aria-required="true"></textarea>')}
<label class="ck"><input id="f-consent" name="consent" type="checkbox" data-testid="off-consent" required aria-required="true" aria-describedby="e-consent"> ${T.fConsent}</label>
<div class="fe" id="e-consent" data-testid="err-consent" aria-live="polite"></div>
<div class="foot"><div class="ge" data-testid="off-error" role="alert"></div>
<div class="row"><button type="submit" class="send" data-testid="off-submit">${T.fSend}</button>
<button type="button" data-testid="off-hide">${T.fHide}</button></div></div></form>
<div data-testid="off-done" tabindex="-1" hidden><p class="done" role="status">${T.fDone}</p>
<div class="row"><button type="button" data-testid="off-back">${T.fHide}</button></div></div></section>
<section class="rt" data-testid="rating" hidden><form data-testid="rt-form" novalidate><fieldset><legend>${T.rt}</legend><div class="stars">
${[1, 2, 3, 4, 5].map(n => `<label><input type="radio" name="rt" value="${n}" data-testid="star-${n}" aria-label="${T.rtStar(n)}"><span aria-hidden="true">★</span></label>`).join('')}</div></fieldset>
<label for="rt-c">${T.rtComment}</label><textarea id="rt-c" data-testid="rt-comment" maxlength="1000" rows="2"></textarea>
<button type="submit" class="send" data-testid="rt-send">${T.rtSend}</button></form>
<div class="fe" data-testid="rt-error" role="alert"></div><p class="done" data-testid="rt-done" role="status" hidden></p></section>
<section class="tr" data-testid="transcript" hidden><label for="tr-email">${T.tr}</label>
<form data-testid="tr-form" novalidate><input id="tr-email" type="email" data-testid="tr-email" autocomplete="email" maxlength="254" aria-describedby="tr-err">
<button type="submit" class="send" data-testid="tr-send">${T.trSend}</button></form>
<div class="fe" id="tr-err" data-testid="tr-error" role="alert"></div><p class="done" data-testid="tr-done" role="status" hidden></p></section>
<form data-testid="chat-form"><button type="button" class="att" data-testid="attach" aria-label="${T.att}" title="${T.att}"><svg viewBox="0 0 24 24" aria-hidden="true"><path d="M16 6v10a4 4 0 0 1-8 0V5a3 3 0 0 1 6 0v10a1 1 0 0 1-2 0V6"/></svg></button>
<input type="file" data-testid="file" hidden><textarea data-testid="input" maxlength="${MAX_TEXT}" rows="2" enterkeyhint="send" aria-label="${T.input}" placeholder="${T.placeholder}"></textarea>
<button type="submit" class="send" data-testid="send">${T.send}</button></form></section>`;
}
