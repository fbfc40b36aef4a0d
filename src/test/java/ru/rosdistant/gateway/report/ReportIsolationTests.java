package ru.rosdistant.gateway.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.env.Environment;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.util.FileSystemUtils;
import ru.rosdistant.gateway.GatewayTest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The reports' isolation from the chat path (docs/reports.md "Priority and isolation"): the report connections'
 * PostgreSQL backends run at nice 19 with parallel query off, read from the process table as the kernel schedules
 * them; the chat's and the roll-up job's keep the server's priority; {@code gateway.report.r2dbc.url} points the
 * reports (not the roll-up job) at another PostgreSQL. The test PostgreSQL is embedded, on loopback: what
 * {@code backend-nice=auto} lowers.
 */
@GatewayTest
class ReportIsolationTests {

    /** The second PostgreSQL's port (this class's range: 21100-21199). */
    private static final int STANDBY_PORT = 21131;

    @Autowired
    ReportConnections reports;

    @Autowired
    ConnectionFactory chat;

    @Autowired
    Environment environment;

    @Test
    void reportBackendsRunAtTheLowestPriorityWithoutParallelWorkers() {
        Backend report = backend(reports.db());
        Backend chatBackend = backend(DatabaseClient.create(chat));
        Backend rollup = backend(reports.rollupDb());
        int server = niceness(postmaster(chatBackend.pid()));

        assertThat(report.niceness()).isEqualTo(19);
        assertThat(report.parallelWorkers()).isEqualTo("0");
        assertThat(server).isLessThan(19);
        assertThat(chatBackend.niceness()).isEqualTo(server);
        assertThat(rollup.niceness()).as("the roll-up job holds the day locks the chat's triggers wait for")
                .isEqualTo(server);
        assertThat(chatBackend.parallelWorkers()).isNotEqualTo("0");
    }

    @Test
    void ownEventLoopPutsTheReportConnectionsOnALoopOfTheirOwnOnTheSameDatabase() {
        ReportConnections own = new ReportConnections(chat, properties("auto", 0, null, true), environment);
        try {
            String thread = "SELECT 1 AS one";
            assertThat(own.db().sql(thread).map((row, meta) -> Thread.currentThread().getName()).one()
                    .block(Duration.ofSeconds(30))).startsWith("report-db-");
            assertThat(reports.db().sql(thread).map((row, meta) -> Thread.currentThread().getName()).one()
                    .block(Duration.ofSeconds(30))).as("the default: the driver's loops").doesNotStartWith("report-db-");
            // the same database, user and settings as the chat's pool
            assertThat(port(own.db())).isEqualTo(port(DatabaseClient.create(chat)));
            String user = "SELECT current_user AS u";
            assertThat(own.db().sql(user).map(row -> row.get("u", String.class)).one().block(Duration.ofSeconds(30)))
                    .isEqualTo(DatabaseClient.create(chat).sql(user).map(row -> row.get("u", String.class)).one()
                            .block(Duration.ofSeconds(30)));
            assertThat(backend(own.db()).niceness()).isEqualTo(19);
        }
        finally {
            own.destroy();
        }
    }

    @Test
    void offKeepsTheServersPriorityAndANumberIsThatNiceness() {
        ReportConnections off = new ReportConnections(chat, properties("off", -1, null), environment);
        ReportConnections seven = new ReportConnections(chat, properties("7", 0, null), environment);
        try {
            Backend plain = backend(off.db());
            Backend lowered = backend(seven.db());
            int server = niceness(postmaster(plain.pid()));
            assertThat(plain.niceness()).isEqualTo(server);
            assertThat(plain.parallelWorkers()).as("-1 keeps the server's").isNotEqualTo("0");
            assertThat(lowered.niceness()).isEqualTo(7);
        }
        finally {
            off.destroy();
            seven.destroy();
        }
    }

