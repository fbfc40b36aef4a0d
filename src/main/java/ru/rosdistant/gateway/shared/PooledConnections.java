package ru.rosdistant.gateway.shared;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Wrapped;

import reactor.core.publisher.Mono;

/**
 * Ends a pooled connection whose work was cancelled or failed mid-conversation (a statement in flight, an open
 * transaction): the physical connection under the pooled one is closed, so that PostgreSQL ends the query and rolls
 * its transaction back, and the pool, finding it closed, drops it instead of lending it again
 * (docs/reliability.md, finding 3).
 */
public final class PooledConnections {

    private PooledConnections() {
    }

    /** Closes the physical connection, then gives the pooled one back; never fails. */
    public static Mono<Void> discard(Connection connection) {
        Connection physical = connection instanceof Wrapped<?> wrapped && wrapped.unwrap() instanceof Connection inner
                ? inner
                : connection;
        return Mono.from(physical.close())
                .onErrorResume(error -> Mono.empty())
                .then(Mono.from(connection.close()))
                .onErrorResume(error -> Mono.empty());
    }
}
