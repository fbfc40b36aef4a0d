package ru.rosdistant.gateway.system;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentHashMap;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.apache.commons.logging.Log;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.logging.DeferredLogFactory;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.FileSystemUtils;
import org.springframework.util.StringUtils;

/**
 * Starts an embedded PostgreSQL when no database is configured, so that a fresh checkout runs with
 * {@code mvn spring-boot:run} alone. Its data stays in {@code gateway.embedded-db.data-dir} and survives
 * restarts. It runs before the context exists because R2DBC and Flyway read their URLs at start-up.
 * One server per data folder and JVM: tests that start several contexts share it.
 */
class EmbeddedPostgresEnvironment implements EnvironmentPostProcessor, Ordered {

    private final Log log;

    private static final Map<Path, EmbeddedPostgres> running = new ConcurrentHashMap<>();

    EmbeddedPostgresEnvironment(DeferredLogFactory logs) {
        this.log = logs.getLog(EmbeddedPostgresEnvironment.class);
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (StringUtils.hasText(environment.getProperty("spring.r2dbc.url"))
                || !environment.getProperty("gateway.embedded-db.enabled", Boolean.class, true)) {
            return;
        }
        Path dataDir = Path.of(environment.getProperty("gateway.embedded-db.data-dir", "./data/postgres"))
                .toAbsolutePath()
                .normalize();
        boolean clean = environment.getProperty("gateway.embedded-db.clean-on-start", Boolean.class, false);
        Duration startTimeout = environment.getProperty("gateway.embedded-db.start-timeout", Duration.class,
                Duration.ofSeconds(60));
        EmbeddedPostgres postgres = running.computeIfAbsent(dataDir, dir -> start(dir, clean, startTimeout));
        log.info("Using the embedded PostgreSQL on port " + postgres.getPort() + " with its data in " + dataDir
                + " (set spring.r2dbc.url and spring.flyway.url to use another database)");
        int port = postgres.getPort();
        environment.getPropertySources().addFirst(new MapPropertySource("embeddedPostgres", Map.of(
                "spring.r2dbc.url", "r2dbc:postgresql://localhost:" + port + "/postgres",
                "spring.r2dbc.username", "postgres",
                "spring.r2dbc.password", "",
                "spring.flyway.url", "jdbc:postgresql://localhost:" + port + "/postgres",
                "spring.flyway.user", "postgres",
                "spring.flyway.password", "",
                "gateway.embedded-db.port", String.valueOf(port))));
    }

    private EmbeddedPostgres start(Path dataDir, boolean clean, Duration startTimeout) {
        try {
            new EmbeddedDataFolder(dataDir, log).prepare();
            if (clean) {
                FileSystemUtils.deleteRecursively(dataDir);
            }
            Files.createDirectories(dataDir);
            long started = System.nanoTime();
            EmbeddedPostgres postgres = lockedOrRefused(dataDir, EmbeddedPostgres.builder()
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(false)
                    .setPGStartupWait(startTimeout)
                    .setServerConfig("max_connections", "200")
                    // As durable as a stock PostgreSQL: the library turns synchronous_commit off and passes -F
                    // (fsync off); a message acknowledged to a client must survive a power loss or a kill of
                    // both processes. Group commit (AppendBatches) shares each flush among many messages.
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("fsync", "on")
                    .setServerConfig("full_page_writes", "on"));
            log.info("Started the embedded PostgreSQL in " + (System.nanoTime() - started) / 1_000_000 + " ms ("
                    + durability(postgres) + ")");
            return postgres;
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Could not start the embedded PostgreSQL in " + dataDir, ex);
        }
    }

    /** What the running server says of its durability settings, not what was asked of it. */
    private static String durability(EmbeddedPostgres postgres) {
        try (Connection connection = postgres.getPostgresDatabase().getConnection();
                Statement statement = connection.createStatement();
                ResultSet settings = statement.executeQuery("SELECT name, setting FROM pg_settings"
                        + " WHERE name IN ('synchronous_commit', 'fsync', 'full_page_writes') ORDER BY name")) {
            StringJoiner joined = new StringJoiner(", ");
            while (settings.next()) {
                joined.add(settings.getString(1) + "=" + settings.getString(2));
            }
            return joined.toString();
        }
        catch (SQLException ex) {
            return "durability settings unreadable: " + ex.getMessage();
        }
    }

    /** The library's own lock can still be lost to a gateway that started in the same instant. */
    private static EmbeddedPostgres lockedOrRefused(Path dataDir, EmbeddedPostgres.Builder builder) throws IOException {
        try {
            return builder.start();
        }
        catch (IllegalStateException ex) {
            if (String.valueOf(ex.getMessage()).startsWith("could not lock")) {
                throw new DataFolderInUseException(dataDir, -1);
            }
            throw ex;
        }
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }
}
