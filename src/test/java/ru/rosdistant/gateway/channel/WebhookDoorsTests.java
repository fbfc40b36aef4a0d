package ru.rosdistant.gateway.channel;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.GatewayTest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static ru.rosdistant.gateway.channel.ChannelTestSupport.count;
import static ru.rosdistant.gateway.channel.ChannelTestSupport.nextId;
import static ru.rosdistant.gateway.channel.ChannelTestSupport.post;
import static ru.rosdistant.gateway.channel.ChannelTestSupport.usersOf;
import static ru.rosdistant.gateway.channel.ChannelTestSupport.visitorMessages;

/**
 * Every messenger door under {@code /channel/**} has the same limits ({@link WebhookLimits}) and takes hostile text
 * without a 500. Each door has a bot of its own at the default rate (door-tg, door-viber, door-wa, door-vk, door-max on
 * lines lab400-lab404) and, for the flood, one at one request per second (flood-tg, flood-viber, flood-wa on lab405;
 * VK's and MAX's are in their bridge tests).
 */
@GatewayTest
class WebhookDoorsTests {

    static final String SECRET = "door-secret-1";

    static final long VK_COMMUNITY = 403403;

    /** over the 128 KB of gateway.channel.webhook-max-body: 140,000 bytes of text */
    static final String LARGE_TEXT = "я".repeat(70_000);

    private static final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @LocalServerPort
    int port;

    @Autowired
    DatabaseClient db;

    /** One door: its bot, a person's text message as the platform sends it, and the platform's proof of origin. */
    enum Door {
        TELEGRAM("door-tg", "flood-tg"), VIBER("door-viber", "flood-viber"), WHATSAPP("door-wa", "flood-wa"),
        VK("door-vk", null), MAX("door-max", null);

        final String bot;

        final String floodBot;

        Door(String bot, String floodBot) {
            this.bot = bot;
            this.floodBot = floodBot;
        }

        String path(String botId) {
            return "/channel/" + name().toLowerCase(java.util.Locale.ROOT) + "/" + botId;
        }

        /** A text message from {@code user} (digits, as every platform's ids may be); {@code text} is JSON already. */
        String message(String user, String text) {
            return switch (this) {
                case TELEGRAM -> TelegramUpdatesJson.text(nextId(), Long.parseLong(user), text);
                case VIBER -> ViberBridgeTests.message(user, nextId(), text);
                case WHATSAPP -> WhatsAppBridgeTests.text(user, "wamid.door" + nextId(), text);
                case VK -> vkMessage(user, text, SECRET);
                case MAX -> MaxBridgeTests.message(Long.parseLong(user), text);
            };
        }

        /** The headers that prove the body comes from the platform: right ones, or wrong ones when {@code forged}. */
        Map<String, String> headers(String botId, byte[] body, boolean forged) {
            String secret = forged ? "not-the-secret" : SECRET;
            return switch (this) {
                case TELEGRAM -> Map.of("X-Telegram-Bot-Api-Secret-Token", secret);
                case VIBER -> Map.of("X-Viber-Content-Signature", WhatsAppBridgeTests.hmac(
                        forged ? "not-the-token" : botId + "-token-1", body));
                case WHATSAPP -> Map.of("X-Hub-Signature-256", "sha256=" + WhatsAppBridgeTests.hmac(secret, body));
                // VK's secret is in the body
                case VK -> Map.of();
                case MAX -> Map.of("X-Max-Bot-Api-Secret", secret);
            };
        }

        /** Whether the door accepted the delivery (VK answers a plain {@code ok}). */
        boolean accepted(HttpResponse<String> response) {
            return response.statusCode() == 200 && (this != VK || response.body().equals("ok"));
        }
    }

    @ParameterizedTest
    @EnumSource(Door.class)
    void aGoodRequestPassesTheLimitsAndIsStoredOnce(Door door) {
        String user = String.valueOf(nextId());
        HttpResponse<String> response = send(door, door.bot, door.message(user, "обычный вопрос"));
        assertThat(door.accepted(response)).as(response.statusCode() + " " + response.body()).isTrue();
        assertThat(visitorMessages(db, door.bot, user, "обычный вопрос")).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(Door.class)
    void aBodyOverTheLimitIsRefusedWith413UnreadAndNothingIsStored(Door door) {
        String user = String.valueOf(nextId());
        HttpResponse<String> response = send(door, door.bot, door.message(user, LARGE_TEXT));
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).contains("json");
        assertThat(response.body()).contains("\"detail\"");
        assertThat(usersOf(db, door.bot, user)).isZero();
    }

