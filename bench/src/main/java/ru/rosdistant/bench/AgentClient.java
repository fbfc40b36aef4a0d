package ru.rosdistant.bench;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * An agent in the console: welcome, presence ONLINE, and for every dialog given to them a resume from
 * seq 0 so the socket follows it; then chat.
 */
final class AgentClient {

    final int index;

    final String login;

    final WsConn ws = new WsConn();

    final CompletableFuture<Void> welcomed = new CompletableFuture<>();

    final CompletableFuture<Void> online = new CompletableFuture<>();

    private final Set<String> following = ConcurrentHashMap.newKeySet();

    private final Tracker tracker;

    /** called with (dialogId, this) once the dialog's resume is answered: the agent can write there */
    private final BiConsumer<String, AgentClient> onReady;

    AgentClient(int index, String login, Tracker tracker, BiConsumer<String, AgentClient> onReady) {
        this.index = index;
        this.login = login;
        this.tracker = tracker;
        this.onReady = onReady;
        ws.onFrame(this::on);
    }

    void goOnline() {
        ws.send("{\"type\":\"presence\",\"status\":\"ONLINE\"}");
    }

    void say(String dialogId, String clientMsgId, String text) {
        ws.send("{\"type\":\"message\",\"dialogId\":\"" + dialogId + "\",\"clientMsgId\":\"" + clientMsgId
                + "\",\"text\":" + Json.quote(text) + "}");
    }

    int dialogs() {
        return following.size();
    }

    private void follow(JsonNode dialog) {
        String id = Json.text(dialog, "dialogId");
        if (id != null && "ASSIGNED".equals(Json.text(dialog, "state")) && following.add(id)) {
            ws.send("{\"type\":\"resume\",\"dialogId\":\"" + id + "\",\"lastSeq\":0}");
        }
    }

    private void on(JsonNode frame) {
        String type = Json.text(frame, "type");
        if (type == null) {
            return;
        }
        switch (type) {
            case "welcome" -> {
                frame.path("dialogs").forEach(this::follow);
                welcomed.complete(null);
            }
            case "presence" -> online.complete(null);
            case "dialog" -> follow(frame.path("dialog"));
            case "resumed" -> onReady.accept(Json.text(frame, "dialogId"), this);
            case "message" -> {
                if ("visitor".equals(Json.text(frame, "from"))) {
                    tracker.recordDelivery(Json.text(frame, "clientMsgId"), Json.text(frame, "text"), true, this);
                }
            }
            case "ack" -> tracker.recordAck(Json.text(frame, "clientMsgId"), frame.path("duplicate").asBoolean());
            case "error" -> tracker.recordError(Json.text(frame, "code"));
            default -> {
                // offer, typing, pong, queue: nothing to do
            }
        }
    }
}