    @Test
    void aBadSettingIsRefusedAtStart() {
        assertThatThrownBy(() -> properties("lowest", 0, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gateway.report.backend-nice: auto, off or a niceness 0 to 19");
        assertThatThrownBy(() -> properties("20", 0, null)).hasMessageContaining("not '20'");
        assertThatThrownBy(() -> properties("-5", 0, null)).hasMessageContaining("not '-5'");
        assertThatThrownBy(() -> properties("auto", -2, null))
                .hasMessageContaining("gateway.report.parallel-workers: -1 (the server's) or 0 to 64");
    }

    @Test
    void onlyLoopbackAndUnixSocketsAreThisHost() {
        assertThat(BackendPriority.local(null)).isTrue();
        assertThat(BackendPriority.local("127.0.0.1")).isTrue();
        assertThat(BackendPriority.local("::1")).isTrue();
        assertThat(BackendPriority.local("10.0.0.5")).isFalse();
        assertThat(BackendPriority.postgres(ProcessHandle.current())).as("the test's JVM is no backend").isFalse();
    }

    @Test
    void aStandbyUrlTakesTheReportsButNotTheRollUpJob() throws IOException {
        Path dataDir = Path.of("target", "test-postgres-standby").toAbsolutePath();
        FileSystemUtils.deleteRecursively(dataDir);
        try (EmbeddedPostgres standby = EmbeddedPostgres.builder().setDataDirectory(dataDir)
                .setCleanDataDirectory(false).setPort(STANDBY_PORT).start()) {
            Flyway.configure().dataSource(standby.getPostgresDatabase()).load().migrate();
            ReportConnections connections = new ReportConnections(chat, properties("auto", 0,
                    new ReportProperties.R2dbc("r2dbc:postgresql://127.0.0.1:" + STANDBY_PORT + "/postgres",
                            "postgres", "")), environment);
            try {
                int primaryPort = port(DatabaseClient.create(chat));
                assertThat(primaryPort).isNotEqualTo(STANDBY_PORT);
                assertThat(port(connections.db())).isEqualTo(STANDBY_PORT);
                assertThat(port(connections.rollupDb())).isEqualTo(primaryPort);
                Backend report = backend(connections.db());
                assertThat(report.niceness()).as("the standby runs on this host too").isEqualTo(19);
                assertThat(report.parallelWorkers()).isEqualTo("0");
                // a report runs on the standby's schema: the same query the gateway's reports run
                ReportQueries queries = new ReportQueries(connections, properties("auto", 0, null),
                        Duration.ofSeconds(15));
                ReportFilter may = new ReportFilter(java.time.LocalDate.of(2026, 5, 1),
                        java.time.LocalDate.of(2026, 5, 31), ReportFilter.Step.DAY, ReportFilter.GroupBy.LINE, null,
                        null, null, null);
                assertThat(queries.dialogFigures(may, true).collectList().block(Duration.ofSeconds(30))).isEmpty();
            }
            finally {
                connections.destroy();
            }
        }
        finally {
            FileSystemUtils.deleteRecursively(dataDir);
        }
    }

    private static ReportProperties properties(String nice, int parallelWorkers, ReportProperties.R2dbc r2dbc) {
        return properties(nice, parallelWorkers, r2dbc, false);
    }

    private static ReportProperties properties(String nice, int parallelWorkers, ReportProperties.R2dbc r2dbc,
            boolean ownLoop) {
        return new ReportProperties(ZoneId.of("Europe/Samara"), 366, 100, Duration.ofSeconds(10),
                Duration.ofMinutes(5), new ReportProperties.Concurrency(2, 1, Duration.ofSeconds(2), 8,
                        Duration.ofSeconds(5)),
                nice, parallelWorkers, ownLoop, r2dbc == null ? new ReportProperties.R2dbc(null, null, null) : r2dbc);
    }

    private record Backend(int pid, String parallelWorkers, int niceness) {
    }

    /** One connection of the client: its backend's process id, what SHOW says of parallel query, its niceness. */
    private static Backend backend(DatabaseClient client) {
        Map.Entry<Integer, String> read = client.inConnection(connection -> first(connection, "SELECT pg_backend_pid()")
                        .flatMap(pid -> first(connection, "SHOW max_parallel_workers_per_gather")
                                .map(workers -> Map.entry(Integer.parseInt(pid), workers))))
                .block(Duration.ofSeconds(30));
        // ps on the test's thread, not on the connection's event loop (BlockHound)
        return new Backend(read.getKey(), read.getValue(), niceness(read.getKey()));
    }

    private static int port(DatabaseClient client) {
        return client.sql("SELECT inet_server_port() AS port").map(row -> row.get("port", Integer.class)).one()
                .block(Duration.ofSeconds(30));
    }

    private static Mono<String> first(Connection connection, String sql) {
        return Flux.from(connection.createStatement(sql).execute())
                .flatMap(result -> result.map((row, meta) -> String.valueOf(row.get(0))))
                .next();
    }

    private static int postmaster(int backend) {
        return (int) ProcessHandle.of(backend).orElseThrow().parent().orElseThrow().pid();
    }

    /** {@code ps -o ni= -p PID}: the niceness the kernel schedules the process with. */
    private static int niceness(long pid) {
        try {
            Process ps = new ProcessBuilder("ps", "-o", "ni=", "-p", String.valueOf(pid)).redirectErrorStream(true)
                    .start();
            String out = new String(ps.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertThat(ps.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(ps.exitValue()).as("ps -o ni= -p %s: %s", pid, out).isZero();
            return Integer.parseInt(out);
        }
        catch (IOException ex) {
            throw new java.io.UncheckedIOException(ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }
}
