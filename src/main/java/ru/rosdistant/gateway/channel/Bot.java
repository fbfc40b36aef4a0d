package ru.rosdistant.gateway.channel;

/** A bot that is on: its configuration and the secrets resolved from the environment. */
public record Bot(BotConfig config, String token, String secret, String verifyToken) {

    public String id() {
        return config.id();
    }

    public Platform platform() {
        return config.platform();
    }

    @Override
    public String toString() {
        return "Bot[" + config.id() + ", " + config.platform() + "]";
    }
}
