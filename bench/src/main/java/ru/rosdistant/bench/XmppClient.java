package ru.rosdistant.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One XMPP client over WebSocket (RFC 7395), for the peer server (ejabberd): open the stream, SASL PLAIN,
 * resource binding, stream management (XEP-0198) enabled, initial presence confirmed by an {@code <a/>}; then
 * chat messages, each followed by {@code <r/>} so the server's {@code <a h/>} tells which were taken.
 *
 * <p>Each WebSocket frame carries exactly one element (RFC 7395 §3.3.3), so a frame is read by its element name
 * and a few attributes, without an XML parser.
 */
final class XmppClient {

    static final String FRAMING = "urn:ietf:params:xml:ns:xmpp-framing";

    static final String SM = "urn:xmpp:sm:3";

    private static final Pattern ID = Pattern.compile("\\sid=['\"]([^'\"]+)['\"]");

    private static final Pattern FROM = Pattern.compile("\\sfrom=['\"]([^'\"@/]+)@");

    private static final Pattern RESULT = Pattern.compile("\\stype=['\"]result['\"]");

    private static final Pattern H = Pattern.compile("\\sh=['\"](\\d+)['\"]");

    /** Told of every chat message received: (sender's local part, message id, body). */
    interface Inbox {
        void received(XmppClient to, String fromUser, String id, String body);
    }

    private enum Stage { OPENING, AUTHENTICATING, REOPENING, BINDING, ENABLING, PRESENCE, READY }

    final String user;

    final WsConn ws = new WsConn();

    /** the session is up: authenticated, bound, stream management on, presence taken */
    final CompletableFuture<Void> ready = new CompletableFuture<>();

    private final String host;

    private final String password;

    private final Tracker tracker;

    private final Inbox inbox;

    private volatile Stage stage = Stage.OPENING;

    /** stanzas sent since stream management was enabled (the server's h counts these) */
    private long stanzasOut;

    /** stanzas received since stream management was enabled (our h) */
    private long stanzasIn;

    /** (stanza number, client message id) of the messages not yet covered by an {@code <a h/>}, in order */
    private final ArrayDeque<Object[]> unacked = new ArrayDeque<>();

    /** one message whose acknowledgement someone waits for (the idle scenario's one message per visitor) */
    private CompletableFuture<Void> waiter;

    private long waiterNumber;

    /** the number of the presence stanza whose {@code <a/>} completes the session setup */
    private long presenceNumber = -1;

    XmppClient(String user, String host, String password, Tracker tracker, Inbox inbox) {
        this.user = user;
        this.host = host;
        this.password = password;
        this.tracker = tracker;
        this.inbox = inbox;
        ws.onText(this::on);
    }

    /** Starts the session on an upgraded socket; {@link #ready} completes when it is up. */
    CompletableFuture<Void> login() {
        openStream();
        return ready;
    }

    String stage() {
        return stage + " upgraded=" + ws.isUpgraded() + " closed=" + ws.isClosed();
    }

    /** {@link #say}, and a future completed when the server's {@code <a h/>} covers the message. */
    CompletableFuture<Void> sayConfirmed(String toUser, String clientMsgId, String text) {
        CompletableFuture<Void> taken = new CompletableFuture<>();
        synchronized (this) {
            waiter = taken;
            waiterNumber = stanzasOut + 1;
            say(toUser, clientMsgId, text);
        }
        return taken;
    }

    /** A chat message to {@code toUser}, then a request for an acknowledgement. */
    void say(String toUser, String clientMsgId, String text) {
        String stanza = "<message to='" + toUser + "@" + host + "' type='chat' id='" + clientMsgId + "'><body>"
                + escape(text) + "</body></message>";
        synchronized (this) {
            stanzasOut++;
            unacked.add(new Object[] {stanzasOut, clientMsgId});
            ws.send(stanza);
            ws.send("<r xmlns='" + SM + "'/>");
        }
    }

    private void openStream() {
        ws.send("<open xmlns='" + FRAMING + "' to='" + host + "' version='1.0'/>");
    }

