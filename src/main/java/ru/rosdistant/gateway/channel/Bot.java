package ru.rosdistant.gateway.channel;

/** A bot that is on: its configuration and the secrets resolved from the environment. */
public record Bot(BotConfig config, String token, String secret, String verifyToken) {

    public String id() {
        return config.id();
    }

    public Platform platform() {
        return config.platform();
    }

    /** The platform API's address without a trailing slash: the bot's {@code base-url}, else the platform's own. */
    public String apiBase(String platformDefault) {
        String base = config.baseUrl() == null ? platformDefault : config.baseUrl();
        return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }

    /** Where the platform calls this bot: {@code <public-url>/channel/<platform>/<id>}; null without a public URL. */
    public String webhookUrl() {
        return config.publicUrl() == null ? null
                : config.publicUrl().replaceAll("/+$", "") + "/channel/" + platform().segment() + "/" + id();
    }

    @Override
    public String toString() {
        return "Bot[" + config.id() + ", " + config.platform() + "]";
    }
}
