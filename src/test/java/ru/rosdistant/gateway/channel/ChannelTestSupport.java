package ru.rosdistant.gateway.channel;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import tools.jackson.databind.JsonNode;

import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.WsClient;

import static org.assertj.core.api.Assertions.assertThat;

/** What the messenger tests share: posting to webhooks, counting rows, following a dialog as its agent. */
final class ChannelTestSupport {

    private static final AtomicLong ids = new AtomicLong(System.currentTimeMillis() / 1000 % 1_000_000L * 1000);

    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ChannelTestSupport() {
    }

    static long nextId() {
        return ids.incrementAndGet();
    }

    /** Posts raw bytes; runs on the test thread (the JDK client, not an event loop). */
    static HttpResponse<String> post(int port, String path, byte[] body, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }
        catch (java.io.IOException ex) {
            throw new java.io.UncheckedIOException(ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    static HttpResponse<String> get(int port, String path) {
        return get(port, path, null);
    }

    static HttpResponse<String> get(int port, String path, String cookie) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(20))
                .GET();
        if (cookie != null) {
            builder.header("Cookie", cookie);
        }
        HttpRequest request = builder.build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        }
        catch (java.io.IOException ex) {
            throw new java.io.UncheckedIOException(ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    static long count(DatabaseClient db, String sql, Map<String, Object> params) {
        DatabaseClient.GenericExecuteSpec spec = db.sql(sql);
        for (Map.Entry<String, Object> param : params.entrySet()) {
            spec = spec.bind(param.getKey(), param.getValue());
        }
        Long count = spec.map(row -> row.get(0, Long.class)).one().block(Duration.ofSeconds(10));
        return count == null ? 0 : count;
    }

    /** Messages the person sent in dialogs of this bot with this text. */
    static long visitorMessages(DatabaseClient db, String botId, String externalId, String text) {
        return count(db, """
                SELECT count(*) FROM message m JOIN dialog d ON d.id = m.dialog_id
                JOIN messenger_user mu ON mu.visitor_id = d.visitor_id
                WHERE mu.bot_id = :bot AND mu.external_id = :ext AND m.sender = 'VISITOR' AND m.body = :text""",
                Map.of("bot", botId, "ext", externalId, "text", text));
    }

    static long usersOf(DatabaseClient db, String botId, String externalId) {
        return count(db, "SELECT count(*) FROM messenger_user WHERE bot_id = :bot AND external_id = :ext",
                Map.of("bot", botId, "ext", externalId));
    }

    /** Waits until the agent's console gets the dialog, resumes it and returns its id. */
    static String awaitDialog(WsClient console) {
        JsonNode frame = console.await(found -> found.path("type").asString().equals("dialog")
                && found.path("dialog").path("state").asString().equals("ASSIGNED"), "an assigned dialog");
        String dialogId = frame.path("dialog").path("dialogId").asString();
        assertThat(UUID.fromString(dialogId)).isNotNull();
        console.send(Map.of("type", "resume", "dialogId", dialogId, "lastSeq", 0));
        return dialogId;
    }

    /**
     * Resumes every dialog the console is given until the visitor's message with this text shows up in one
     * of them (a line may hold leftovers of other tests of the class); returns that dialog's id.
     */
    static String awaitDialogWith(WsClient console, String text) {
        return awaitDialogWhere(console, text::equals, "'" + text + "'").path("dialogId").asString();
    }

    /** Same, for the first visitor message whose text matches; returns the message frame. */
    static JsonNode awaitDialogWhere(WsClient console, java.util.function.Predicate<String> text, String what) {
        java.util.Set<String> resumed = new java.util.HashSet<>();
        JsonNode message = console.await(frame -> {
            if (frame.path("type").asString().equals("dialog")
                    && frame.path("dialog").path("state").asString().equals("ASSIGNED")
                    && resumed.add(frame.path("dialog").path("dialogId").asString())) {
                console.send(Map.of("type", "resume", "dialogId", frame.path("dialog").path("dialogId").asString(),
                        "lastSeq", 0));
            }
            return frame.path("type").asString().equals("message") && text.test(frame.path("text").asString());
        }, "a dialog with the visitor's message " + what);
        return message;
    }

    /** The next message frame in the dialog from the visitor with this text. */
    static JsonNode awaitVisitorText(WsClient console, String dialogId, String text) {
        return console.await(frame -> frame.path("type").asString().equals("message")
                && frame.path("dialogId").asString().equals(dialogId)
                && text.equals(frame.path("text").asString()), "the visitor's message '" + text + "'");
    }
}
