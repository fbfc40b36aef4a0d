package ru.rosdistant.gateway.drill;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import ru.rosdistant.gateway.GatewayApplication;

import static org.assertj.core.api.Assertions.fail;

/**
 * A gateway in a JVM of its own (test profile), so that a test can kill it, or it and its PostgreSQL, with SIGKILL
 * as a crash, an OOM kill or a power loss would: on the embedded PostgreSQL of a data folder of its own
 * ({@link #start}), or as one node of several on a database and a Redis that the test runs ({@link #startNode}).
 */
public final class GatewayProcess implements AutoCloseable {

    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Process process;

    private final Path dataDir;

    private final Path log;

    private final int port;

    private GatewayProcess(Process process, Path dataDir, Path log, int port) {
        this.process = process;
        this.dataDir = dataDir;
        this.log = log;
        this.port = port;
    }

    /** Starts a gateway on the data folder; its output goes to {@code log}. */
    static GatewayProcess start(Path dataDir, Path log, String... extraArgs) {
        List<String> args = new ArrayList<>(List.of("--gateway.embedded-db.data-dir=" + dataDir.toAbsolutePath(),
                "--gateway.embedded-db.clean-on-start=false"));
        args.addAll(List.of(extraArgs));
        return launch(dataDir, log, args);
    }

    /**
     * Starts a gateway as a node of several: on the PostgreSQL at {@code postgresPort} of this host (user postgres,
     * no password, database postgres: the embedded server of the test's own nodes) and the Redis at {@code redisUrl},
     * with the node id given; its output goes to {@code log}. Its migrations find the schema migrated already.
     */
    public static GatewayProcess startNode(int postgresPort, String redisUrl, String nodeId, Path log,
            String... extraArgs) {
        List<String> args = new ArrayList<>(List.of(
                "--spring.r2dbc.url=r2dbc:postgresql://localhost:" + postgresPort + "/postgres",
                "--spring.r2dbc.username=postgres", "--spring.r2dbc.password=",
                "--spring.flyway.url=jdbc:postgresql://localhost:" + postgresPort + "/postgres",
                "--spring.flyway.user=postgres", "--spring.flyway.password=",
                "--gateway.cluster.redis-url=" + redisUrl, "--gateway.cluster.node-id=" + nodeId));
        args.addAll(List.of(extraArgs));
        return launch(null, log, args);
    }

    private static GatewayProcess launch(Path dataDir, Path log, List<String> args) {
        int port = freePort();
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "-cp", System.getProperty("java.class.path"),
                GatewayApplication.class.getName(),
                "--spring.profiles.active=test",
                "--server.port=" + port));
        command.addAll(args);
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            return new GatewayProcess(process, dataDir, log, port);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    /** Waits until readiness says UP; fails with the end of the log if the process ends or time runs out. */
    public GatewayProcess awaitReady(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                fail("the gateway ended with " + process.exitValue() + " before it was ready:\n" + tail());
            }
            if (readiness() == 200) {
                return this;
            }
            pause(Duration.ofMillis(200));
        }
        fail("the gateway was not ready within " + limit + ":\n" + tail());
        return this;
    }

    /** The readiness probe's status, or -1 when nothing answers. */
    public int readiness() {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness"))
                    .timeout(Duration.ofSeconds(5))
                    .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        }
        catch (IOException ex) {
            return -1;
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Waits for the process to end by itself; its exit code. */
    int awaitExit(Duration limit) {
        try {
            if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                fail("the gateway did not end within " + limit + ":\n" + tail());
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        return process.exitValue();
    }

    /** The embedded PostgreSQL of the data folder and every process it started, from its postmaster.pid. */
    List<ProcessHandle> postgres() {
        return postmaster().map(postmaster -> {
            List<ProcessHandle> all = new ArrayList<>();
            all.add(postmaster);
            postmaster.descendants().forEach(all::add);
            return all;
        }).orElse(List.of());
    }

    Optional<ProcessHandle> postmaster() {
        if (dataDir == null) {
            return Optional.empty();
        }
        try {
            Path pidFile = dataDir.resolve("postmaster.pid");
            if (!Files.exists(pidFile)) {
                return Optional.empty();
            }
            long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** SIGKILL of the gateway's JVM alone (its PostgreSQL, if it has one of its own, goes on running); returns once it ended. */
    public void killJvm() {
        process.destroyForcibly();
        awaitDeath(process.toHandle());
    }

    /** SIGKILL of the JVM and every PostgreSQL process at once, as a power loss or an OOM kill would. */
    void killWithPostgres() {
        List<ProcessHandle> victims = new ArrayList<>(postgres());
        victims.add(0, process.toHandle());
        victims.forEach(ProcessHandle::destroyForcibly);
        victims.forEach(GatewayProcess::awaitDeath);
    }

    public String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        }
        catch (IOException ex) {
            return "(no log: " + ex.getMessage() + ")";
        }
    }

    String output() {
        try {
            return Files.readString(log);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** Stops the gateway as an operator would (SIGTERM: it stops its PostgreSQL too), or kills what is left. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Stops a PostgreSQL that a killed gateway left behind, so a test leaves no process running. */
    static void stopLeftovers(Path dataDir) {
        new GatewayProcess(null, dataDir, null, 0).postmaster().ifPresent(postmaster -> {
            postmaster.destroy();
            awaitDeath(postmaster);
        });
    }

    private static void awaitDeath(ProcessHandle handle) {
        try {
            handle.onExit().get(30, TimeUnit.SECONDS);
        }
        catch (Exception ex) {
            fail("process " + handle.pid() + " did not end: " + ex);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
