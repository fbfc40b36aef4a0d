package ru.rosdistant.gateway.channel;

import java.time.Clock;
import java.time.LocalDate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.mail.MailMessage;
import ru.rosdistant.gateway.mail.Mailer;
import ru.rosdistant.gateway.task.TaskProperties;

/**
 * What needs the administrator rather than a retry: a platform refuses the bot's token (VK error 5, MAX 401).
 * The supervisor of the bot's line is mailed, at most once a day per bot (the outbox keys the mail by bot and
 * date); the send stays in the outbox and goes out once the token is fixed.
 */
@Component
public class BotAlerts {

    private static final Logger log = LoggerFactory.getLogger(BotAlerts.class);

    private final Mailer mailer;

    private final TaskProperties tasks;

    private final Clock clock;

    BotAlerts(Mailer mailer, TaskProperties tasks, ObjectProvider<Clock> clock) {
        this.mailer = mailer;
        this.tasks = tasks;
        this.clock = clock.getIfAvailable(Clock::systemUTC);
    }

    public Mono<Void> tokenRefused(Bot bot, String detail) {
        log.error("{} refused the token of bot '{}' ({}): {}", bot.platform(), bot.id(), bot.config().tokenEnv(),
                detail);
        String to = tasks.supervisorMailboxes().getOrDefault(bot.config().line(), tasks.defaultSupervisorMailbox());
        String subject = "Бот " + bot.id() + " (" + bot.platform() + "): платформа не принимает токен";
        String body = bot.platform() + " отказывается принимать токен бота " + bot.id() + ": " + detail + "\n\n"
                + "Сообщения этого бота не уходят и ждут в очереди. Проверьте токен в переменной окружения "
                + bot.config().tokenEnv() + " и перезапустите шлюз.";
        return mailer.enqueue("bot-token-refused:" + bot.id() + ":" + LocalDate.now(clock),
                new MailMessage(to, null, subject, body));
    }
}