    @ParameterizedTest
    @EnumSource(Door.class)
    void aBodyWithoutALengthIsReadNoFurtherThanTheLimit(Door door) throws Exception {
        String user = String.valueOf(nextId());
        byte[] body = door.message(user, LARGE_TEXT).getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + door.path(door.bot)))
                .timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json")
                // no length known in advance: sent chunked
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)));
        door.headers(door.bot, body, false).forEach(request::header);
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.body()).contains("\"detail\"");
        assertThat(usersOf(db, door.bot, user)).isZero();
    }

    @ParameterizedTest
    @EnumSource(value = Door.class, names = { "TELEGRAM", "VIBER", "WHATSAPP" })
    void aFloodOfRequestsIsRefusedWith429PerBotUntilTheRateAllowsAgain(Door door) {
        String user = String.valueOf(nextId());
        int refused = 0;
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> response = send(door, door.floodBot, door.message(user, "поток " + i), true);
            if (response.statusCode() == 429) {
                refused++;
                assertThat(response.headers().firstValue("Retry-After")).isPresent();
                assertThat(response.body()).contains("\"detail\"");
            }
            else {
                // what gets through is checked as usual: the forged proof is refused
                assertThat(response.statusCode()).isIn(401, 403);
            }
        }
        assertThat(refused).isGreaterThanOrEqualTo(10);
        // the limit is the flood bot's: the same address is still served by another bot of the platform
        String other = String.valueOf(nextId());
        HttpResponse<String> good = send(door, door.bot, door.message(other, "в другой бот"));
        assertThat(door.accepted(good)).as(good.statusCode() + " " + good.body()).isTrue();
        // and once the rate allows, the flood bot's door answers again
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(500))
                .until(() -> send(door, door.floodBot, door.message(user, "после паузы"), true).statusCode() != 429);
        assertThat(usersOf(db, door.floodBot, user)).isZero();
    }

    @ParameterizedTest
    @EnumSource(Door.class)
    void aNulInTheTextIsDroppedAndTheMessageKept(Door door) {
        String user = String.valueOf(nextId());
        HttpResponse<String> response = send(door, door.bot, door.message(user, "нулевой \\u0000 символ"));
        assertThat(door.accepted(response)).as(response.statusCode() + " " + response.body()).isTrue();
        assertThat(visitorMessages(db, door.bot, user, "нулевой  символ")).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(value = Door.class, names = { "VIBER", "WHATSAPP" })
    void aNulInTheSendersIdIsABadRequestAndNothingIsStored(Door door) {
        String prefix = String.valueOf(nextId());
        HttpResponse<String> response = send(door, door.bot, door.message(prefix + "\\u0000", "чей-то вопрос"));
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("\"detail\"");
        assertThat(count(db, "SELECT count(*) FROM messenger_user WHERE bot_id = :bot AND external_id LIKE :prefix",
                Map.of("bot", door.bot, "prefix", prefix + "%"))).isZero();
    }

    private HttpResponse<String> send(Door door, String botId, String body) {
        return send(door, botId, body, false);
    }

    private HttpResponse<String> send(Door door, String botId, String body, boolean forged) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return post(port, door.path(botId), bytes, door.headers(botId, bytes, forged));
    }

    static String vkMessage(String user, String text, String secret) {
        return "{\"type\":\"message_new\",\"event_id\":\"door" + nextId() + "\",\"v\":\"5.199\",\"group_id\":"
                + VK_COMMUNITY + ",\"secret\":\"" + secret + "\",\"object\":{\"message\":{\"date\":1700000000,"
                + "\"from_id\":" + user + ",\"id\":" + nextId() + ",\"out\":0,\"peer_id\":" + user + ",\"text\":\""
                + text + "\",\"attachments\":[]}}}";
    }
}
