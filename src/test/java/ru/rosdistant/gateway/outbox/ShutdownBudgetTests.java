package ru.rosdistant.gateway.outbox;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import ru.rosdistant.gateway.GatewayApplication;
import ru.rosdistant.gateway.OwnNettyResources;
import ru.rosdistant.gateway.mail.MailMessage;
import ru.rosdistant.gateway.mail.Mailer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shutdown budget (README, Operations): a stopping node's outbox relay waits for its sends under way beside the
 * web server's drain, within {@code spring.lifecycle.timeout-per-shutdown-phase}, whatever {@code stop-wait} says.
 * A gateway of its own (a database folder of its own) whose SMTP server takes a mail's DATA and never answers: the
 * context closes within the phase's bound plus the closing of the rest, and the mail is left DELIVERING under its
 * lease, for any node when the lease ends. Before, the relay waited its whole {@code stop-wait} (10 s) before the
 * web server's phase began, which then had 10 s of its own.
 */
class ShutdownBudgetTests {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private static final Duration PHASE = Duration.ofSeconds(3);

    /** What closing the rest may take after the phase (sockets told 1001, the web server, the pools) on a busy machine. */
    private static final Duration REST = Duration.ofSeconds(5);

    @Test
    void aHungSmtpServerDoesNotStretchAStopPastTheShutdownPhaseAndItsMailIsLeftForAnotherNode() throws Exception {
        try (HangingSmtp smtp = new HangingSmtp()) {
            ConfigurableApplicationContext node = new SpringApplicationBuilder(GatewayApplication.class,
                    OwnNettyResources.class).profiles("test")
                    .run("--server.port=0", "--gateway.embedded-db.data-dir=target/test-postgres-shutdown",
                            "--spring.mail.host=127.0.0.1", "--spring.mail.port=" + smtp.port(),
                            "--spring.lifecycle.timeout-per-shutdown-phase=" + PHASE.toSeconds() + "s",
                            "--gateway.outbox.poll-interval=200ms",
                            // a send that hangs longer than any stop, as with the production settings (the test
                            // profile gives up reading the server's answer after 5 s, and a send after 10 s)
                            "--spring.mail.properties.mail.smtp.timeout=60000",
                            "--gateway.outbox.delivery-timeout=60s", "--gateway.outbox.lease=5m");
            String database = "jdbc:postgresql://localhost:" + node.getEnvironment()
                    .getProperty("gateway.embedded-db.port") + "/postgres";
            Duration stopWait = node.getBean(OutboxProperties.class).stopWait();
            long started;
            try {
                node.getBean(Mailer.class).enqueue("shutdown-budget:1",
                        new MailMessage("lab900@test", null, "Проверка остановки", "Письмо, которое сервер не примет"))
                        .block(WAIT);
                assertThat(smtp.dataSent.await(WAIT.toSeconds(), TimeUnit.SECONDS))
                        .as("the relay sent the mail's DATA and waits for the answer").isTrue();
                started = System.nanoTime();
            }
            finally {
                node.close();
            }
            Duration took = Duration.ofNanos(System.nanoTime() - started);

            assertThat(stopWait).as("the relay's own setting is longer than the phase here").isGreaterThan(PHASE);
            assertThat(took).as("the stop, with the relay's wait inside the phase's bound")
                    .isLessThan(PHASE.plus(REST));
            // the embedded PostgreSQL outlives the context in this JVM: the mail is neither lost nor taken as sent
            assertThat(outboxRow(database, "shutdown-budget:1"))
                    .isEqualTo("DELIVERING 1 leased");
        }
    }

    /** The entry's state, attempts and whether its lease still holds it (then any node claims it). */
    private static String outboxRow(String url, String dedupKey) throws SQLException {
        try (Connection jdbc = DriverManager.getConnection(url, "postgres", "");
                Statement statement = jdbc.createStatement();
                ResultSet row = statement.executeQuery("SELECT state || ' ' || attempts || ' ' || CASE WHEN "
                        + "locked_until > now() THEN 'leased' ELSE 'free' END FROM outbox WHERE dedup_key = '"
                        + dedupKey + "'")) {
            return row.next() ? row.getString(1) : null;
        }
    }

    /**
     * An SMTP server on a free loopback port that takes one connection's mail up to the end of its DATA and then never
     * answers (a server that hangs): the sender waits for the reply to its final dot.
     */
    private static final class HangingSmtp implements AutoCloseable {

        final CountDownLatch dataSent = new CountDownLatch(1);

        private final ServerSocket server;

        HangingSmtp() throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread conversation = new Thread(() -> {
                try {
                    converse(server.accept());
                }
                catch (IOException closed) {
                    // the test ended before the relay came
                }
            }, "hanging-smtp");
            conversation.setDaemon(true);
            conversation.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void converse(Socket client) {
            try (client; BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(),
                    StandardCharsets.US_ASCII))) {
                OutputStream out = client.getOutputStream();
                say(out, "220 hanging.test ESMTP");
                boolean inData = false;
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (inData) {
                        if (line.equals(".")) {
                            // the mail is whole: no answer, ever
                            dataSent.countDown();
                        }
                        continue;
                    }
                    String command = line.length() < 4 ? line : line.substring(0, 4).toUpperCase();
                    switch (command) {
                        case "EHLO", "HELO" -> say(out, "250 hanging.test");
                        case "DATA" -> {
                            say(out, "354 end with <CRLF>.<CRLF>");
                            inData = true;
                        }
                        case "QUIT" -> {
                            say(out, "221 bye");
                            return;
                        }
                        default -> say(out, "250 OK");
                    }
                }
            }
            catch (IOException closed) {
                // the test is over, or the sender gave up
            }
        }

        private static void say(OutputStream out, String reply) throws IOException {
            out.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        /** Stops taking connections; the one under way ends when the relay's node gives it up or the JVM ends. */
        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
