package ru.rosdistant.gateway.channel.telegram;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

import okhttp3.OkHttpClient;
import org.telegram.telegrambots.client.okhttp.OkHttpTelegramClient;
import org.telegram.telegrambots.meta.TelegramUrl;
import org.telegram.telegrambots.meta.api.methods.botapimethods.BotApiMethod;
import org.telegram.telegrambots.meta.exceptions.TelegramApiException;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.channel.Bot;
import ru.rosdistant.gateway.channel.BotConfigs;
import ru.rosdistant.gateway.channel.Platform;

/**
 * One telegrambots client per Telegram bot, pointed at the bot's Bot API base URL. The client does
 * blocking OkHttp calls: {@link #call} moves each onto {@code boundedElastic}, never an event loop.
 */
@Component
class TelegramClients {

    static final String DEFAULT_BASE = "https://api.telegram.org";

    private final Map<String, OkHttpTelegramClient> clients;

    TelegramClients(BotConfigs bots) {
        this.clients = bots.of(Platform.TELEGRAM).stream()
                .collect(Collectors.toUnmodifiableMap(Bot::id, Function.identity()))
                .entrySet().stream()
                .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, entry -> client(entry.getValue())));
    }

    private static OkHttpTelegramClient client(Bot bot) {
        // a long poll holds the connection for poll-timeout-seconds: the read timeout must outlast it
        OkHttpClient http = new OkHttpClient.Builder()
                .connectTimeout(Duration.ofSeconds(10))
                .readTimeout(Duration.ofSeconds(bot.config().pollTimeoutSeconds() + 20L))
                .writeTimeout(Duration.ofSeconds(30))
                .build();
        return new OkHttpTelegramClient(http, bot.token(), url(bot));
    }

    static TelegramUrl url(Bot bot) {
        URI base = URI.create(base(bot));
        int port = base.getPort() != -1 ? base.getPort() : "http".equals(base.getScheme()) ? 80 : 443;
        return new TelegramUrl(base.getScheme(), base.getHost(), port, false);
    }

    static String base(Bot bot) {
        return bot.apiBase(DEFAULT_BASE);
    }

    Optional<OkHttpTelegramClient> of(String botId) {
        return Optional.ofNullable(clients.get(botId));
    }

    /** Runs one Bot API method off the event loop. */
    <T extends java.io.Serializable> Mono<T> call(String botId, BotApiMethod<T> method) {
        OkHttpTelegramClient client = clients.get(botId);
        if (client == null) {
            return Mono.error(new IllegalStateException("No Telegram bot '" + botId + "' is on"));
        }
        return Mono.fromCallable(() -> execute(client, method))
                .subscribeOn(Schedulers.boundedElastic());
    }

    /** {@code setWebhook} is sent as multipart by the library, so it has a call of its own. */
    Mono<Boolean> setWebhook(String botId, org.telegram.telegrambots.meta.api.methods.updates.SetWebhook method) {
        OkHttpTelegramClient client = clients.get(botId);
        return Mono.fromCallable(() -> client.execute(method))
                .subscribeOn(Schedulers.boundedElastic());
    }

    private static <T extends java.io.Serializable> T execute(OkHttpTelegramClient client, BotApiMethod<T> method)
            throws TelegramApiException {
        return client.execute(method);
    }
}
