package ru.rosdistant.gateway.report;

import java.time.Duration;
import java.util.Map;

import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.postgresql.PostgresqlConnectionFactoryProvider;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.Option;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Wrapped;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.resources.LoopResources;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;
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
 *
 * <p>With {@code gateway.report.own-event-loop=true} the report pool's connections run on an <b>event loop of their
 * own</b> (one thread, {@code report-db-*}), reaching the database {@code spring.r2dbc.url} (or
 * {@code gateway.report.r2dbc.url}) names with the same user, password and {@code spring.r2dbc.properties}; by default
 * they share the driver's loops with the chat's connections, which on one host served the chat better
 * (docs/benchmarks.md, "The chat path while reports run").
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

    /** the report pool's event loop (one thread), or null when it uses the driver's (another driver's URL) */
    private final LoopResources loops;

    @Autowired
    ReportConnections(ConnectionFactory shared, ReportProperties properties, Environment environment) {
        ConnectionFactory physical = shared instanceof Wrapped<?> wrapped
                && wrapped.unwrap() instanceof ConnectionFactory inner ? inner : shared;
        ConnectionFactoryOptions reportOptions;
        if (properties.r2dbc().configured()) {
            reportOptions = options(properties.r2dbc());
            log.info("Reports read the database at {} (gateway.report.r2dbc.url); the roll-up job writes the "
                    + "gateway's own", properties.r2dbc().url());
        }
        else {
            // the gateway's own database is reached through its factory unless a loop of their own is asked for
            reportOptions = properties.ownEventLoop() ? gatewayOptions(environment) : null;
        }
        ConnectionFactory reportDatabase = physical;
        if (properties.ownEventLoop() && reportOptions != null
                && "postgresql".equals(reportOptions.getValue(ConnectionFactoryOptions.DRIVER))) {
            this.loops = LoopResources.create("report-db", 1, true);
            reportDatabase = ConnectionFactories.get(reportOptions.mutate()
                    .option(PostgresqlConnectionFactoryProvider.LOOP_RESOURCES, loops)
                    .build());
        }
        else {
            // another driver (r2dbc:pool:..., a proxy): the configured standby as it is, else the gateway's factory
            this.loops = null;
            if (properties.r2dbc().configured()) {
                reportDatabase = ConnectionFactories.get(reportOptions);
            }
            if (properties.ownEventLoop()) {
                log.info("The report connections share the driver's event loops (the URL's driver is not postgresql)");
            }
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
        return builder(r2dbc.url(), r2dbc.username(), r2dbc.password()).build();
    }

    /**
     * The options of the gateway's own database as Spring Boot reads them ({@code spring.r2dbc.url}, username,
     * password, {@code spring.r2dbc.properties.*}), or null without a URL.
     */
    static ConnectionFactoryOptions gatewayOptions(Environment environment) {
        String url = environment.getProperty("spring.r2dbc.url");
        if (url == null || url.isBlank()) {
            return null;
        }
        ConnectionFactoryOptions.Builder options = builder(url, environment.getProperty("spring.r2dbc.username"),
                environment.getProperty("spring.r2dbc.password"));
        Binder.get(environment).bind("spring.r2dbc.properties", Bindable.mapOf(String.class, String.class))
                .orElse(Map.of())
                .forEach((key, value) -> options.option(Option.valueOf(key), value));
        return options.build();
    }

    /** A URL's options with the user and password when given (else the URL's). */
    private static ConnectionFactoryOptions.Builder builder(String url, String username, String password) {
        ConnectionFactoryOptions.Builder options = ConnectionFactoryOptions.parse(url.strip()).mutate();
        if (username != null && !username.isBlank()) {
            options.option(ConnectionFactoryOptions.USER, username);
        }
        if (password != null && !password.isEmpty()) {
            options.option(ConnectionFactoryOptions.PASSWORD, password);
        }
        return options;
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
        if (loops != null) {
            loops.dispose();
        }
    }
}
