package ru.rosdistant.gateway.channel;

import reactor.core.publisher.Mono;

/**
 * One thing a person sent to a bot, as the bridges hand it over. {@code updateKey} is the platform's own id
 * of the delivery (unique per bot); {@code ownPhone} is a phone the platform vouches is the sender's (a
 * Telegram contact whose user is the sender, Viber's share-phone, the WhatsApp sender); {@code file} is
 * null for text.
 * <p>
 * PostgreSQL text cannot hold U+0000, which a JSON string can carry as an escape: it is dropped from what the
 * person wrote (text, name, phone, file name), so the message is kept; an id with one is refused
 * ({@link IllegalArgumentException}, which the doors answer 400) before anything is stored.
 */
public record Inbound(Bot bot, String externalId, String displayName, String updateKey, String text,
        String ownPhone, File file) {

    private static final String NUL = "\u0000";

    public Inbound {
        requireNoNul(externalId, "sender id");
        requireNoNul(updateKey, "update id");
        displayName = withoutNul(displayName);
        text = withoutNul(text);
        ownPhone = withoutNul(ownPhone);
    }

    /** A file the person sent; {@code content} downloads it (called only when it is within the size limit). */
    public record File(String platformFileId, String name, String mimeType, Long size, Mono<byte[]> content) {

        public File {
            requireNoNul(platformFileId, "file id");
            name = withoutNul(name);
            mimeType = withoutNul(mimeType);
        }
    }

    public static Inbound text(Bot bot, String externalId, String displayName, String updateKey, String text) {
        return new Inbound(bot, externalId, displayName, updateKey, text, null, null);
    }

    private static String withoutNul(String text) {
        return text == null ? null : text.replace(NUL, "");
    }

    private static void requireNoNul(String id, String what) {
        if (id != null && id.contains(NUL)) {
            throw new IllegalArgumentException("U+0000 in the " + what);
        }
    }
}
