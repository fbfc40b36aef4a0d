package ru.rosdistant.gateway.channel.max;

import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.channel.Bot;
import ru.rosdistant.gateway.channel.Inbound;
import ru.rosdistant.gateway.channel.MessengerInbox;

/**
 * What a MAX update means to the gateway, whether it came by webhook or long polling: a person's
 * {@code message_created} in their dialog with the bot goes to the inbox under its {@code mid}, as the
 * sender's user id and name, the text, the first image or file, and the phone of a contact the person shared
 * about themselves (the {@code request_contact} button); other attachments are mentioned in the text. Bots,
 * group chats, {@code bot_started} and the other update types need nothing.
 */
@Component
class MaxUpdates {

    private final MessengerInbox inbox;

    private final MaxApi api;

    MaxUpdates(MessengerInbox inbox, MaxApi api) {
        this.inbox = inbox;
        this.api = api;
    }

    Mono<Void> handle(Bot bot, JsonNode update) {
        if (!update.path("update_type").asString("").equals("message_created")) {
            return Mono.empty();
        }
        JsonNode message = update.path("message");
        String chatType = message.path("recipient").path("chat_type").asString("dialog");
        if (message.path("sender").path("is_bot").asBoolean(false) || !chatType.equals("dialog")) {
            return Mono.empty();
        }
        return inbox.receive(inbound(bot, message, api));
    }

    static Inbound inbound(Bot bot, JsonNode message, MaxApi api) {
        JsonNode sender = message.path("sender");
        JsonNode body = message.path("body");
        if (!sender.path("user_id").isIntegralNumber() || !body.path("mid").isString()) {
            throw new IllegalArgumentException("MAX message without a sender or mid");
        }
        String userId = sender.path("user_id").asString();
        String text = body.path("text").asString("");
        String phone = null;
        Inbound.File file = null;
        StringBuilder others = new StringBuilder();
        for (JsonNode attachment : body.path("attachments")) {
            String type = attachment.path("type").asString("");
            JsonNode payload = attachment.path("payload");
            if (type.equals("contact") && userId.equals(payload.path("max_info").path("user_id").asString(""))) {
                phone = phone(payload.path("vcf_info").asString(""));
            }
            else if (file == null && (type.equals("image") || type.equals("file")) && payload.path("url").isString()) {
                String url = payload.path("url").asString();
                file = new Inbound.File(type + ":" + payload.path(type.equals("image") ? "photo_id" : "token")
                        .asString(""), attachment.path("filename").asString(type.equals("image") ? "image.jpg" : "file"),
                        null, attachment.path("size").isNumber() ? attachment.path("size").asLong() : null,
                        Mono.defer(() -> api.download(url)));
            }
            else if (!type.equals("inline_keyboard")) {
                others.append(others.isEmpty() ? "" : "\n").append("(вложение «").append(type)
                        .append("»: его можно посмотреть только в MAX)");
            }
        }
        if (!others.isEmpty()) {
            text = text.isBlank() ? others.toString() : text + "\n" + others;
        }
        return new Inbound(bot, userId, name(sender), "max:" + body.path("mid").asString(),
                text.isBlank() ? null : text, phone, file);
    }

    private static String name(JsonNode sender) {
        String name = (sender.path("first_name").asString(sender.path("name").asString("")) + " "
                + sender.path("last_name").asString("")).strip();
        return name.isEmpty() ? null : name;
    }

    /** The first TEL of a vCard, as +digits. */
    static String phone(String vcard) {
        for (String line : vcard.split("\\r?\\n")) {
            if (line.toUpperCase(java.util.Locale.ROOT).startsWith("TEL")) {
                String digits = line.substring(line.indexOf(':') + 1).replaceAll("[^0-9]", "");
                return digits.isEmpty() ? null : "+" + digits;
            }
        }
        return null;
    }
}
