package ru.rosdistant.gateway.offline;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;

import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.dialog.Message;
import ru.rosdistant.gateway.mail.MailMessage;
import ru.rosdistant.gateway.site.WorkingCalendar;

/**
 * The mail an offline form becomes (regulation 4.3: "its content is sent to the site's mailbox"): to the
 * site's mailbox, Reply-To the visitor, plain text with the contacts, the question and what the visitor
 * wrote in the chat before, times in the zone of the site's line.
 */
@Component
class OfflineFormMail {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("dd.MM.yyyy HH:mm");

    private static final int SUBJECT_NAME_LENGTH = 100;

    private final WorkingCalendar calendar;

    OfflineFormMail(WorkingCalendar calendar) {
        this.calendar = calendar;
    }

    MailMessage compose(StoredForm stored) {
        OfflineForm form = stored.form();
        return new MailMessage(form.site().mailbox(), form.email(), subject(form), body(stored));
    }

    private static String subject(OfflineForm form) {
        String name = form.name().replaceAll("\\s+", " ");
        if (name.length() > SUBJECT_NAME_LENGTH) {
            name = name.substring(0, SUBJECT_NAME_LENGTH) + "…";
        }
        return "[" + form.site().name() + "] Вопрос с сайта: " + name;
    }

    private String body(StoredForm stored) {
        OfflineForm form = stored.form();
        ZoneId zone = calendar.zone(form.site().line());
        StringBuilder text = new StringBuilder()
                .append("Вопрос из офлайн-формы сайта «").append(form.site().name()).append("» (")
                .append(form.site().host()).append(").\n\n")
                .append("Имя: ").append(form.name()).append('\n')
                .append("E-mail: ").append(form.email() == null ? "не указан" : form.email()).append('\n')
                .append("Телефон: ").append(form.phone() == null ? "не указан" : form.phone()).append('\n')
                .append("Получен: ").append(time(stored.at(), zone)).append(" (").append(zone.getId()).append(")\n\n")
                .append("Вопрос:\n")
                .append(form.question()).append("\n");
        List<Message> earlier = stored.earlier().messages();
        if (!earlier.isEmpty()) {
            text.append("\nСообщения посетителя в чате до формы (диалог ").append(stored.earlier().dialogId())
                    .append("):\n");
            for (Message message : earlier) {
                text.append('[').append(time(message.at(), zone)).append("] ").append(message.body()).append('\n');
            }
        }
        text.append("\n-- \n")
                .append("Форма: ").append(stored.id()).append('\n')
                .append("Карточка: ").append(stored.cardId()).append('\n')
                .append("Согласие на обработку персональных данных (152-ФЗ) дано при отправке формы.\n")
                .append(form.email() == null ? "Посетитель оставил только телефон: ответьте по телефону.\n"
                        : "Ответ на это письмо уйдёт посетителю.\n");
        return text.toString();
    }

    private static String time(Instant at, ZoneId zone) {
        return TIME.format(at.atZone(zone));
    }
}
