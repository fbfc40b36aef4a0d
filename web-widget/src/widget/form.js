// The offline form's rules, without the DOM: what the visitor must fill in before sending, and what an answer that
// is not 201 means for them.

export const FORM_FIELDS = ['name', 'email', 'phone', 'question', 'consent'];

/** The errors found before sending, by field (e-mail or phone: the error is shown once, beside the e-mail). */
export function checkForm(body, T) {
  const errors = {};
  if (!body.name) errors.name = T.fe.name || 'Укажите имя';
  if (!body.email && !body.phone) errors.email = T.fOne;
  if (!body.question) errors.question = T.fe.question || 'Напишите вопрос';
  if (!body.consent) errors.consent = T.fe.consent || 'Нужно согласие на обработку персональных данных';
  return errors;
}

/** The text shown beside a field: the server's own words in Russian, the widget's translation otherwise. */
export function fieldError(errors, n, T, lang) {
  return errors[n] ? (T.fe[n] && lang !== 'ru' ? T.fe[n] : errors[n]) : '';
}

/**
 * What a failed send means: `fields` (the server's errors by field) when it refused fields of the form, else one
 * general `message`; `newId` when the form must be sent again under a new clientFormId (a 400 stored nothing).
 * `status` is null when the request never got an answer.
 */
export function formFailure(status, problem, T) {
  const errors = problem && problem.errors || {};
  if (status === 400 && FORM_FIELDS.some(n => errors[n])) {
    return { fields: errors, message: T.fFix, newId: false };
  }
  const message = status == null ? T.fNet : status === 429 ? T.fMany : status >= 500 ? T.fDown
    : (problem && (problem.detail || problem.title)) || T.fNet + ' (' + status + ')';
  return { fields: null, message, newId: status === 400 };
}
