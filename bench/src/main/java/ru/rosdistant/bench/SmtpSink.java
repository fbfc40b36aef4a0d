package ru.rosdistant.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The several-nodes drill's mail server: a small SMTP server (RFC 5321: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP,
 * QUIT; no AUTH, no TLS) that accepts every mail and keeps, of each, its Message-ID and when it arrived.
 *
 * <p>A mail counts as received when its data's final "." has been read, as a real server queues it at that point;
 * the 250 that tells the client so is sent {@code delayMs} later, so that a node killed in that window has handed
 * the mail over without learning it (the at-least-once window of SMTP). A session is remembered with when it opened
 * and closed and whether the client said QUIT after its last mail: a client that did saw every 250 of the session.
 */
final class SmtpSink implements AutoCloseable {

    /** The largest mail kept (bytes of DATA); more is read and refused with 552. */
    private static final int MAX_DATA = 1 << 20;

    private static final int MAX_LINE = 4096;

    /** One mail: its Message-ID (null when it had none), when its "." was read, its session. */
    record Mail(String messageId, long receivedMs, Session session) {
    }

    /** One SMTP connection. */
    static final class Session {

        final long id;

        final long openedMs;

        volatile long closedMs;

        /** The client said QUIT (after its 250s): it saw every answer of the session. */
        volatile boolean quit;

        /** Mails received whose 250 the client then answered with another command (it saw the 250). */
        volatile int confirmed;

        volatile int mails;

        /** The name the client gave in EHLO/HELO (the drill sets each node's to its node id). */
        volatile String client;

        Session(long id, long openedMs) {
            this.id = id;
            this.openedMs = openedMs;
        }
    }

    private final ServerSocket server;

    private final int delayMs;

    private final ExecutorService connections = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "smtp-sink");
        t.setDaemon(true);
        return t;
    });

    private final AtomicLong sessionIds = new AtomicLong();

    final ConcurrentLinkedQueue<Mail> mails = new ConcurrentLinkedQueue<>();

    final ConcurrentLinkedQueue<Session> sessions = new ConcurrentLinkedQueue<>();

    SmtpSink(int port, int delayMs) throws IOException {
        this.delayMs = delayMs;
        this.server = new ServerSocket();
        this.server.setReuseAddress(true);
        this.server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 256);
        Thread acceptor = new Thread(this::accept, "smtp-sink-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                connections.execute(() -> serve(socket));
            }
            catch (IOException ex) {
                if (!server.isClosed()) {
                    System.err.println("smtp sink: accept failed: " + ex);
                }
            }
        }
    }

    private void serve(Socket socket) {
        Session session = new Session(sessionIds.incrementAndGet(), System.currentTimeMillis());
        sessions.add(session);
        try (socket) {
            socket.setSoTimeout(120_000);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            reply(out, "220 bench-sink ESMTP");
            boolean unconfirmed = false;
            String line;
            while ((line = readLine(in)) != null) {
                if (unconfirmed) {
                    // the client sent something after the 250 of its last mail: it saw the 250
                    session.confirmed++;
                    unconfirmed = false;
                }
                String verb = (line.length() >= 4 ? line.substring(0, 4) : line).toUpperCase(Locale.ROOT);
                if ((verb.equals("EHLO") || verb.equals("HELO")) && line.length() > 5) {
                    session.client = line.substring(5).strip();
                }
                switch (verb) {
                    case "EHLO" -> reply(out, "250-bench-sink\r\n250-8BITMIME\r\n250 SIZE " + MAX_DATA);
                    case "HELO", "MAIL", "RCPT", "RSET", "NOOP" -> reply(out, "250 OK");
                    case "QUIT" -> {
                        session.quit = true;
                        reply(out, "221 bye");
                        return;
                    }
                    case "DATA" -> {
                        reply(out, "354 end with <CRLF>.<CRLF>");
                        String messageId = readData(in);
                        if (messageId == TOO_LARGE) {
                            reply(out, "552 too large");
                            continue;
                        }
                        mails.add(new Mail(messageId, System.currentTimeMillis(), session));
                        session.mails++;
                        if (delayMs > 0) {
                            Thread.sleep(delayMs);
                        }
                        reply(out, "250 queued");
                        unconfirmed = true;
                    }
                    default -> reply(out, "502 not implemented");
                }
            }
        }
        catch (IOException ex) {
            // the client went away (a killed node) or timed out: the session ends without QUIT
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        finally {
            session.closedMs = System.currentTimeMillis();
        }
    }

    private static final String TOO_LARGE = new String("too large");

    /** Reads the mail data up to the "." line; returns its Message-ID header's value (null without one). */
    private static String readData(InputStream in) throws IOException {
        String messageId = null;
        boolean headers = true;
        long size = 0;
        String line;
        while ((line = readLine(in)) != null) {
            if (line.equals(".")) {
                return size > MAX_DATA ? TOO_LARGE : messageId;
            }
            size += line.length() + 2;
            if (headers) {
                if (line.isEmpty()) {
                    headers = false;
                }
                else if (line.regionMatches(true, 0, "Message-ID:", 0, 11)) {
                    messageId = line.substring(11).strip();
                }
            }
        }
        throw new IOException("the connection closed within DATA");
    }

    /** A line without its CRLF (ISO-8859-1, byte for byte), null at the end of the stream. */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
            }
            if (line.size() < MAX_LINE) {
                line.write(b);
            }
        }
        return null;
    }

    private static void reply(OutputStream out, String text) throws IOException {
        out.write((text + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    List<Mail> mails() {
        return new ArrayList<>(mails);
    }

    @Override
    public void close() throws IOException {
        server.close();
        connections.shutdownNow();
    }
}