    private void on(String frame) {
        String name = elementName(frame);
        switch (name) {
            case "message" -> {
                countIn();
                String body = between(frame, "<body>", "</body>");
                Matcher from = FROM.matcher(frame);
                if (body != null && from.find()) {
                    inbox.received(this, from.group(1), attribute(ID, openingTag(frame)), unescape(body));
                }
            }
            case "presence", "iq" -> {
                countIn();
                if (name.equals("iq") && stage == Stage.BINDING && RESULT.matcher(openingTag(frame)).find()) {
                    stage = Stage.ENABLING;
                    ws.send("<enable xmlns='" + SM + "'/>");
                }
            }
            case "r" -> {
                long h;
                synchronized (this) {
                    h = stanzasIn;
                }
                ws.send("<a xmlns='" + SM + "' h='" + h + "'/>");
            }
            case "a" -> acknowledged(Long.parseLong(attribute(H, frame)));
            case "stream:features", "features" -> features(frame);
            case "success" -> {
                stage = Stage.REOPENING;
                openStream();
            }
            case "enabled" -> {
                stage = Stage.PRESENCE;
                synchronized (this) {
                    stanzasOut++;
                    presenceNumber = stanzasOut;
                    ws.send("<presence/>");
                    ws.send("<r xmlns='" + SM + "'/>");
                }
            }
            case "open" -> {
                // the server's stream header; its features follow
            }
            case "failure", "close", "stream:error", "error", "failed" -> {
                tracker.recordError("xmpp-" + name);
                ready.completeExceptionally(new IllegalStateException(user + ": " + frame));
            }
            default -> tracker.recordError("xmpp-unexpected-" + name);
        }
    }

    private void features(String frame) {
        if (stage == Stage.OPENING && frame.contains("PLAIN")) {
            stage = Stage.AUTHENTICATING;
            String credentials = "\0" + user + "\0" + password;
            ws.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>"
                    + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)) + "</auth>");
        }
        else if (stage == Stage.REOPENING && frame.contains("urn:ietf:params:xml:ns:xmpp-bind")) {
            stage = Stage.BINDING;
            ws.send("<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                    + "<resource>bench</resource></bind></iq>");
        }
        else {
            ready.completeExceptionally(new IllegalStateException(user + ": unexpected features in " + stage + ": " + frame));
        }
    }

    private void countIn() {
        if (stage.ordinal() >= Stage.PRESENCE.ordinal()) {
            synchronized (this) {
                stanzasIn++;
            }
        }
    }

    /** {@code <a h='N'/>}: the server has handled our first N stanzas. */
    private void acknowledged(long h) {
        while (true) {
            String id;
            synchronized (this) {
                Object[] head = unacked.peek();
                if (head == null || (long) head[0] > h) {
                    break;
                }
                unacked.poll();
                id = (String) head[1];
            }
            tracker.recordAck(id, false);
        }
        CompletableFuture<Void> taken = null;
        synchronized (this) {
            if (waiter != null && h >= waiterNumber) {
                taken = waiter;
                waiter = null;
            }
        }
        if (taken != null) {
            taken.complete(null);
        }
        if (stage == Stage.PRESENCE && presenceNumber > 0 && h >= presenceNumber) {
            stage = Stage.READY;
            ready.complete(null);
        }
    }

    static String elementName(String frame) {
        int start = frame.indexOf('<');
        if (start < 0) {
            return "";
        }
        if (frame.startsWith("<?", start)) {
            start = frame.indexOf('<', start + 2);
        }
        int end = start + 1;
        while (end < frame.length() && " />\t\n\r".indexOf(frame.charAt(end)) < 0) {
            end++;
        }
        return frame.substring(start + 1, end);
    }

    private static String openingTag(String frame) {
        int end = frame.indexOf('>');
        return end < 0 ? frame : frame.substring(0, end);
    }

    private static String attribute(Pattern pattern, String text) {
        Matcher matcher = pattern.matcher(text);
        return matcher.find() ? matcher.group(1) : null;
    }

    private static String between(String text, String open, String close) {
        int start = text.indexOf(open);
        int end = start < 0 ? -1 : text.indexOf(close, start);
        return end < 0 ? null : text.substring(start + open.length(), end);
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&apos;")
                .replace("\"", "&quot;");
    }

    static String unescape(String text) {
        return text.replace("&lt;", "<").replace("&gt;", ">").replace("&apos;", "'").replace("&quot;", "\"")
                .replace("&amp;", "&");
    }
}
