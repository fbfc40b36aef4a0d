package ru.rosdistant.gateway.dialog;

import java.time.Duration;

import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Wrapped;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.GatewayTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A pooled connection given back inside a transaction block (cancelled work whose BEGIN the driver had not yet seen
 * answered) must never cost an acknowledged message: an append run in such a block would commit nothing and be lost
 * with the block's rollback. {@link AppendBatches} answers such a batch retryably and the retry is stored. A pool of
 * one connection, so that the append surely meets the poisoned one. Line lab66, which no agent serves.
 */
@GatewayTest
class StrayTransactionTests {

    @Autowired
    DatabaseClient db;

    @Autowired
    ConnectionFactory pooled;

    @Autowired
    Visitors visitors;

    @Autowired
    DialogManagement dialogs;

    private ConnectionPool single;

    @AfterEach
    void closePool() {
        if (single != null) {
            single.disposeLater().block(Duration.ofSeconds(10));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void anAppendOnAConnectionLeftInATransactionIsAnsweredRetryablyAndItsRetryIsStored() {
        ConnectionFactory raw = ((Wrapped<ConnectionFactory>) pooled).unwrap();
        single = new ConnectionPool(ConnectionPoolConfiguration.builder(raw).initialSize(1).maxSize(1).build());
        AppendBatches batches = new AppendBatches(DatabaseClient.create(single), 1, 64);
        Visitor visitor = visitors.register("lab66-site").block(Duration.ofSeconds(10));
        Dialog dialog = dialogs.openFromChannel(visitor, "BATCH", "lab66-site", "lab66", null)
                .block(Duration.ofSeconds(10));

        // what a cancelled BEGIN leaves: the pool's connection back in the pool inside a transaction block
        Mono.usingWhen(single.create(),
                        connection -> run(connection, "BEGIN"),
                        Connection::close)
                .block(Duration.ofSeconds(10));

        StepVerifier.create(batches.append(dialog.id(), Sender.VISITOR, dialog.visitorId(), null, null, "stray-1",
                        "written into a stray transaction"))
                .expectErrorSatisfies(error -> assertThat(error)
                        .isInstanceOf(AppendBatches.StrayTransactionException.class))
                .verify(Duration.ofSeconds(20));
        assertThat(batches.strayTransactions()).isEqualTo(1);

        StepVerifier.create(batches.append(dialog.id(), Sender.VISITOR, dialog.visitorId(), null, null, "stray-1",
                        "written into a stray transaction"))
                .assertNext(stored -> assertThat(stored.status()).isIn("STORED", "QUEUED"))
                .verifyComplete();
        // committed: another connection of the application's pool sees it, once
        assertThat(db.sql("SELECT count(*) AS n FROM message WHERE dialog_id = :id AND client_msg_id = 'stray-1'")
                .bind("id", dialog.id())
                .map(row -> row.get("n", Long.class))
                .one()
                .block(Duration.ofSeconds(10))).isEqualTo(1L);
    }

    private static Mono<Void> run(Connection connection, String sql) {
        return Flux.from(connection.createStatement(sql).execute())
                .flatMap(Result::getRowsUpdated)
                .then();
    }
}
