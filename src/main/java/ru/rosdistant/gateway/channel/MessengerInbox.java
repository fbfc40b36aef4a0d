package ru.rosdistant.gateway.channel;

import java.time.Instant;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.stereotype.Component;
import org.springframework.transaction.reactive.TransactionalOperator;
import ru.rosdistant.gateway.card.Card;
import ru.rosdistant.gateway.card.CardBinding;
import ru.rosdistant.gateway.card.Cards;
import ru.rosdistant.gateway.dialog.Dialog;
import ru.rosdistant.gateway.dialog.DialogManagement;
import ru.rosdistant.gateway.dialog.MessageLatency;
import ru.rosdistant.gateway.dialog.DialogQueries;
import ru.rosdistant.gateway.site.WorkingCalendar;
import ru.rosdistant.gateway.task.ResultReports;

/**
 * Where every bridge hands what people send: each delivery is processed once; an unidentified person
 * goes through the identification dialogue first; then the message joins the person's open dialog on the
 * bot's line, or opens one (routed like a widget dialog), or, outside working hours, goes the offline way.
 */
@Component
public class MessengerInbox {

    private static final Logger log = LoggerFactory.getLogger(MessengerInbox.class);

    private final ProcessedUpdates updates;

    private final MessengerUsers users;

    private final Identification identification;

    private final DialogManagement dialogs;

    private final MessageLatency latency;
    private final DialogQueries dialogQueries;

    private final MessengerFiles files;

    private final OutOfHours outOfHours;

    private final WorkingCalendar calendar;

    private final Cards cards;

    private final CardBinding binding;

    private final TransactionalOperator tx;

    private final ResultReports results;

    private final MessengerOutbox outbox;

    MessengerInbox(ProcessedUpdates updates, MessengerUsers users, Identification identification,
            DialogManagement dialogs, DialogQueries dialogQueries, MessengerFiles files, OutOfHours outOfHours,
            WorkingCalendar calendar, Cards cards,
            CardBinding binding, TransactionalOperator tx, ResultReports results, MessengerOutbox outbox, MessageLatency latency) {
        this.latency = latency;
        this.results = results;
        this.outbox = outbox;
        this.updates = updates;
        this.users = users;
        this.identification = identification;
        this.dialogs = dialogs;
        this.dialogQueries = dialogQueries;
        this.files = files;
        this.outOfHours = outOfHours;
        this.calendar = calendar;
        this.cards = cards;
        this.binding = binding;
        this.tx = tx;
    }

    /** Processes one delivery unless it was processed before; completes once its effect is stored. */
    public Mono<Void> receive(Inbound inbound) {
        String key = Keys.fit(inbound.updateKey(), 200);
        return updates.seen(inbound.bot().id(), key)
                .flatMap(seen -> seen ? Mono.<Void>empty()
                        : process(inbound).then(updates.remember(inbound.bot().id(), key)))
                .doOnError(error -> log.warn("Bot '{}' could not process update {}", inbound.bot().id(),
                        inbound.updateKey(), error));
    }

    private Mono<Void> process(Inbound inbound) {
        return users.arrived(inbound.bot(), inbound.externalId(), inbound.displayName())
                .flatMap(user -> receipt(user, inbound)
                        .switchIfEmpty(Mono.defer(() -> (inbound.bot().config().identify()
                                        && user.stage() != MessengerUser.Stage.IDENTIFIED
                                ? identification.step(user, inbound)
                                        .flatMap(identified -> deliverPending(identified, inbound))
                                : deliver(user, inbound, inbound.text(), inbound.file(), inbound.updateKey()))
                                .then(Mono.just(false))))
                        .then());
    }

