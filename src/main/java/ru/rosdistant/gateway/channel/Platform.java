package ru.rosdistant.gateway.channel;

/** The messengers a bot can live on; the name is also the dialog's {@code channel}. */
public enum Platform {
    TELEGRAM, VIBER, WHATSAPP, VK, MAX;

    /** The outbox kind of this platform's sends, e.g. {@code telegram.send}. */
    public String sendKind() {
        return name().toLowerCase(java.util.Locale.ROOT) + ".send";
    }
}
