package ru.rosdistant.gateway.cluster;

import java.time.Duration;

import io.r2dbc.spi.ConnectionFactory;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A drain cancelled at any moment (the routing drain's timeout), also while its BEGIN is on the wire, leaves no
 * transaction behind, neither on a connection of the pool (whoever took it next would write into a transaction
 * nobody commits) nor anywhere else holding the line's lock.
 */
@GatewayTest
class LineLocksTests {

    @Autowired
    ConnectionFactory pooled;

    @Autowired
    DatabaseClient db;

    @Test
    void aDrainCancelledAtAnyMomentLeavesNoTransactionBehind() {
        LineLocks locks = new LineLocks(pooled, new ClusterProperties("lab-locks", "redis://127.0.0.1:1",
                Duration.ofSeconds(2), Duration.ofSeconds(15), Duration.ofSeconds(5), Duration.ofSeconds(1)));
        String since = Checks.text(db, "SELECT clock_timestamp()::text AS v");
        for (int round = 0; round < 300; round++) {
            // cancelled from 0 to 600 µs after the start: before, during and after BEGIN and the lock's query
            Disposable drain = locks.drainAlone("lab-locks", Mono.never()).subscribe();
            Mono.delay(Duration.ofNanos((round % 30) * 20_000L)).block(Duration.ofSeconds(5));
            drain.dispose();
        }
        Checks.eventually(() -> {
            Long open = db.sql("""
                            SELECT count(*) AS n FROM pg_stat_activity
                            WHERE datname = current_database() AND pid <> pg_backend_pid()
                              AND state LIKE 'idle in transaction%' AND xact_start >= :since::timestamptz""")
                    .bind("since", since)
                    .map(row -> row.get("n", Long.class))
                    .one()
                    .block(Duration.ofSeconds(10));
            return open == 0 ? open : null;
        }, "no session left idle in a transaction by a cancelled drain");
        assertThat(locks.drainAlone("lab-locks", Mono.empty()).block(Duration.ofSeconds(20)))
                .as("the line's lock is free again").isTrue();
    }
}
