// The widget's words, Russian and English (data-lang). System events have texts of their own (ev) so that an
// English widget does not show the server's Russian sentence.
export const TEXTS = {
  ru: {
    title: 'Онлайн-консультант', launcher: 'Открыть чат', minimize: 'Свернуть чат',
    closeDialog: 'Завершить диалог', input: 'Сообщение', placeholder: 'Введите сообщение…', send: 'Отправить',
    connecting: 'Подключение…', offline: 'Нет связи, переподключаемся…', idle: 'Задайте вопрос — мы ответим',
    waiting: 'Ожидаем специалиста…', assigned: n => 'Вам отвечает ' + n, closed: 'Диалог завершён. Напишите, чтобы начать новый',
    typing: n => n + ' печатает…', agent: 'Специалист', sending: 'отправляется…', failed: 'не отправлено',
    unread: n => 'Открыть чат, непрочитанных сообщений: ' + n,
    queue: (p, w) => 'Вы ' + p + '-й в очереди' + (w ? ', ожидание около ' + w + ' мин' : ''),
    hoursClosed: 'Сейчас нерабочее время', nobody: 'Сейчас нет специалистов в сети',
    nbText: 'Сейчас никого из специалистов нет в сети. Оставьте вопрос — ответим на почту или по телефону, или напишите здесь и подождите: диалог примут, как только специалист появится.',
    nbForm: 'Оставить вопрос', nbWait: 'Подождать в чате',
    offNobody: 'Сейчас никого из специалистов нет в сети. Оставьте вопрос — мы ответим на почту или по телефону.', opens: t => 'Специалисты ответят ' + t + '.',
    offTitle: 'Оставьте вопрос', offBusy: 'Все специалисты заняты. Оставьте вопрос — мы ответим на почту или по телефону.',
    offHours: 'Сейчас нерабочее время. Оставьте вопрос — мы ответим на почту или по телефону.',
    fName: 'Имя', fEmail: 'Эл. почта', fPhone: 'Телефон', fQuestion: 'Вопрос', fOne: 'Укажите эл. почту или телефон (хотя бы одно).',
    fConsent: 'Я согласен(на) на обработку персональных данных (152-ФЗ)', fSend: 'Отправить вопрос', fHide: 'Вернуться к чату',
    fSending: 'Отправляем…', fDone: 'Спасибо! Вопрос отправлен, мы ответим вам.',
    fWait: 'Подождать в чате', fFix: 'Исправьте отмеченные поля.', fNet: 'Не удалось отправить. Проверьте связь и повторите.',
    fMany: 'Слишком много отправок. Повторите чуть позже.', fDown: 'Сервис временно недоступен. Повторите через минуту.',
    fe: {},
    ev: {
      waiting: (m, closed, nobody) => closed ? 'Вопрос получен. Специалисты ответят в рабочее время.'
        : nobody ? 'Вопрос получен. Сейчас никого из специалистов нет в сети: диалог примут, как только специалист появится.'
          : 'Пожалуйста, подождите: скоро вам ответит специалист.',
      assigned: m => 'Вам отвечает ' + (m.agentName || 'специалист') + '.',
      closed: m => m.closedBy === 'visitor' ? 'Вы завершили диалог.'
        : m.closedBy === 'agent' ? 'Специалист завершил диалог.' : 'Диалог завершён.',
      offline_offered: m => m.reason === 'hours' ? 'Сейчас нерабочее время. Вы можете оставить вопрос в форме.'
        : 'Все специалисты заняты. Вы можете оставить вопрос в форме.'
    },
    err: { DIALOG_CLOSED: 'диалог уже завершён', TEXT_TOO_LONG: 'слишком длинное сообщение',
      TRANSCRIPT_ADDRESS: 'стенограмма отправляется только на адрес, указанный в диалоге до его завершения',
      CLIENT_LIMITED: 'слишком много запросов, повторите позже' },
    tr: 'Отправить стенограмму на e-mail', trSend: 'Отправить', trBad: 'Проверьте адрес эл. почты.',
    trEmpty: 'Укажите адрес эл. почты.', trDone: e => 'Стенограмма будет отправлена на ' + e + '.',
    trFail: 'Не удалось отправить: ',
    rt: 'Оцените, как вам помогли', rtStar: n => n + ' из 5', rtComment: 'Комментарий (необязательно)', rtSend: 'Оценить',
    rtPick: 'Выберите оценку от 1 до 5.', rtDone: 'Спасибо за оценку!', rtAgain: 'Этот диалог уже оценён.',
    rsTitle: n => 'Результат по вашему обращению' + (n ? ' (заявка ' + n + ')' : ''), rsQuestion: 'Получили ли вы ответ?',
    rsYes: 'Да, получил(а)', rsNo: 'Нет', rsThanksYes: 'Спасибо! Рады, что ответ до вас дошёл.',
    rsThanksNo: 'Спасибо, что сообщили. Мы свяжемся с вами ещё раз.',
    att: 'Прикрепить файл (до 16 МБ)', dl: 'Скачать', big: 'файл больше 16 МБ, пришлите ссылку на него',
    quota: 'превышен лимит файлов, попробуйте позже'
  },
  en: {
    title: 'Online chat', launcher: 'Open chat', minimize: 'Minimise chat',
    closeDialog: 'End dialog', input: 'Message', placeholder: 'Type a message…', send: 'Send',
    connecting: 'Connecting…', offline: 'No connection, reconnecting…', idle: 'Ask us a question',
    waiting: 'Waiting for a specialist…', assigned: n => n + ' is answering you', closed: 'The dialog is closed. Write to start a new one',
    typing: n => n + ' is typing…', agent: 'Specialist', sending: 'sending…', failed: 'not sent',
    unread: n => 'Open chat, unread messages: ' + n,
    queue: (p, w) => 'You are number ' + p + ' in the queue' + (w ? ', about ' + w + ' min' : ''),
    hoursClosed: 'We are closed now', nobody: 'No specialist is online now',
    nbText: 'No specialist is online now. Leave a question and we will answer by e-mail or phone, or write here and wait: the dialog is taken as soon as a specialist comes online.',
    nbForm: 'Leave a question', nbWait: 'Wait in the chat',
    offNobody: 'No specialist is online now. Leave a question and we will answer by e-mail or phone.', opens: t => 'Specialists will answer ' + t + '.',
    offTitle: 'Leave a question', offBusy: 'All specialists are busy. Leave a question and we will answer by e-mail or phone.',
    offHours: 'We are closed now. Leave a question and we will answer by e-mail or phone.',
    fName: 'Name', fEmail: 'E-mail', fPhone: 'Phone', fQuestion: 'Question', fOne: 'Give an e-mail or a phone (at least one).',
    fConsent: 'I consent to the processing of my personal data (Federal Law 152-FZ)', fSend: 'Send the question', fHide: 'Back to the chat',
    fSending: 'Sending…', fDone: 'Thank you! Your question has been sent; we will answer you.',
    fWait: 'Wait in the chat', fFix: 'Please correct the marked fields.', fNet: 'Could not send. Check your connection and try again.',
    fMany: 'Too many submissions. Try again a little later.', fDown: 'The service is briefly unavailable. Try again in a minute.',
    fe: { name: 'Please give your name', email: 'Check the e-mail address', phone: 'Check the phone number',
      question: 'Please write your question', consent: 'Your consent is needed to process personal data' },
    ev: {
      waiting: (m, closed, nobody) => closed ? 'Your question is received. Specialists will answer in working hours.'
        : nobody ? 'Your question is received. No specialist is online now: the dialog is taken as soon as one comes online.'
          : 'Please wait: a specialist will answer you shortly.',
      assigned: m => (m.agentName || 'A specialist') + ' is now answering you.',
      closed: m => m.closedBy === 'visitor' ? 'You closed the dialog.'
        : m.closedBy === 'agent' ? 'The specialist closed the dialog.' : 'The dialog has been closed.',
      offline_offered: m => m.reason === 'hours' ? 'We are closed now. You can leave a question in the form.'
        : 'All specialists are busy. You can leave a question in the form.'
    },
    err: { DIALOG_CLOSED: 'the dialog is already closed', TEXT_TOO_LONG: 'the message is too long',
      TRANSCRIPT_ADDRESS: 'the transcript goes only to the address given in the dialog before it ended',
      CLIENT_LIMITED: 'too many requests, try again later' },
    tr: 'Email me the transcript', trSend: 'Send', trBad: 'Check the e-mail address.',
    trEmpty: 'Please give an e-mail address.', trDone: e => 'The transcript will be sent to ' + e + '.',
    trFail: 'Could not send: ',
    rt: 'Rate the help you got', rtStar: n => n + ' of 5', rtComment: 'Comment (optional)', rtSend: 'Rate',
    rtPick: 'Choose a rating from 1 to 5.', rtDone: 'Thank you for your rating!', rtAgain: 'This dialog has been rated already.',
    rsTitle: n => 'The result of your request' + (n ? ' (no. ' + n + ')' : ''), rsQuestion: 'Did you receive the answer?',
    rsYes: 'Yes, I did', rsNo: 'No', rsThanksYes: 'Thank you! We are glad the answer reached you.',
    rsThanksNo: 'Thank you for telling us. We will contact you again.',
    att: 'Attach a file (up to 16 MB)', dl: 'Download', big: 'the file is over 16 MB, send a link to it',
    quota: 'the limit of files is reached, try again later'
  }
};
