package ru.rosdistant.bench;

import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.JsonNode;

/** A visitor in the widget: hello → welcome, open → opened (+ waiting/assigned), then chat. */
final class VisitorClient {

    final int index;

    final WsConn ws = new WsConn();

    final CompletableFuture<Void> welcomed = new CompletableFuture<>();

    final CompletableFuture<String> opened = new CompletableFuture<>();

    final CompletableFuture<Void> assigned = new CompletableFuture<>();

    final CompletableFuture<Void> closedEvent = new CompletableFuture<>();

    volatile String dialogId;

    volatile String token;

    private final Tracker tracker;

    VisitorClient(int index, Tracker tracker) {
        this.index = index;
        this.tracker = tracker;
        ws.onFrame(this::on);
    }

    /** How far this visitor got, for the report of one that timed out. */
    String stage() {
        return "upgraded=" + ws.isUpgraded() + " closed=" + ws.isClosed() + " welcomed=" + welcomed.isDone()
                + " opened=" + opened.isDone() + " assigned=" + assigned.isDone() + " closedEvent="
                + closedEvent.isDone() + " frames=" + frames;
    }

    volatile int frames;

    void hello() {
        ws.send("{\"type\":\"hello\"}");
    }

    void open() {
        ws.send("{\"type\":\"open\"}");
    }

    void closeDialog() {
        ws.send("{\"type\":\"close\",\"dialogId\":\"" + dialogId + "\"}");
    }

    void say(String clientMsgId, String text) {
        ws.send("{\"type\":\"message\",\"dialogId\":\"" + dialogId + "\",\"clientMsgId\":\"" + clientMsgId
                + "\",\"text\":" + Json.quote(text) + "}");
    }

    private void on(JsonNode frame) {
        frames++;
        String type = Json.text(frame, "type");
        if (type == null) {
            return;
        }
        switch (type) {
            case "welcome" -> {
                token = Json.text(frame, "token");
                welcomed.complete(null);
            }
            case "opened" -> {
                dialogId = frame.path("dialog").path("dialogId").asText();
                if ("ASSIGNED".equals(frame.path("dialog").path("state").asText())) {
                    assigned.complete(null);
                }
                opened.complete(dialogId);
            }
            case "message" -> {
                String from = Json.text(frame, "from");
                if ("system".equals(from)) {
                    String event = Json.text(frame, "event");
                    if ("assigned".equals(event)) {
                        assigned.complete(null);
                    }
                    else if ("closed".equals(event)) {
                        closedEvent.complete(null);
                    }
                }
                else if ("agent".equals(from)) {
                    tracker.recordDelivery(Json.text(frame, "clientMsgId"), Json.text(frame, "text"), false, this);
                }
            }
            case "ack" -> tracker.recordAck(Json.text(frame, "clientMsgId"), frame.path("duplicate").asBoolean());
            case "error" -> tracker.recordError(Json.text(frame, "code"));
            default -> {
                // queue, typing, pong, resumed: nothing to do
            }
        }
    }
}
