package ru.rosdistant.gateway.channel;

import reactor.core.publisher.Mono;

/**
 * One thing a person sent to a bot, as the bridges hand it over. {@code updateKey} is the platform's own id
 * of the delivery (unique per bot); {@code ownPhone} is a phone the platform vouches is the sender's (a
 * Telegram contact whose user is the sender, Viber's share-phone, the WhatsApp sender); {@code file} is
 * null for text.
 */
public record Inbound(Bot bot, String externalId, String displayName, String updateKey, String text,
        String ownPhone, File file) {

    /** A file the person sent; {@code content} downloads it (called only when it is within the size limit). */
    public record File(String platformFileId, String name, String mimeType, Long size, Mono<byte[]> content) {
    }

    public static Inbound text(Bot bot, String externalId, String displayName, String updateKey, String text) {
        return new Inbound(bot, externalId, displayName, updateKey, text, null, null);
    }
}
