package ru.rosdistant.gateway.cluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A small SMTP server on a free loopback port (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) that keeps every whole
 * mail with its Message-ID and the name its client gave in EHLO, and that can hold a session: the one whose client
 * is named {@code holdClient} and whose recipient is {@code holdRecipient} gets no answer to its DATA until
 * {@link #release()}, so a test can kill that client while it waits in the middle of a send. A held session's mail
 * is never complete (its data is not sent), so it is not kept.
 */
final class HoldingSmtp implements AutoCloseable {

    /** A whole mail: its Message-ID (null without one) and the EHLO name of the client that sent it. */
    record Mail(String messageId, String client) {
    }

    private final ServerSocket server;

    private final String holdClient;

    private final String holdRecipient;

    private final CountDownLatch released = new CountDownLatch(1);

    private final CountDownLatch holding = new CountDownLatch(1);

    final List<Mail> mails = new CopyOnWriteArrayList<>();

    HoldingSmtp(String holdClient, String holdRecipient) {
        this.holdClient = holdClient;
        this.holdRecipient = holdRecipient;
        try {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        Thread acceptor = new Thread(this::accept, "holding-smtp");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Whether the session to hold is waiting for the answer to its DATA now. */
    boolean holding() {
        return holding.getCount() == 0 && released.getCount() > 0;
    }

    /** Answers the held session, and holds no other. */
    void release() {
        released.countDown();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                Thread session = new Thread(() -> serve(socket), "holding-smtp-session");
                session.setDaemon(true);
                session.start();
            }
            catch (IOException ex) {
                // closed
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setSoTimeout(120_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.UTF_8));
            OutputStream out = socket.getOutputStream();
            reply(out, "220 holding-smtp ESMTP");
            String client = null;
            String recipient = null;
            String line;
            while ((line = in.readLine()) != null) {
                String verb = (line.length() >= 4 ? line.substring(0, 4) : line).toUpperCase(Locale.ROOT);
                switch (verb) {
                    case "EHLO", "HELO" -> {
                        client = line.length() > 5 ? line.substring(5).strip() : "";
                        reply(out, verb.equals("EHLO") ? "250-holding-smtp\r\n250 8BITMIME" : "250 OK");
                    }
                    case "RCPT" -> {
                        recipient = line.toLowerCase(Locale.ROOT);
                        reply(out, "250 OK");
                    }
                    case "MAIL", "RSET", "NOOP" -> reply(out, "250 OK");
                    case "QUIT" -> {
                        reply(out, "221 bye");
                        return;
                    }
                    case "DATA" -> {
                        if (holdClient.equals(client) && recipient != null && recipient.contains(holdRecipient)
                                && released.getCount() > 0 && holding.getCount() > 0) {
                            holding.countDown();
                            released.await(10, TimeUnit.MINUTES);
                        }
                        reply(out, "354 end with <CRLF>.<CRLF>");
                        String messageId = null;
                        String data;
                        while ((data = in.readLine()) != null && !data.equals(".")) {
                            if (messageId == null && data.regionMatches(true, 0, "Message-ID:", 0, 11)) {
                                messageId = data.substring(11).strip();
                            }
                        }
                        if (data == null) {
                            return;
                        }
                        mails.add(new Mail(messageId, client));
                        reply(out, "250 OK queued");
                    }
                    default -> reply(out, "502 not implemented");
                }
            }
        }
        catch (IOException ex) {
            // the client went away (a killed node's session among them)
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    private static void reply(OutputStream out, String text) throws IOException {
        out.write((text + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Override
    public void close() {
        release();
        try {
            server.close();
        }
        catch (IOException ex) {
            // closing
        }
    }
}
