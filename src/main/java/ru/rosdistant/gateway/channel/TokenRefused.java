package ru.rosdistant.gateway.channel;

/**
 * The platform does not accept the bot's token (VK error 5, MAX 401): only the administrator can fix it.
 * {@link MessengerSends} mails the supervisor ({@link BotAlerts}) and the entry waits in the outbox.
 */
public class TokenRefused extends RuntimeException {

    public TokenRefused(String message) {
        super(message);
    }
}
