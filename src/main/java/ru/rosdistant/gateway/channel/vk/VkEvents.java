package ru.rosdistant.gateway.channel.vk;

import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.channel.Bot;
import ru.rosdistant.gateway.channel.Inbound;
import ru.rosdistant.gateway.channel.MessengerInbox;
import ru.rosdistant.gateway.channel.MessengerUnsubscriptions;

/**
 * What a VK community event means to the gateway, whether it came by the Callback API or Bots Long Poll (the
 * two carry the same objects). A person's message to the community goes to the inbox under its
 * {@code event_id}; the community's own messages ({@code message_reply}, {@code out = 1}) are echoes of what
 * the gateway or a community admin sent and are ignored, as are conversations (only personal dialogs with
 * the community are served); {@code message_allow}/{@code message_deny} are recorded.
 */
@Component
class VkEvents {

    private final MessengerInbox inbox;

    private final MessengerUnsubscriptions consents;

    private final VkApi api;

    VkEvents(MessengerInbox inbox, MessengerUnsubscriptions consents, VkApi api) {
        this.inbox = inbox;
        this.consents = consents;
        this.api = api;
    }

    Mono<Void> handle(Bot bot, JsonNode event) {
        JsonNode object = event.path("object");
        return switch (event.path("type").asString("")) {
            case "message_new" -> message(bot, event, object.has("message") ? object.path("message") : object);
            case "message_allow" -> consents.consent(bot, requiredId(object.path("user_id")), true);
            case "message_deny" -> consents.consent(bot, requiredId(object.path("user_id")), false);
            // message_reply and message_edit are the community's own messages; the rest is not for this gateway
            default -> Mono.empty();
        };
    }

    private Mono<Void> message(Bot bot, JsonNode event, JsonNode message) {
        if (message.path("out").asInt(0) == 1) {
            return Mono.empty();
        }
        String from = requiredId(message.path("from_id"));
        if (!from.equals(message.path("peer_id").asString(from)) || from.startsWith("-")) {
            // a conversation (peer 2000000000+) or another community writing: not a personal dialog
            return Mono.empty();
        }
        String key = "vk:" + (event.path("event_id").isString() ? event.path("event_id").asString()
                : from + ":" + requiredId(message.path("id")));
        String text = message.path("text").asString("");
        Inbound.File file = null;
        StringBuilder others = new StringBuilder();
        for (JsonNode attachment : message.path("attachments")) {
            String type = attachment.path("type").asString("");
            Inbound.File found = file == null ? file(type, attachment.path(type)) : null;
            if (found != null) {
                file = found;
            }
            else {
                others.append(others.isEmpty() ? "" : "\n").append("(вложение «").append(type)
                        .append("»: его можно посмотреть только во ВКонтакте)");
            }
        }
        if (!others.isEmpty()) {
            text = text.isBlank() ? others.toString() : text + "\n" + others;
        }
        return inbox.receive(new Inbound(bot, from, null, key, text.isBlank() ? null : text, null, file));
    }

    /** A photo (its largest size) or a document; other attachments are only mentioned. */
    private Inbound.File file(String type, JsonNode media) {
        if (type.equals("doc") && media.path("url").isString()) {
            String url = media.path("url").asString();
            String name = media.path("title").asString("document");
            return new Inbound.File(platformId("doc", media), name, null,
                    media.path("size").isNumber() ? media.path("size").asLong() : null,
                    Mono.defer(() -> api.download(url)));
        }
        if (type.equals("photo")) {
            JsonNode largest = null;
            for (JsonNode size : media.path("sizes")) {
                if (largest == null || size.path("width").asInt(0) * size.path("height").asInt(0)
                        > largest.path("width").asInt(0) * largest.path("height").asInt(0)) {
                    largest = size;
                }
            }
            if (largest == null || !largest.path("url").isString()) {
                return null;
            }
            String url = largest.path("url").asString();
            return new Inbound.File(platformId("photo", media), "photo.jpg", "image/jpeg", null,
                    Mono.defer(() -> api.download(url)));
        }
        return null;
    }

    private static String platformId(String type, JsonNode media) {
        return type + media.path("owner_id").asString("") + "_" + media.path("id").asString("");
    }

    /** A numeric id as text; anything else is an update this gateway cannot use (400, never retried). */
    private static String requiredId(JsonNode id) {
        if (!id.isIntegralNumber()) {
            throw new IllegalArgumentException("VK event without a numeric id");
        }
        return id.asString();
    }
}
