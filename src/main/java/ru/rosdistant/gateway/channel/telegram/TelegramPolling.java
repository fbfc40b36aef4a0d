package ru.rosdistant.gateway.channel.telegram;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.telegram.telegrambots.meta.api.methods.updates.GetUpdates;
import org.telegram.telegrambots.meta.api.objects.Update;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.channel.Bot;
import ru.rosdistant.gateway.channel.BotConfig;
import ru.rosdistant.gateway.channel.BotConfigs;
import ru.rosdistant.gateway.channel.Platform;
import ru.rosdistant.gateway.dialog.DialogException;
import ru.rosdistant.gateway.dialog.DialogManagement;

/**
 * Long polling with the telegrambots client's {@code getUpdates}, one loop per bot in polling mode. The
 * offset moves past an update only after the inbox stored it, so a restart or a failure gets the same
 * updates again (the inbox recognises repeats) and loses none. The library's own long-polling runner
 * confirms updates before our consumer has stored them, so it is not used.
 */
@Component
class TelegramPolling {

    private static final Logger log = LoggerFactory.getLogger(TelegramPolling.class);

    private final BotConfigs bots;

    private final TelegramClients clients;

    private final TelegramUpdates updates;

    private final Disposable.Composite loops = Disposables.composite();

    TelegramPolling(BotConfigs bots, TelegramClients clients, TelegramUpdates updates) {
        this.bots = bots;
        this.clients = clients;
        this.updates = updates;
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        bots.of(Platform.TELEGRAM).stream()
                .filter(bot -> bot.config().mode() == BotConfig.Mode.POLLING)
                .forEach(bot -> {
                    log.info("Telegram bot '{}' polls {}", bot.id(), TelegramClients.base(bot));
                    loops.add(poll(bot).subscribe());
                });
    }

    @EventListener(ContextClosedEvent.class)
    void stop() {
        loops.dispose();
    }

    private Flux<Void> poll(Bot bot) {
        AtomicInteger offset = new AtomicInteger(0);
        return Mono.defer(() -> batch(bot, offset))
                .retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofSeconds(1))
                        .maxBackoff(Duration.ofSeconds(30))
                        .doBeforeRetry(signal -> log.warn("Telegram bot '{}' could not poll: {}", bot.id(),
                                signal.failure().toString())))
                .repeat()
                .thenMany(Flux.empty());
    }

    /** One getUpdates and the processing of what it returned, in order. */
    private Mono<Void> batch(Bot bot, AtomicInteger offset) {
        GetUpdates request = GetUpdates.builder()
                .offset(offset.get())
                .timeout(bot.config().pollTimeoutSeconds())
                .allowedUpdates(List.of("message"))
                .build();
        return clients.call(bot.id(), request)
                .flatMapMany(Flux::fromIterable)
                .concatMap(update -> updates.handle(bot, update)
                        .onErrorResume(error -> !storageDown(error), error -> skip(bot, update, error))
                        .doOnSuccess(done -> offset.set(Math.max(offset.get(), nextOffset(update)))))
                .then();
    }

    /** While the database is down the same updates are fetched again later; nothing is skipped. */
    private static boolean storageDown(Throwable error) {
        return DialogManagement.storageFailure(error) instanceof DialogException failure
                && failure.reason() == DialogException.Reason.STORAGE_UNAVAILABLE;
    }

    /** An update that fails for another reason would stop the bot for good: it is logged and passed. */
    private static Mono<Void> skip(Bot bot, Update update, Throwable error) {
        log.error("Telegram bot '{}' skips update {} that it cannot process", bot.id(), update.getUpdateId(), error);
        return Mono.empty();
    }

    private static int nextOffset(Update update) {
        return update.getUpdateId() + 1;
    }
}
