package ru.rosdistant.gateway.drill;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.util.FileSystemUtils;

/**
 * A TCP proxy between the gateway and PostgreSQL that can be cut: {@link #cut()} closes every connection
 * through it and stops listening, so a new connection is refused — what the gateway sees when the database
 * server stops or its host drops off the network. {@link #restore()} listens again on the same port.
 * {@link #freeze()} is the other kind of outage, a network black hole: connections stay open and new ones are
 * accepted, but no byte gets through until {@link #thaw()}, when everything held goes on, as TCP does once a
 * partition heals.
 * Plain blocking threads of the test, not the gateway's event loops.
 */
final class CuttableProxy implements AutoCloseable {

    private final int targetPort;

    private final int port;

    private final Set<Socket> open = ConcurrentHashMap.newKeySet();

    private volatile ServerSocket listener;

    private final Object gate = new Object();

    private volatile boolean frozen;

    CuttableProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.listener = listen(0);
        this.port = listener.getLocalPort();
        accept(listener);
    }

    int port() {
        return port;
    }

    /**
     * A drill's own database: an embedded PostgreSQL in a fresh {@code target/<folder>} (with {@code serverConfig}),
     * reached through a new proxy. Start it once per JVM: a rerun of the class (Surefire's rerunFailingTestsCount)
     * reuses it.
     */
    static CuttableProxy toEmbeddedPostgres(String folder, Map<String, String> serverConfig) throws IOException {
        Path dataDir = Path.of("target", folder).toAbsolutePath();
        FileSystemUtils.deleteRecursively(dataDir);
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder().setDataDirectory(dataDir)
                .setCleanDataDirectory(false);
        serverConfig.forEach(builder::setServerConfig);
        return new CuttableProxy(builder.start().getPort());
    }

    /**
     * The gateway's R2DBC goes through this proxy; Flyway, which runs once at the start before any cut, and the
     * gateway's embedded-database settings go straight to PostgreSQL.
     */
    void register(DynamicPropertyRegistry registry) {
        registry.add("spring.r2dbc.url", () -> "r2dbc:postgresql://127.0.0.1:" + port + "/postgres");
        registry.add("spring.r2dbc.username", () -> "postgres");
        registry.add("spring.r2dbc.password", () -> "");
        registry.add("spring.flyway.url", () -> "jdbc:postgresql://localhost:" + targetPort + "/postgres");
        registry.add("spring.flyway.user", () -> "postgres");
        registry.add("spring.flyway.password", () -> "");
        registry.add("gateway.embedded-db.port", () -> String.valueOf(targetPort));
    }

    /** Closes every connection and refuses new ones. */
    synchronized void cut() throws IOException {
        listener.close();
        for (Socket socket : open) {
            socket.close();
        }
        open.clear();
    }

    /** Lets no byte through, either way, on any connection, old or new, until {@link #thaw()}. */
    void freeze() {
        frozen = true;
    }

    void thaw() {
        synchronized (gate) {
            frozen = false;
            gate.notifyAll();
        }
    }

    private void waitWhileFrozen() throws IOException {
        synchronized (gate) {
            while (frozen) {
                try {
                    gate.wait();
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", ex);
                }
            }
        }
    }

    /** Accepts connections again (on the same port). */
    synchronized void restore() throws IOException {
        if (!listener.isClosed()) {
            return;
        }
        listener = listen(port);
        accept(listener);
    }

    private static ServerSocket listen(int port) throws IOException {
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        return server;
    }

    private void accept(ServerSocket server) {
        Thread acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket client = server.accept();
                    waitWhileFrozen();
                    Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                    client.setTcpNoDelay(true);
                    upstream.setTcpNoDelay(true);
                    open.add(client);
                    open.add(upstream);
                    if (server.isClosed()) {
                        quietly(client);
                        quietly(upstream);
                        continue;
                    }
                    pump(client, upstream);
                    pump(upstream, client);
                }
                catch (IOException closed) {
                    // the listener was closed by cut(), or PostgreSQL refused: the client sees its socket close
                }
            }
        }, "db-proxy-accept-" + port);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void pump(Socket from, Socket to) {
        Thread pump = new Thread(() -> {
            byte[] buffer = new byte[16384];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                    waitWhileFrozen();
                    out.write(buffer, 0, read);
                    out.flush();
                }
            }
            catch (IOException closed) {
                // one side is gone: close both
            }
            finally {
                quietly(from);
                quietly(to);
            }
        }, "db-proxy-pump");
        pump.setDaemon(true);
        pump.start();
    }

    private void quietly(Socket socket) {
        open.remove(socket);
        try {
            socket.close();
        }
        catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        thaw();
        cut();
    }
}
