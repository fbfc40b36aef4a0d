package ru.rosdistant.gateway.channel.viber;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import ru.rosdistant.gateway.channel.Bot;
import ru.rosdistant.gateway.channel.BotConfigs;
import ru.rosdistant.gateway.channel.DeliveryStatuses;
import ru.rosdistant.gateway.channel.Inbound;
import ru.rosdistant.gateway.channel.MessengerInbox;
import ru.rosdistant.gateway.channel.MessengerUnsubscriptions;
import ru.rosdistant.gateway.channel.Platform;
import ru.rosdistant.gateway.channel.Signatures;
import ru.rosdistant.gateway.channel.WebhookFailures;
import ru.rosdistant.gateway.channel.WebhookLimits;

/**
 * The Viber callback, {@code POST /channel/viber/{bot}}. {@code X-Viber-Content-Signature} (hex
 * HMAC-SHA256 of the raw body keyed with the auth token) is checked before the body is parsed. Messages go
 * to the inbox; delivered, seen and failed are recorded; unsubscribed marks the person. On start-up each
 * bot with a public URL registers it with {@code set_webhook}.
 */
@Configuration(proxyBeanMethods = false)
class ViberWebhook {

    static final String SIGNATURE_HEADER = "X-Viber-Content-Signature";

    private static final Logger log = LoggerFactory.getLogger(ViberWebhook.class);

    private final BotConfigs bots;

    private final MessengerInbox inbox;

    private final DeliveryStatuses statuses;

    private final MessengerUnsubscriptions unsubscriptions;

    private final ViberApi api;

    private final JsonMapper json;

    ViberWebhook(BotConfigs bots, MessengerInbox inbox, DeliveryStatuses statuses,
            MessengerUnsubscriptions unsubscriptions, ViberApi api, JsonMapper json) {
        this.bots = bots;
        this.inbox = inbox;
        this.statuses = statuses;
        this.unsubscriptions = unsubscriptions;
        this.api = api;
        this.json = json;
    }

    @Bean
    RouterFunction<ServerResponse> viberWebhookRoute() {
        return RouterFunctions.route()
                .POST("/channel/viber/{bot}", this::receive)
                .build();
    }

    private Mono<ServerResponse> receive(ServerRequest request) {
        Bot bot = bots.find(request.pathVariable("bot"), Platform.VIBER).orElse(null);
        if (bot == null) {
            return WebhookFailures.problem(HttpStatus.NOT_FOUND, "No Viber bot of this name");
        }
        String signature = request.headers().firstHeader(SIGNATURE_HEADER);
        return WebhookLimits.body(request)
                .flatMap(body -> {
                    if (!Signatures.same(Signatures.hmacSha256Hex(bot.token(), body), signature)) {
                        return WebhookFailures.problem(HttpStatus.UNAUTHORIZED, "Wrong or missing " + SIGNATURE_HEADER);
                    }
                    JsonNode event;
                    try {
                        event = json.readTree(body);
                    }
                    catch (JacksonException ex) {
                        return WebhookFailures.problem(HttpStatus.BAD_REQUEST, "Not a Viber callback: malformed JSON");
                    }
                    if (event == null || !event.path("event").isString()) {
                        return WebhookFailures.problem(HttpStatus.BAD_REQUEST, "Not a Viber callback: no event");
                    }
                    return Mono.defer(() -> handle(bot, event))
                            .then(ServerResponse.ok().build())
                            .onErrorResume(error -> WebhookFailures.answer(error, "Viber", bot.id(), log));
                })
                .onErrorResume(error -> WebhookFailures.answer(error, "Viber", bot.id(), log));
    }

    private Mono<Void> handle(Bot bot, JsonNode event) {
        String token = event.path("message_token").asString("");
        return switch (event.path("event").asString()) {
            case "message" -> inbox.receive(inbound(bot, event));
            case "delivered", "seen", "failed" -> statuses.record(bot, token, event.path("user_id").asString(null),
                    event.path("event").asString(), event.path("desc").asString(null));
            case "unsubscribed" -> unsubscriptions.unsubscribed(bot, event.path("user_id").asString());
            // webhook (the set_webhook check), subscribed and conversation_started need only the 200
            default -> Mono.empty();
        };
    }

    private Inbound inbound(Bot bot, JsonNode event) {
        JsonNode sender = event.path("sender");
        JsonNode message = event.path("message");
        String userId = sender.path("id").asString();
        String key = "vb:" + event.path("message_token").asString();
        String type = message.path("type").asString();
        String phone = null;
        if (type.equals("contact")) {
            // the share-phone keyboard sends the sender's own number only
            String raw = message.path("contact").path("phone_number").asString("").replaceAll("[^0-9+]", "");
            phone = raw.isEmpty() ? null : raw.startsWith("+") ? raw : "+" + raw;
        }
        Inbound.File file = null;
        if (type.equals("picture") || type.equals("file") || type.equals("video")) {
            String media = message.path("media").asString();
            file = new Inbound.File(media, message.path("file_name").asString(type.equals("picture") ? "picture.jpg"
                    : "file"), null, message.path("size").isNumber() ? message.path("size").asLong() : null,
                    Mono.defer(() -> api.download(media)));
        }
        String text = message.path("text").asString(null);
        return new Inbound(bot, userId, sender.path("name").asString(null), key, text, phone, file);
    }

    @EventListener(ApplicationReadyEvent.class)
    void register() {
        bots.of(Platform.VIBER).forEach(bot -> {
            String url = bot.webhookUrl();
            if (url == null) {
                log.info("Viber bot '{}' has no public-url: set its webhook by hand to /channel/viber/{}", bot.id(),
                        bot.id());
                return;
            }
            Map<String, Object> body = Map.of("url", url, "send_name", true, "event_types",
                    List.of("delivered", "seen", "failed", "subscribed", "unsubscribed", "conversation_started"));
            Mono.defer(() -> api.call(bot, "set_webhook", body))
                    .retryWhen(Retry.backoff(10, Duration.ofSeconds(2)).maxBackoff(Duration.ofMinutes(1)))
                    .subscribe(ok -> log.info("Viber bot '{}' receives callbacks at {}", bot.id(), url),
                            error -> log.warn("Viber bot '{}' could not set its webhook {}", bot.id(), url, error));
        });
    }
}
