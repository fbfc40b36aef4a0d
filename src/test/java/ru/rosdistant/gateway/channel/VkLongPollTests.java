package ru.rosdistant.gateway.channel;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.GatewayTest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static ru.rosdistant.gateway.channel.ChannelTestSupport.nextId;
import static ru.rosdistant.gateway.channel.ChannelTestSupport.visitorMessages;

/** VK Bots Long Poll against the fake long-poll server: bot vk-poll of community 192192 on line lab192. */
@GatewayTest
class VkLongPollTests {

    static final String TOKEN = "vk-community-token-3";

    final FakePlatforms fake = FakePlatforms.get();

    @Autowired
    DatabaseClient db;

    @Test
    void polledEventsAreStoredOnceAndThePositionIsSavedAfterThem() {
        long user = nextId();
        String event = message(user, "вопрос через long poll");
        fake.queueVkEvent(TOKEN, event);
        fake.queueVkEvent(TOKEN, event);
        await().atMost(Duration.ofSeconds(20)).until(() -> visitorMessages(db, "vk-poll", String.valueOf(user),
                "вопрос через long poll") == 1);
        await().atMost(Duration.ofSeconds(20)).until(() -> String.valueOf(fake.vkTs(TOKEN)).equals(position()));
        assertThat(visitorMessages(db, "vk-poll", String.valueOf(user), "вопрос через long poll")).isEqualTo(1);
    }

    @Test
    void anExpiredKeyIsRefreshedAndPollingGoesOnFromTheSamePosition() {
        awaitPolling();
        String before = position();
        long refreshes = fake.calls(call -> call.path().equals("/method/groups.getLongPollServer")
                && call.body().path("access_token").asString().equals(TOKEN)).size();
        List<FakePlatforms.Call> earlier = checks();
        String oldKey = FakePlatforms.query(earlier.get(earlier.size() - 1).uri()).get("key");
        int seen = earlier.size();
        fake.expireVkKey(TOKEN);
        long user = nextId();
        fake.queueVkEvent(TOKEN, message(user, "после смены ключа"));
        await().atMost(Duration.ofSeconds(20)).until(() -> visitorMessages(db, "vk-poll", String.valueOf(user),
                "после смены ключа") == 1);
        List<FakePlatforms.Call> refreshed = fake.calls(call -> call.path().equals("/method/groups.getLongPollServer")
                && call.body().path("access_token").asString().equals(TOKEN));
        assertThat(refreshed.size()).isGreaterThan((int) refreshes);
        assertThat(refreshed.get(refreshed.size() - 1).body().path("group_id").asString()).isEqualTo("192192");
        assertThat(refreshed.get(refreshed.size() - 1).body().path("v").asString()).isEqualTo("5.199");
        FakePlatforms.Call firstWithNewKey = checks().stream()
                .skip(seen)
                .filter(call -> !FakePlatforms.query(call.uri()).get("key").equals(oldKey))
                .findFirst()
                .orElseThrow();
        assertThat(FakePlatforms.query(firstWithNewKey.uri()).get("ts")).isEqualTo(before);
    }

    @Test
    void afterAFailureThePollerResumesFromTheStoredPosition() {
        awaitPolling();
        String stored = position();
        int seen = checks().size();
        fake.failVkCheck(TOKEN);
        await().atMost(Duration.ofSeconds(20)).until(() -> checks().stream().skip(seen)
                .anyMatch(call -> call.answered() == 500));
        await().atMost(Duration.ofSeconds(20)).until(() -> checks().stream().skip(seen)
                .dropWhile(call -> call.answered() != 500)
                .skip(1)
                .findFirst()
                .isPresent());
        FakePlatforms.Call resumed = checks().stream().skip(seen)
                .dropWhile(call -> call.answered() != 500)
                .skip(1)
                .findFirst()
                .orElseThrow();
        assertThat(Long.parseLong(FakePlatforms.query(resumed.uri()).get("ts"))).isGreaterThanOrEqualTo(
                Long.parseLong(stored));
        assertThat(FakePlatforms.query(resumed.uri()).get("ts")).isEqualTo(position());
    }

    private void awaitPolling() {
        await().atMost(Duration.ofSeconds(20)).until(() -> position() != null
                && checks().stream().anyMatch(call -> call.answered() == 200));
    }

    private List<FakePlatforms.Call> checks() {
        return fake.calls(call -> call.path().equals("/vk-lp/" + TOKEN));
    }

    private String position() {
        return db.sql("SELECT position FROM messenger_poll_state WHERE bot_id = 'vk-poll'")
                .map(row -> row.get(0, String.class))
                .one()
                .block(Duration.ofSeconds(10));
    }

    private static String message(long user, String text) {
        return "{\"type\":\"message_new\",\"event_id\":\"lp" + Long.toHexString(nextId()) + "\",\"v\":\"5.199\","
                + "\"group_id\":192192,\"object\":{\"message\":{\"date\":1700000000,\"from_id\":" + user + ",\"id\":"
                + nextId() + ",\"out\":0,\"peer_id\":" + user + ",\"text\":\"" + text + "\",\"attachments\":[]}}}";
    }
}
