package ru.rosdistant.gateway.channel;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.cluster.ClusterProperties;
import ru.rosdistant.gateway.cluster.JobLeases;
import ru.rosdistant.gateway.cluster.SingletonJobs;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With several nodes, one node at a time polls a bot (two pollers of one Telegram bot are refused with 409); the
 * other stands by and takes over when the holder's lease ends. Two poll loops of two "nodes" share this test's
 * PostgreSQL; their rounds only count themselves.
 */
@GatewayTest
class PollLoopsOnNodesTests {

    @Autowired
    DatabaseClient db;

    @Autowired
    PollPositions positions;

    @Autowired
    BotConfigs bots;

    private PollLoops node(String id) {
        ClusterProperties cluster = new ClusterProperties(id, "redis://127.0.0.1:1", Duration.ofSeconds(2),
                Duration.ofSeconds(15), Duration.ofSeconds(5), Duration.ofSeconds(1));
        return new PollLoops(positions, new SingletonJobs(new JobLeases(db, id), cluster, new SimpleMeterRegistry()));
    }

    private static Mono<Void> round(AtomicInteger rounds) {
        return Mono.delay(Duration.ofMillis(50)).doOnNext(tick -> rounds.incrementAndGet()).then();
    }

    @Test
    void oneNodeAtATimePollsABotAndAnotherTakesOverWhenTheLeaseEnds() throws Exception {
        Bot bot = bots.all().get(0);
        String job = "poll:" + bot.id();
        PollLoops first = node("poll-node-a");
        PollLoops second = node("poll-node-b");
        AtomicInteger firstRounds = new AtomicInteger();
        AtomicInteger secondRounds = new AtomicInteger();
        try {
            first.start(bot, () -> round(firstRounds));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (firstRounds.get() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(firstRounds.get()).as("the first node polls").isGreaterThanOrEqualTo(3);
            second.start(bot, () -> round(secondRounds));
            Thread.sleep(2_000);
            assertThat(secondRounds.get()).as("the second node stands by while the first holds the lease").isZero();

            // the first node dies: its loop stops and its lease runs out (here at once, instead of 3 × 20 s)
            first.stop();
            int before = firstRounds.get();
            db.sql("UPDATE job_lease SET expires_at = now() WHERE job = :job").bind("job", job).then()
                    .block(Duration.ofSeconds(10));
            deadline = System.nanoTime() + PollLoops.STANDBY.plusSeconds(20).toNanos();
            while (secondRounds.get() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(secondRounds.get()).as("the second node took over within one standby").isGreaterThanOrEqualTo(3);
            assertThat(firstRounds.get()).as("the stopped node polls no more").isEqualTo(before);
        }
        finally {
            first.stop();
            second.stop();
            db.sql("DELETE FROM job_lease WHERE job = :job").bind("job", job).then().block(Duration.ofSeconds(10));
        }
    }
}
