package ru.rosdistant.gateway.channel;

import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * One bot, as written in its file under {@code bot-configs/}. Secrets are never here: {@code tokenEnv},
 * {@code secretEnv} and {@code verifyTokenEnv} name the environment variables (or properties) that hold
 * them. What each means depends on the platform:
 * <ul>
 * <li>Telegram: token = the bot token; secret = the webhook secret token (webhook mode only).</li>
 * <li>Viber: token = the auth token (it also keys the callback signature); no other secret.</li>
 * <li>WhatsApp: token = the access token; secret = the app secret (signature); verify token = the webhook
 * verification token.</li>
 * <li>VK: token = the community token; secret = the Callback API secret key; {@code confirmationEnv} = the
 * Callback API confirmation string (both for {@code mode: callback} only); {@code communityId} = the group id.</li>
 * <li>MAX: token = the bot token; secret = the webhook secret MAX sends back in {@code X-Max-Bot-Api-Secret}
 * ({@code mode: webhook}).</li>
 * </ul>
 */
public record BotConfig(String id, Platform platform, String displayName, @DefaultValue("marketing") String line,
        String greeting, String outOfHours, @DefaultValue("true") boolean identify, String mailbox,
        @DefaultValue("POLLING") Mode mode, String baseUrl, String publicUrl, String tokenEnv, String secretEnv,
        String verifyTokenEnv, String phoneNumberId, String template, @DefaultValue("ru") String templateLanguage,
        @DefaultValue("50") int pollTimeoutSeconds, Long communityId, String confirmationEnv,
        @DefaultValue("100") int webhookRequestsPerSecond) {

    /**
     * How updates arrive: Telegram and MAX poll or are called (webhook); VK is called (Callback API) or polls
     * (Bots Long Poll); Viber and WhatsApp always call us. For VK, {@code polling} means {@code longpoll} and
     * {@code webhook} means {@code callback}.
     */
    public enum Mode {
        POLLING, WEBHOOK, CALLBACK, LONGPOLL;

        /** Whether the platform calls the gateway (webhook, callback) rather than the gateway polling it. */
        public boolean called() {
            return this == WEBHOOK || this == CALLBACK;
        }
    }

    public String greetingOrDefault() {
        return greeting != null ? greeting
                : "Здравствуйте! Это " + (displayName == null ? "Росдистант" : displayName) + ".";
    }

    public String outOfHoursOrDefault() {
        return outOfHours != null ? outOfHours
                : "Сейчас нерабочее время. Мы передали ваш вопрос специалистам и ответим в рабочее время.";
    }
}
