package ru.rosdistant.gateway.report;

import java.time.Duration;

import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Wrapped;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.r2dbc.connection.R2dbcTransactionManager;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.reactive.TransactionalOperator;
import org.springframework.transaction.support.DefaultTransactionDefinition;

/**
 * The reports' own small pool of connections to the same database: the report queries never take a connection of
 * the pool the visitors' and agents' messages are stored through, however long they run. It holds a connection for
 * each report place ({@code gateway.report.concurrency.node}), one for the missed-deadline count and one for the
 * roll-up job ({@link ReportRollups}), opened when first needed. Not a {@link ConnectionFactory} bean, so that the gateway's own pool stays the one Spring Boot makes.
 */
@Component
class ReportConnections implements DisposableBean {

    private final ConnectionPool pool;

    private final DatabaseClient db;

    private final TransactionalOperator tx;

    private final TransactionalOperator snapshotTx;

    ReportConnections(ConnectionFactory shared, ReportProperties properties) {
        ConnectionFactory physical = shared instanceof Wrapped<?> wrapped
                && wrapped.unwrap() instanceof ConnectionFactory inner ? inner : shared;
        this.pool = new ConnectionPool(ConnectionPoolConfiguration.builder(physical)
                .name("reports")
                .initialSize(0)
                .maxSize(properties.concurrency().node() + 2)
                .maxIdleTime(Duration.ofMinutes(10))
                .maxAcquireTime(Duration.ofSeconds(5))
                .build());
        this.db = DatabaseClient.create(pool);
        R2dbcTransactionManager manager = new R2dbcTransactionManager(pool);
        this.tx = TransactionalOperator.create(manager);
        DefaultTransactionDefinition snapshot = new DefaultTransactionDefinition();
        snapshot.setIsolationLevel(TransactionDefinition.ISOLATION_REPEATABLE_READ);
        snapshot.setReadOnly(true);
        this.snapshotTx = TransactionalOperator.create(manager, snapshot);
    }

    DatabaseClient db() {
        return db;
    }

    TransactionalOperator tx() {
        return tx;
    }

    /** A read-only transaction at repeatable read: its statements see one snapshot. */
    TransactionalOperator snapshotTx() {
        return snapshotTx;
    }

    /** Connections of this pool in use now. */
    int inUse() {
        return pool.getMetrics().map(metrics -> metrics.acquiredSize()).orElse(0);
    }

    @Override
    public void destroy() {
        pool.dispose();
    }
}
