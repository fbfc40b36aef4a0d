package ru.rosdistant.gateway.channel.max;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.channel.Bot;
import ru.rosdistant.gateway.channel.BotConfig;
import ru.rosdistant.gateway.channel.BotConfigs;
import ru.rosdistant.gateway.channel.Platform;
import ru.rosdistant.gateway.channel.PollLoops;
import ru.rosdistant.gateway.channel.PollPositions;

/**
 * Long polling of MAX's {@code GET /updates} for bots in {@code mode: polling} (MAX calls it fit for
 * development, not production: webhooks are the default of the example), one {@link PollLoops} loop per bot
 * ({@code max-polling-<bot>}). The {@code marker} is stored after every update of a batch was stored and passed
 * on the next poll, which commits the batch at MAX.
 */
@Component
class MaxPolling {

    private static final Logger log = LoggerFactory.getLogger(MaxPolling.class);

    /** MAX holds a poll at most 90 s; shorter than the HTTP client's 45 s response timeout. */
    private static final int MAX_TIMEOUT_SECONDS = 25;

    private final BotConfigs bots;

    private final MaxApi api;

    private final MaxUpdates updates;

    private final PollLoops loops;

    MaxPolling(BotConfigs bots, MaxApi api, MaxUpdates updates, PollLoops loops) {
        this.bots = bots;
        this.api = api;
        this.updates = updates;
        this.loops = loops;
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        bots.of(Platform.MAX).stream()
                .filter(bot -> bot.config().mode() == BotConfig.Mode.POLLING)
                .forEach(bot -> {
                    log.info("MAX bot '{}' polls {}/updates (MAX advises a webhook in production)", bot.id(),
                            MaxApi.base(bot));
                    loops.start(bot, "max-polling", (at, scheduler) -> round(bot, at, scheduler));
                });
    }

    /** One poll after the stored marker (none: all updates MAX has not seen committed) and its new marker. */
    private Mono<PollPositions.Position> round(Bot bot, PollPositions.Position at, Scheduler scheduler) {
        int timeout = Math.min(MAX_TIMEOUT_SECONDS, Math.max(0, bot.config().pollTimeoutSeconds()));
        return api.updates(bot, at == null ? null : at.position(), timeout, MaxWebhook.UPDATE_TYPES)
                .publishOn(scheduler)
                .flatMap(answer -> stored(bot, answer).thenReturn(answer))
                .filter(answer -> answer.path("marker").isIntegralNumber())
                .map(answer -> new PollPositions.Position(null, null, answer.path("marker").asString()));
    }

    private Mono<Void> stored(Bot bot, JsonNode answer) {
        return Flux.fromIterable(answer.path("updates"))
                .concatMap(update -> PollLoops.handledOrSkipped(bot,
                        "an update (" + update.path("update_type").asString("") + ")",
                        () -> updates.handle(bot, update)))
                .then();
    }
}
