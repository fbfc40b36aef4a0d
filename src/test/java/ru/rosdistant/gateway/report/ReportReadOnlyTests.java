package ru.rosdistant.gateway.report;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.reactive.TransactionalOperator;
import ru.rosdistant.gateway.GatewayTest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every report reads in a read-only transaction, whichever path it takes ({@code ReportQueries.begin}): a report can
 * never write, and a standby ({@code gateway.report.r2dbc.url}) can serve each one.
 */
@GatewayTest
class ReportReadOnlyTests {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static final String READ_ONLY = "SELECT current_setting('transaction_read_only') AS v";

    private static final String WRITE = "DELETE FROM outbox WHERE false RETURNING id";

    @Autowired
    ReportConnections reports;

    @Autowired
    ReportQueries queries;

    @Test
    void everyReportReadsInAReadOnlyTransactionWhereAWriteIsRefused() {
        // a figure's statement, a list's statement (a connection of its own), and the report pool's transactions
        assertThat(queries.query(READ_ONLY, Map.of(), row -> row.get("v", String.class)).blockFirst(WAIT))
                .isEqualTo("on");
        assertThat(queries.list(READ_ONLY, Map.of(), row -> row.get("v", String.class)).blockFirst(WAIT))
                .isEqualTo("on");
        for (TransactionalOperator tx : List.of(reports.tx(), reports.snapshotTx())) {
            assertThat(reports.db().sql(READ_ONLY).map(row -> row.get("v", String.class)).one()
                    .as(tx::transactional).block(WAIT)).isEqualTo("on");
        }
        assertThatThrownBy(() -> queries.query(WRITE, Map.of(), row -> row.get(0)).blockFirst(WAIT))
                .hasMessageContaining("cannot execute DELETE in a read-only transaction");
        assertThatThrownBy(() -> queries.list(WRITE, Map.of(), row -> row.get(0)).blockFirst(WAIT))
                .hasMessageContaining("cannot execute DELETE in a read-only transaction");
    }
}
