package ru.rosdistant.gateway.channel;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.stereotype.Component;
import org.springframework.transaction.reactive.TransactionalOperator;
import ru.rosdistant.gateway.mail.MailMessage;
import ru.rosdistant.gateway.mail.Mailer;
import ru.rosdistant.gateway.offline.OfflineAppeals;
import ru.rosdistant.gateway.site.WorkingCalendar;

/**
 * Outside the line's working hours a messenger question goes the offline way: the bot answers with its
 * out-of-hours text, the question is mailed to the bot's mailbox and becomes an offline appeal on the line's list,
 * all in one transaction.
 */
@Component
class OutOfHours {

    private static final Logger log = LoggerFactory.getLogger(OutOfHours.class);

    private final MessengerOutbox outbox;

    private final Mailer mailer;

    private final WorkingCalendar calendar;

    private final TransactionalOperator tx;

    private final OfflineAppeals appeals;

    OutOfHours(MessengerOutbox outbox, Mailer mailer, WorkingCalendar calendar, TransactionalOperator tx,
            OfflineAppeals appeals) {
        this.appeals = appeals;
        this.outbox = outbox;
        this.mailer = mailer;
        this.calendar = calendar;
        this.tx = tx;
    }

    Mono<Void> handle(MessengerUser user, Inbound inbound, String text, Inbound.File file, String key) {
        Bot bot = inbound.bot();
        if (bot.config().mailbox() == null) {
            log.warn("Bot '{}' has no mailbox for questions out of hours; the answer says so but the question "
                    + "reaches nobody until it is configured", bot.id());
        }
        Mono<Void> mail = bot.config().mailbox() == null ? Mono.empty()
                : mailer.enqueue("messenger-offline:" + bot.id() + ":" + Keys.fit(key, 120),
                        new MailMessage(bot.config().mailbox(), null, subject(bot, user), body(bot, user, text, file)));
        String question = text != null && !text.isBlank() ? text
                : "(файл: " + (file == null || file.name() == null ? "без имени" : file.name()) + ")";
        return mail
                .then(outbox.say(bot, inbound.externalId(), key + ":out-of-hours", bot.config().outOfHoursOrDefault(),
                        null))
                .then(appeals.offerOutOfHours(bot.config().line(), bot.id(), bot.platform().name(), user.visitorId(),
                        user.cardId(), user.name(), user.phone(), question,
                        "hours:" + bot.id() + ":" + Keys.fit(key, 200)))
                .as(tx::transactional);
    }

    private static String subject(Bot bot, MessengerUser user) {
        String name = user.name() == null ? user.externalId() : user.name();
        return "[" + (bot.config().displayName() == null ? bot.id() : bot.config().displayName())
                + "] Вопрос из мессенджера: " + name;
    }

    private String body(Bot bot, MessengerUser user, String text, Inbound.File file) {
        ZonedDateTime now = ZonedDateTime.now(calendar.zone(bot.config().line()));
        StringBuilder body = new StringBuilder()
                .append("Вопрос пришёл в нерабочее время через ").append(bot.platform()).append(" (бот ")
                .append(bot.id()).append(").\n\n")
                .append("Имя: ").append(user.name() == null ? "—" : user.name()).append('\n')
                .append("Телефон: ").append(user.phone() == null ? "—" : user.phone()).append('\n')
                .append("Идентификатор в мессенджере: ").append(user.externalId()).append('\n')
                .append("Когда: ").append(now.format(DateTimeFormatter.ofPattern("dd.MM.yyyy HH:mm z"))).append("\n\n");
        if (text != null && !text.isBlank()) {
            body.append("Вопрос:\n").append(text).append('\n');
        }
        if (file != null) {
            body.append("Файл: ").append(file.name() == null ? "без имени" : file.name())
                    .append(" (оригинал в мессенджере, file id ").append(file.platformFileId()).append(")\n");
        }
        if (user.cardId() != null) {
            body.append("\nКарточка: ").append(user.cardId()).append('\n');
        }
        return body.toString();
    }
}