    /**
     * Regulation 3, 4.3.2d: «да»/«нет» (or 1/2) typed while a result sent to this person in this messenger awaits
     * their answer, and no dialog of theirs is open, is that answer; the bot thanks them. Empty when it is not one.
     */
    private Mono<Boolean> receipt(MessengerUser user, Inbound inbound) {
        Boolean received = yesOrNo(inbound.text());
        if (received == null || inbound.file() != null) {
            return Mono.empty();
        }
        Bot bot = inbound.bot();
        return dialogQueries.dialogsOf(user.visitor(), 1)
                .next()
                .filter(dialog -> !dialog.isClosed())
                .hasElement()
                .filter(open -> !open)
                .flatMap(none -> results.answerFromMessenger(user.visitor().id(), bot.platform().name(), received))
                .onErrorResume(IllegalStateException.class, answered -> Mono.just("ANSWERED"))
                .flatMap(answer -> outbox.say(bot, inbound.externalId(), inbound.updateKey() + ":receipt",
                                received ? "Спасибо! Рады, что ответ до вас дошёл."
                                        : "Спасибо, что сообщили. Мы свяжемся с вами ещё раз.", null)
                        .thenReturn(true));
    }

    /** «да»/«нет», «yes»/«no», 1/2 as a whole message (case, spaces and a final stop aside); null for anything else. */
    static Boolean yesOrNo(String text) {
        if (text == null || text.length() > 20) {
            return null;
        }
        String word = text.strip().toLowerCase(java.util.Locale.ROOT).replaceAll("[.!]+$", "");
        return switch (word) {
            case "да", "yes", "1", "получил", "получила" -> Boolean.TRUE;
            case "нет", "no", "2", "не получил", "не получила" -> Boolean.FALSE;
            default -> null;
        };
    }

    /** Once identified, the question asked before identification opens the dialog. */
    private Mono<Void> deliverPending(MessengerUser user, Inbound inbound) {
        if (user.pendingText() == null) {
            return Mono.empty();
        }
        return deliver(user, inbound, user.pendingText(), null, inbound.updateKey() + ":pending")
                .then(users.clearPending(user));
    }

    private Mono<Void> deliver(MessengerUser user, Inbound inbound, String text, Inbound.File file, String key) {
        if ((text == null || text.isBlank()) && file == null) {
            return Mono.empty();
        }
        Bot bot = inbound.bot();
        return dialogQueries.dialogsOf(user.visitor(), 1)
                .next()
                .filter(dialog -> !dialog.isClosed())
                .switchIfEmpty(Mono.defer(() -> calendar.isOpen(bot.config().line(), Instant.now())
                        ? dialogs.openFromChannel(user.visitor(), bot.platform().name(), bot.id(), bot.config().line(),
                                        user.name())
                                .flatMap(dialog -> bindCard(user, bot, dialog).thenReturn(dialog))
                        : outOfHours.handle(user, inbound, text, file, key).then(Mono.empty())))
                .flatMap(dialog -> append(user, bot, dialog, text, file, key));
    }

    /**
     * Puts the dialog on the person's card (regulation 4.2): the card identification found, or, for a bot
     * that does not identify, the card of the messenger handle ({@code telegram:<id>}).
     */
    private Mono<Void> bindCard(MessengerUser user, Bot bot, Dialog dialog) {
        Mono<UUID> card = user.cardId() != null ? Mono.just(user.cardId())
                : cards.findOrCreateByHandle(handle(bot, user), user.name(), bot.id())
                        .map(Card::id)
                        .as(tx::transactional);
        return card.flatMap(cardId -> binding.bind(dialog.id(), cardId));
    }

    static String handle(Bot bot, MessengerUser user) {
        return bot.platform().name().toLowerCase(java.util.Locale.ROOT) + ":" + user.externalId();
    }

    private Mono<Void> append(MessengerUser user, Bot bot, Dialog dialog, String text, Inbound.File file,
            String key) {
        Mono<String> body = file == null ? Mono.just(text)
                : files.store(bot, dialog, file)
                        .map(shown -> text == null || text.isBlank() ? shown : text + "\n" + shown);
        return body
                .flatMap(shown -> latency.timed(bot.platform().name(),
                        dialogs.appendFromVisitor(user.visitor(), dialog.id(), Keys.fit(key, 64), shown)))
                .then();
    }
}
