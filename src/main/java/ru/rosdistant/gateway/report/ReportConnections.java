package ru.rosdistant.gateway.report;

import java.time.Duration;

import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Wrapped;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.r2dbc.connection.R2dbcTransactionManager;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.reactive.TransactionalOperator;
import org.springframework.transaction.support.DefaultTransactionDefinition;

/**
 * The reports' own small pools of connections: the report queries never take a connection of the pool the visitors'
 * and agents' messages are stored through, however long they run. The <b>report pool</b> holds a connection for each
 * report place ({@code gateway.report.concurrency.node}) and one for the missed-deadline count; it reads the
 * gateway's database, or the one {@code gateway.report.r2dbc.url} names (a standby). Each of its connections, when
 * opened, turns parallel query off ({@code gateway.report.parallel-workers}) and has its backend's CPU priority
 * lowered ({@link BackendPriority}, {@code gateway.report.backend-nice}), so that on a shared host the chat's backends
 * come first. The <b>roll-up pool</b> (one connection) is the roll-up job's ({@link ReportRollups}): it writes, so it
 * is always the gateway's own database, and its backend keeps the server's priority, because the dialogs' triggers
 * wait for the day locks it holds (docs/reports.md "Priority and isolation"). Both open their connections when first
 * needed. Not a {@link ConnectionFactory} bean, so that the gateway's own pool stays the one Spring Boot makes.
 */
@Component
class ReportConnections implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(ReportConnections.class);

    private final ConnectionPool pool;

    private final ConnectionPool rollupPool;

    private final DatabaseClient db;

    private final TransactionalOperator tx;

    private final TransactionalOperator snapshotTx;

    private final DatabaseClient rollupDb;

    private final TransactionalOperator rollupTx;

    ReportConnections(ConnectionFactory shared, ReportProperties properties) {
        ConnectionFactory physical = shared instanceof Wrapped<?> wrapped
                && wrapped.unwrap() instanceof ConnectionFactory inner ? inner : shared;
        ConnectionFactory reportDatabase = physical;
        if (properties.r2dbc().configured()) {
            reportDatabase = ConnectionFactories.get(options(properties.r2dbc()));
            log.info("Reports read the database at {} (gateway.report.r2dbc.url); the roll-up job writes the "
                    + "gateway's own", properties.r2dbc().url());
        }
        BackendPriority priority = new BackendPriority(properties.nice());
        int parallelWorkers = properties.parallelWorkers();
        this.pool = new ConnectionPool(ConnectionPoolConfiguration.builder(reportDatabase)
                .name("reports")
                .initialSize(0)
                .maxSize(properties.concurrency().node() + 1)
                .maxIdleTime(Duration.ofMinutes(10))
                .maxAcquireTime(Duration.ofSeconds(5))
                .postAllocate(connection -> parallel(connection, parallelWorkers).then(priority.lower(connection)))
                .build());
        this.rollupPool = new ConnectionPool(ConnectionPoolConfiguration.builder(physical)
                .name("report-rollups")
                .initialSize(0)
                .maxSize(1)
                .maxIdleTime(Duration.ofMinutes(10))
                .maxAcquireTime(Duration.ofSeconds(5))
                .build());
        this.db = DatabaseClient.create(pool);
        R2dbcTransactionManager manager = new R2dbcTransactionManager(pool);
        // every report reads only: BEGIN READ ONLY (ReportQueries makes sure of it whichever way a transaction began)
        DefaultTransactionDefinition readOnly = new DefaultTransactionDefinition();
        readOnly.setReadOnly(true);
        this.tx = TransactionalOperator.create(manager, readOnly);
        DefaultTransactionDefinition snapshot = new DefaultTransactionDefinition();
        snapshot.setIsolationLevel(TransactionDefinition.ISOLATION_REPEATABLE_READ);
        snapshot.setReadOnly(true);
        this.snapshotTx = TransactionalOperator.create(manager, snapshot);
        this.rollupDb = DatabaseClient.create(rollupPool);
        this.rollupTx = TransactionalOperator.create(new R2dbcTransactionManager(rollupPool));
    }

    /** The options of {@code gateway.report.r2dbc}: its URL, with its user and password when given. */
    static ConnectionFactoryOptions options(ReportProperties.R2dbc r2dbc) {
        ConnectionFactoryOptions.Builder options = ConnectionFactoryOptions.parse(r2dbc.url().strip()).mutate();
        if (r2dbc.username() != null && !r2dbc.username().isBlank()) {
            options.option(ConnectionFactoryOptions.USER, r2dbc.username());
        }
        if (r2dbc.password() != null && !r2dbc.password().isEmpty()) {
            options.option(ConnectionFactoryOptions.PASSWORD, r2dbc.password());
        }
        return options.build();
    }

    /** Sets the connection's {@code max_parallel_workers_per_gather} (a session setting: it lasts as long as it). */
    private static Mono<Void> parallel(Connection connection, int workers) {
        if (workers < 0) {
            return Mono.empty();
        }
        return Flux.from(connection.createStatement("SET max_parallel_workers_per_gather = " + workers).execute())
                .flatMap(Result::getRowsUpdated)
                .then();
    }

    /** The report pool: the reads of every report and of the missed-deadline count. */
    DatabaseClient db() {
        return db;
    }

    /** A read-only transaction at read committed. */
    TransactionalOperator tx() {
        return tx;
    }

    /** A read-only transaction at repeatable read: its statements see one snapshot. */
    TransactionalOperator snapshotTx() {
        return snapshotTx;
    }

    /** The roll-up job's connection: the gateway's own database, at the server's priority. */
    DatabaseClient rollupDb() {
        return rollupDb;
    }

    TransactionalOperator rollupTx() {
        return rollupTx;
    }

    /** Connections of the report pool in use now. */
    int inUse() {
        return pool.getMetrics().map(metrics -> metrics.acquiredSize()).orElse(0);
    }

    @Override
    public void destroy() {
        pool.dispose();
        rollupPool.dispose();
    }
}
