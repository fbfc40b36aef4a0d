package ru.rosdistant.gateway.cluster;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import reactor.core.publisher.Mono;

import org.springframework.stereotype.Component;

import ru.rosdistant.gateway.shared.PooledConnections;

/**
 * Lets one node at a time drain a waiting line. The lock is PostgreSQL's transaction-scoped advisory lock
 * ({@code pg_try_advisory_xact_lock}) taken in a transaction of a connection of its own, held while the drain runs
 * (its assignments commit in transactions of their own, so each is visible at once) and released by that
 * transaction's end, also when the node dies. Never a session lock: a pooled connection would keep it.
 *
 * <p>A drain that fails or is cancelled (the routing's drain timeout, at any moment, also while its BEGIN is on its
 * way) does not give its connection back to the pool: r2dbc-postgresql skips a rollback while it has not yet seen
 * BEGIN answered, so the connection could go back inside a transaction block, where the next borrower's autocommit
 * writes (acknowledged messages among them) would never be committed. Its physical connection is closed instead
 * (PostgreSQL ends whatever it held) and the pool, finding it closed, drops it. With a single node the drain just
 * runs: its drains are serial anyway.
 */
@Component
public class LineLocks {

    private final ConnectionFactory connections;

    private final ClusterProperties properties;

    LineLocks(ConnectionFactory connections, ClusterProperties properties) {
        this.connections = connections;
        this.properties = properties;
    }

    /** Runs {@code drain} if this node gets the line's lock; true when it ran, false when another node holds it. */
    public Mono<Boolean> drainAlone(String line, Mono<Void> drain) {
        if (!properties.enabled()) {
            return drain.thenReturn(true);
        }
        return Mono.usingWhen(connections.create(),
                connection -> lock(connection, line)
                        .flatMap(got -> got ? drain.thenReturn(true) : Mono.just(false)),
                connection -> Mono.from(connection.commitTransaction()).then(Mono.from(connection.close())),
                (connection, error) -> PooledConnections.discard(connection),
                PooledConnections::discard);
    }

    private static Mono<Boolean> lock(Connection connection, String line) {
        return Mono.from(connection.beginTransaction())
                .then(Mono.from(connection.createStatement(
                                "SELECT pg_try_advisory_xact_lock(hashtextextended('gateway.line:' || $1, 0)) AS got")
                        .bind("$1", line)
                        .execute()))
                // read to the end: a result cancelled after its row leaves the connection mid-conversation, and
                // the commit that releases the lock would then hang with the lock held
                .flatMapMany(result -> result.map((row, meta) -> row.get("got", Boolean.class)))
                .collectList()
                .map(got -> !got.isEmpty() && Boolean.TRUE.equals(got.get(0)));
    }
}
