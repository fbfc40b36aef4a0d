package ru.rosdistant.gateway.channel;

import java.util.Locale;
import java.util.Optional;

/** The messengers a bot can live on; the name is also the dialog's {@code channel}. */
public enum Platform {
    TELEGRAM("Telegram"), VIBER("Viber"), WHATSAPP("WhatsApp"), VK("VK"), MAX("MAX");

    private final String title;

    Platform(String title) {
        this.title = title;
    }

    /** As people write it, for logs and messages: {@code WhatsApp}. */
    public String title() {
        return title;
    }

    /** The platform's segment in the gateway's paths, {@code /channel/<segment>/<bot>}: {@code whatsapp}. */
    public String segment() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The outbox kind of this platform's sends, e.g. {@code telegram.send}. */
    public String sendKind() {
        return segment() + ".send";
    }

    /** The platform whose path segment this is. */
    public static Optional<Platform> ofSegment(String segment) {
        for (Platform platform : values()) {
            if (platform.segment().equals(segment)) {
                return Optional.of(platform);
            }
        }
        return Optional.empty();
    }
}
