package ru.rosdistant.gateway.channel.whatsapp;

import java.util.HashMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
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
import ru.rosdistant.gateway.channel.BotConfigs;
import ru.rosdistant.gateway.channel.DeliveryStatuses;
import ru.rosdistant.gateway.channel.Inbound;
import ru.rosdistant.gateway.channel.MessengerInbox;
import ru.rosdistant.gateway.channel.Platform;
import ru.rosdistant.gateway.channel.Signatures;
import ru.rosdistant.gateway.channel.WebhookFailures;
import ru.rosdistant.gateway.channel.WebhookLimits;

/**
 * The WhatsApp Cloud API webhook, {@code /channel/whatsapp/{bot}}: the verification GET, and POSTs whose
 * {@code X-Hub-Signature-256} (HMAC-SHA256 of the raw body with the app secret) is checked before the body
 * is parsed. Text, image and document messages go to the inbox; statuses are recorded.
 */
@Configuration(proxyBeanMethods = false)
class WhatsAppWebhook {

    static final String SIGNATURE_HEADER = "X-Hub-Signature-256";

    private static final Logger log = LoggerFactory.getLogger(WhatsAppWebhook.class);

    private final BotConfigs bots;

    private final MessengerInbox inbox;

    private final DeliveryStatuses statuses;

    private final WhatsAppApi api;

    private final JsonMapper json;

    WhatsAppWebhook(BotConfigs bots, MessengerInbox inbox, DeliveryStatuses statuses, WhatsAppApi api,
            JsonMapper json) {
        this.bots = bots;
        this.inbox = inbox;
        this.statuses = statuses;
        this.api = api;
        this.json = json;
    }

    @Bean
    RouterFunction<ServerResponse> whatsAppWebhookRoute() {
        return RouterFunctions.route()
                .GET("/channel/whatsapp/{bot}", this::verify)
                .POST("/channel/whatsapp/{bot}", this::receive)
                .build();
    }

    private Mono<ServerResponse> verify(ServerRequest request) {
        Bot bot = bots.find(request.pathVariable("bot"), Platform.WHATSAPP).orElse(null);
        if (bot == null) {
            return WebhookFailures.problem(HttpStatus.NOT_FOUND, "No WhatsApp bot of this name");
        }
        boolean subscribe = "subscribe".equals(request.queryParam("hub.mode").orElse(null));
        String challenge = request.queryParam("hub.challenge").orElse(null);
        if (!subscribe || challenge == null
                || !Signatures.same(bot.verifyToken(), request.queryParam("hub.verify_token").orElse(null))) {
            return WebhookFailures.problem(HttpStatus.FORBIDDEN, "Verification refused");
        }
        return ServerResponse.ok().contentType(MediaType.TEXT_PLAIN).bodyValue(challenge);
    }

    private Mono<ServerResponse> receive(ServerRequest request) {
        Bot bot = bots.find(request.pathVariable("bot"), Platform.WHATSAPP).orElse(null);
        if (bot == null) {
            return WebhookFailures.problem(HttpStatus.NOT_FOUND, "No WhatsApp bot of this name");
        }
        String signature = request.headers().firstHeader(SIGNATURE_HEADER);
        return WebhookLimits.body(request)
                .flatMap(body -> {
                    String expected = "sha256=" + Signatures.hmacSha256Hex(bot.secret(), body);
                    if (!Signatures.same(expected, signature)) {
                        return WebhookFailures.problem(HttpStatus.UNAUTHORIZED, "Wrong or missing " + SIGNATURE_HEADER);
                    }
                    JsonNode root;
                    try {
                        root = json.readTree(body);
                    }
                    catch (JacksonException ex) {
                        return WebhookFailures.problem(HttpStatus.BAD_REQUEST,
                                "Not a WhatsApp notification: malformed JSON");
                    }
                    if (root == null || !root.path("entry").isArray()) {
                        return WebhookFailures.problem(HttpStatus.BAD_REQUEST, "Not a WhatsApp notification: no entry");
                    }
                    return Mono.defer(() -> process(bot, root))
                            .then(ServerResponse.ok().build())
                            .onErrorResume(error -> WebhookFailures.answer(error, "WhatsApp", bot.id(), log));
                })
                .onErrorResume(error -> WebhookFailures.answer(error, "WhatsApp", bot.id(), log));
    }

    private Mono<Void> process(Bot bot, JsonNode root) {
        return Flux.fromIterable(root.path("entry"))
                .flatMapIterable(entry -> entry.path("changes"))
                .map(change -> change.path("value"))
                .concatMap(value -> messages(bot, value).then(statuses(bot, value)))
                .then();
    }

    private Mono<Void> messages(Bot bot, JsonNode value) {
        Map<String, String> names = new HashMap<>();
        value.path("contacts").forEach(contact -> names.put(contact.path("wa_id").asString(),
                contact.path("profile").path("name").asString(null)));
        return Flux.fromIterable(value.path("messages"))
                .concatMap(message -> inbound(bot, message, names.get(message.path("from").asString())))
                .concatMap(inbox::receive)
                .then();
    }

    private Mono<Inbound> inbound(Bot bot, JsonNode message, String name) {
        String from = message.path("from").asString();
        String key = "wa:" + message.path("id").asString();
        String phone = "+" + from.replaceAll("[^0-9]", "");
        String type = message.path("type").asString();
        return switch (type) {
            case "text" -> Mono.just(new Inbound(bot, from, name, key, message.path("text").path("body").asString(),
                    phone, null));
            case "image", "document" -> file(bot, message.path(type), type)
                    .map(file -> new Inbound(bot, from, name, key, message.path(type).path("caption").asString(null),
                            phone, file));
            default -> Mono.just(new Inbound(bot, from, name, key, "(сообщение типа «" + type
                    + "»: его можно посмотреть только в WhatsApp)", phone, null));
        };
    }

    /** Looks the media up first, so that its size is known before anything is downloaded. */
    private Mono<Inbound.File> file(Bot bot, JsonNode media, String type) {
        String id = media.path("id").asString();
        String name = media.path("filename").asString(type.equals("image") ? "image" : "document");
        return api.media(bot, id)
                .map(meta -> new Inbound.File(id, name, media.path("mime_type").asString(null),
                        meta.path("file_size").isNumber() ? meta.path("file_size").asLong() : null,
                        Mono.defer(() -> api.download(bot, meta.path("url").asString()))));
    }

    private Mono<Void> statuses(Bot bot, JsonNode value) {
        return Flux.fromIterable(value.path("statuses"))
                .concatMap(status -> statuses.record(bot, status.path("id").asString(),
                        status.path("recipient_id").asString(null), status.path("status").asString("unknown"),
                        status.path("errors").path(0).path("title").asString(null)))
                .then();
    }
}
