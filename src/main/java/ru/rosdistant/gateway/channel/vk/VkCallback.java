package ru.rosdistant.gateway.channel.vk;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import ru.rosdistant.gateway.channel.Bot;
import ru.rosdistant.gateway.channel.BotConfig;
import ru.rosdistant.gateway.channel.BotConfigs;
import ru.rosdistant.gateway.channel.Platform;
import ru.rosdistant.gateway.channel.Signatures;
import ru.rosdistant.gateway.channel.WebhookFailures;
import ru.rosdistant.gateway.channel.WebhookLimits;

/**
 * The VK Callback API door, {@code POST /channel/vk/{bot}}. A {@code confirmation} request for the bot's
 * community is answered with the confirmation string as plain text; every other event must carry the
 * bot's secret key (compared in constant time) and its community id, and is answered {@code ok} once its
 * effect is stored. Only a database that is down gets 503 (VK sends the event again); an authentic event
 * that cannot be used is logged and answered {@code ok} too. The rate and size limits of
 * {@link WebhookLimits} apply before this runs.
 */
@Configuration(proxyBeanMethods = false)
class VkCallback {

    private static final Logger log = LoggerFactory.getLogger(VkCallback.class);

    private final BotConfigs bots;

    private final VkEvents events;

    private final JsonMapper json;

    VkCallback(BotConfigs bots, VkEvents events, JsonMapper json) {
        this.bots = bots;
        this.events = events;
        this.json = json;
    }

    @Bean
    RouterFunction<ServerResponse> vkCallbackRoute() {
        return RouterFunctions.route()
                .POST("/channel/vk/{bot}", this::receive)
                .build();
    }

    private Mono<ServerResponse> receive(ServerRequest request) {
        Bot bot = bots.find(request.pathVariable("bot"), Platform.VK)
                .filter(found -> found.config().mode() == BotConfig.Mode.CALLBACK)
                .orElse(null);
        if (bot == null) {
            return WebhookFailures.problem(HttpStatus.NOT_FOUND, "No VK Callback API bot of this name");
        }
        return WebhookLimits.body(request)
                .flatMap(body -> answer(bot, body))
                .onErrorResume(error -> WebhookFailures.answer(error, "VK", bot.id(), log));
    }

    private Mono<ServerResponse> answer(Bot bot, byte[] body) {
        JsonNode event;
        try {
            event = json.readTree(body);
        }
        catch (JacksonException ex) {
            return WebhookFailures.problem(HttpStatus.BAD_REQUEST, "Not a VK event: malformed JSON");
        }
        if (event == null || !event.path("type").isString()) {
            return WebhookFailures.problem(HttpStatus.BAD_REQUEST, "Not a VK event: no type");
        }
        if (!event.path("group_id").isIntegralNumber()
                || event.path("group_id").asLong() != bot.config().communityId()) {
            return WebhookFailures.problem(HttpStatus.FORBIDDEN, "Not an event of this bot's community");
        }
        if (event.path("type").asString().equals("confirmation")) {
            return text(bot.verifyToken());
        }
        if (!Signatures.same(bot.secret(), event.path("secret").asString(null))) {
            return WebhookFailures.problem(HttpStatus.UNAUTHORIZED, "Wrong or missing secret");
        }
        return Mono.defer(() -> events.handle(bot, event))
                .then(text("ok"))
                .onErrorResume(error -> WebhookFailures.storageUnavailable(error)
                        ? WebhookFailures.answer(error, "VK", bot.id(), log)
                        : dropped(bot, event, error));
    }

    /**
     * An authentic event the gateway cannot use (a field of the wrong type, text PostgreSQL cannot hold) would
     * fail the same way on every resend, and VK stops calling a server that answers errors several times in a
     * row: it is logged and answered {@code ok}.
     */
    private static Mono<ServerResponse> dropped(Bot bot, JsonNode event, Throwable error) {
        log.warn("VK bot '{}' drops event {} ({}) that it cannot use: {}", bot.id(),
                event.path("event_id").asString(""), event.path("type").asString(""), String.valueOf(error));
        return text("ok");
    }

    private static Mono<ServerResponse> text(String text) {
        return ServerResponse.ok()
                .contentType(MediaType.TEXT_PLAIN)
                .bodyValue(text);
    }
}
