package ru.rosdistant.gateway.channel;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.GatewayTest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static ru.rosdistant.gateway.channel.ChannelTestSupport.nextId;
import static ru.rosdistant.gateway.channel.ChannelTestSupport.visitorMessages;

/** Long polling of MAX's /updates against the fake: bot max-poll on line lab196. */
@GatewayTest
class MaxPollingTests {

    static final String TOKEN = "max-bot-token-2";

    final FakePlatforms fake = FakePlatforms.get();

    @Autowired
    DatabaseClient db;

    @Test
    void polledUpdatesAreStoredOnceAndTheNextPollPassesTheStoredMarker() {
        long user = nextId();
        String update = MaxBridgeTests.message(user, "вопрос через /updates");
        fake.queueMaxUpdate(TOKEN, update);
        fake.queueMaxUpdate(TOKEN, update);
        await().atMost(Duration.ofSeconds(20)).until(() -> visitorMessages(db, "max-poll", String.valueOf(user),
                "вопрос через /updates") == 1);
        await().atMost(Duration.ofSeconds(20)).until(() -> String.valueOf(fake.maxMarker(TOKEN)).equals(marker()));
        String stored = marker();
        await().atMost(Duration.ofSeconds(20)).until(() -> polls().stream()
                .anyMatch(call -> stored.equals(FakePlatforms.query(call.uri()).get("marker"))));
        FakePlatforms.Call poll = polls().get(polls().size() - 1);
        assertThat(poll.method()).isEqualTo("GET");
        assertThat(poll.headers().get("Authorization")).isEqualTo(TOKEN);
        assertThat(FakePlatforms.query(poll.uri()).get("types")).isEqualTo("message_created,bot_started");
        assertThat(visitorMessages(db, "max-poll", String.valueOf(user), "вопрос через /updates")).isEqualTo(1);
    }

    @Test
    void anUpdateThatCannotBeUsedIsSkippedAndTheRestOfItsBatchIsStored() {
        long user = nextId();
        // no mid: refused while the update is read, before any Mono exists
        fake.queueMaxUpdate(TOKEN, MaxBridgeTests.message(user, "без mid").replaceFirst("\"mid\":\"[^\"]*\",", ""));
        fake.queueMaxUpdate(TOKEN, MaxBridgeTests.message(user, "после пропуска"));
        await().atMost(Duration.ofSeconds(20)).until(() -> visitorMessages(db, "max-poll", String.valueOf(user),
                "после пропуска") == 1);
        assertThat(visitorMessages(db, "max-poll", String.valueOf(user), "без mid")).isZero();
    }

    private List<FakePlatforms.Call> polls() {
        return fake.calls(call -> call.path().equals("/max/updates") && TOKEN.equals(call.headers().get("Authorization")));
    }

    private String marker() {
        return db.sql("SELECT position FROM messenger_poll_state WHERE bot_id = 'max-poll'")
                .map(row -> row.get(0, String.class))
                .one()
                .block(Duration.ofSeconds(10));
    }
}
