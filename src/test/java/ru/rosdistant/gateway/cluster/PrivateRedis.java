package ru.rosdistant.gateway.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@code redis-server} of the test's own (Debian's, /usr/bin/redis-server; .ci/run installs it) on a free
 * loopback port, with nothing saved to disk; never the machine's 6379. {@link #stop()} kills it, {@link #start()}
 * starts it again on the same port (a Redis that comes back).
 */
final class PrivateRedis implements AutoCloseable {

    private static final Path SERVER = Path.of("/usr/bin/redis-server");

    private final int port;

    private final Path dir;

    private Process process;

    private PrivateRedis(int port, Path dir) {
        this.port = port;
        this.dir = dir;
    }

    static PrivateRedis started() {
        if (!Files.isExecutable(SERVER)) {
            throw new IllegalStateException(SERVER + " is missing: install the Debian package redis-server (.ci/run does)");
        }
        try {
            PrivateRedis redis = new PrivateRedis(freePort(), Files.createTempDirectory("gateway-redis"));
            redis.start();
            return redis;
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    String url() {
        return "redis://127.0.0.1:" + port;
    }

    int port() {
        return port;
    }

    synchronized void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        try {
            process = new ProcessBuilder(List.of(SERVER.toString(), "--port", String.valueOf(port), "--bind",
                    "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--protected-mode",
                    "no")).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("redis.log").toFile())
                    .start();
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            }
            catch (IOException notYet) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("redis-server exited; see " + dir.resolve("redis.log"));
                }
                sleep(50);
            }
        }
        throw new IllegalStateException("redis-server did not listen on " + port + " within 10 s");
    }

    synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    @Override
    public void close() {
        stop();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
