package ru.rosdistant.gateway.channel.max;

import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

import ru.rosdistant.gateway.channel.Bot;
import ru.rosdistant.gateway.channel.Inbound;

/**
 * A MAX {@code Message} as the inbox takes it: the sender's user id and name, the text, the first image or
 * file, and the phone of a contact the person shared about themselves (the {@code request_contact} button).
 * Other attachments are mentioned in the text.
 */
final class MaxUpdates {

    private MaxUpdates() {
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
