package ru.rosdistant.gateway.channel.telegram;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.telegram.telegrambots.meta.api.methods.updates.GetUpdates;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.channel.Bot;
import ru.rosdistant.gateway.channel.BotConfig;
import ru.rosdistant.gateway.channel.BotConfigs;
import ru.rosdistant.gateway.channel.Platform;
import ru.rosdistant.gateway.channel.PollLoops;

/**
 * Long polling with the telegrambots client's {@code getUpdates}, one {@link PollLoops} loop per bot in polling
 * mode. The offset moves past an update only after the inbox stored it, so a restart or a failure gets the same
 * updates again (the inbox recognises repeats) and loses none. The library's own long-polling runner confirms
 * updates before our consumer has stored them, so it is not used.
 */
@Component
class TelegramPolling {

    private static final Logger log = LoggerFactory.getLogger(TelegramPolling.class);

    private final BotConfigs bots;

    private final TelegramClients clients;

    private final TelegramUpdates updates;

    private final PollLoops loops;

    TelegramPolling(BotConfigs bots, TelegramClients clients, TelegramUpdates updates, PollLoops loops) {
        this.bots = bots;
        this.clients = clients;
        this.updates = updates;
        this.loops = loops;
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        bots.of(Platform.TELEGRAM).stream()
                .filter(bot -> bot.config().mode() == BotConfig.Mode.POLLING)
                .forEach(bot -> {
                    log.info("Telegram bot '{}' polls {}", bot.id(), TelegramClients.base(bot));
                    AtomicInteger offset = new AtomicInteger(0);
                    loops.start(bot, () -> batch(bot, offset));
                });
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
                .concatMap(update -> PollLoops.handledOrSkipped(bot, "update " + update.getUpdateId(),
                                () -> updates.handle(bot, update))
                        .doOnSuccess(done -> offset.set(Math.max(offset.get(), update.getUpdateId() + 1))))
                .then();
    }
}
