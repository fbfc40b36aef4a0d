package ru.rosdistant.gateway.channel.vk;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import ru.rosdistant.gateway.channel.Bot;
import ru.rosdistant.gateway.channel.BotConfig;
import ru.rosdistant.gateway.channel.BotConfigs;
import ru.rosdistant.gateway.channel.Platform;
import ru.rosdistant.gateway.channel.PollLoops;
import ru.rosdistant.gateway.channel.PollPositions;

/**
 * VK Bots Long Poll for bots in {@code mode: longpoll}, one {@link PollLoops} loop per bot
 * ({@code vk-longpoll-<bot>}). The position ({@code ts}, with server and key) is stored only after every event of
 * a batch was stored (the inbox recognises repeats by {@code event_id}). VK's {@code failed} answers: 1 moves to
 * the given {@code ts}; 2 (the key expired) fetches a new key and keeps the position; 3 (the history is lost)
 * starts again from VK's current {@code ts}, with a warning.
 */
@Component
class VkLongPoll {

    private static final Logger log = LoggerFactory.getLogger(VkLongPoll.class);

    /** VK holds a check at most 90 s; shorter than the HTTP client's 45 s response timeout. */
    private static final int MAX_WAIT_SECONDS = 25;

    private final BotConfigs bots;

    private final VkApi api;

    private final VkEvents events;

    private final PollLoops loops;

    VkLongPoll(BotConfigs bots, VkApi api, VkEvents events, PollLoops loops) {
        this.bots = bots;
        this.api = api;
        this.events = events;
        this.loops = loops;
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        bots.of(Platform.VK).stream()
                .filter(bot -> bot.config().mode() == BotConfig.Mode.LONGPOLL)
                .forEach(bot -> {
                    log.info("VK bot '{}' polls the Bots Long Poll API of community {}", bot.id(),
                            bot.config().communityId());
                    loops.start(bot, "vk-longpoll", (at, scheduler) -> round(bot, at, scheduler));
                });
    }

    /** One check from the bot's position (none stored yet: VK's current one) and what follows from its answer. */
    private Mono<PollPositions.Position> round(Bot bot, PollPositions.Position stored, Scheduler scheduler) {
        Mono<PollPositions.Position> position = stored != null ? Mono.just(stored) : server(bot, null);
        int wait = Math.min(MAX_WAIT_SECONDS, Math.max(1, bot.config().pollTimeoutSeconds()));
        return position
                .flatMap(at -> api.check(at.server(), at.key(), at.position(), wait)
                        .publishOn(scheduler)
                        .flatMap(answer -> next(bot, at, answer)));
    }

    private Mono<PollPositions.Position> next(Bot bot, PollPositions.Position at, JsonNode answer) {
        return switch (answer.path("failed").asInt(0)) {
            case 0 -> Flux.fromIterable(answer.path("updates"))
                    .concatMap(event -> PollLoops.handledOrSkipped(bot, "event " + event.path("event_id").asString(""),
                            () -> events.handle(bot, event)))
                    .then(Mono.fromSupplier(() -> at.at(answer.path("ts").asString())));
            case 1 -> Mono.just(at.at(answer.path("ts").asString()));
            case 2 -> server(bot, at.position());
            case 3 -> {
                log.warn("VK bot '{}': the long-poll history is lost; continuing from VK's current position",
                        bot.id());
                yield server(bot, null);
            }
            default -> Mono.error(new IllegalStateException("VK long poll answered " + answer));
        };
    }

    /** A new key and server; the position stays {@code ts} unless it is null (then VK's current one). */
    private Mono<PollPositions.Position> server(Bot bot, String ts) {
        MultiValueMap<String, String> params = new LinkedMultiValueMap<>();
        params.add("group_id", String.valueOf(bot.config().communityId()));
        return api.call(bot, "groups.getLongPollServer", params)
                .map(server -> new PollPositions.Position(server.path("server").asString(),
                        server.path("key").asString(), ts != null ? ts : server.path("ts").asString()));
    }
}
