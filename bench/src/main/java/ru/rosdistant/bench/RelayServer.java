package ru.rosdistant.bench;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.WebsocketServerSpec;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;
import reactor.netty.resources.LoopResources;

/**
 * The baseline: a plain Reactor Netty WebSocket relay that speaks just enough of the visitor and agent
 * protocols for the same generator to drive it (hello/welcome, open/opened, least-busy assignment,
 * presence, resume, message → ack + delivery to both sides, in-memory seq). It parses and writes JSON
 * with Jackson like the gateway, but stores nothing and has no Spring, no security, no database.
 */
final class RelayServer {

    private static final WebsocketServerSpec SPEC = WebsocketServerSpec.builder().maxFramePayloadLength(262144).build();

    private final Map<String, Integer> maxDialogsByLogin = new ConcurrentHashMap<>();

    private final Map<String, RDialog> dialogs = new ConcurrentHashMap<>();

    private final List<AgentPeer> agents = new ArrayList<>();

    private final Deque<RDialog> waiting = new ArrayDeque<>();

    private final AtomicLong agentIds = new AtomicLong();

    private static class Peer {
        private final Sinks.Many<String> out = Sinks.many().unicast().onBackpressureBuffer();

        void send(Object frame) {
            String text = frame instanceof String s ? s : Json.write(frame);
            synchronized (this) {
                out.tryEmitNext(text);
            }
        }

        void complete() {
            synchronized (this) {
                out.tryEmitComplete();
            }
        }
    }

    private static final class AgentPeer extends Peer {
        final long id;
        final String login;
        final String name;
        final int maxDialogs;
        int load;
        boolean online;

        AgentPeer(long id, String login, int maxDialogs) {
            this.id = id;
            this.login = login;
            this.name = "Агент " + login;
            this.maxDialogs = maxDialogs;
        }
    }

    private static final class RDialog {
        final UUID id = UUID.randomUUID();
        final Peer visitor;
        final Instant openedAt = Instant.now();
        AgentPeer agent;
        boolean agentFollows;
        long seq;

        RDialog(Peer visitor) {
            this.visitor = visitor;
        }
    }

    static void main(Args args) throws InterruptedException {
        String host = args.str("host", "127.0.0.1");
        int port = args.integer("port", 18090);
        int threads = args.integer("threads", Runtime.getRuntime().availableProcessors());
        RelayServer relay = new RelayServer();
        DisposableServer server = HttpServer.create()
                .host(host)
                .port(port)
                .runOn(LoopResources.create("relay", threads, true))
                .route(routes -> routes
                        .get("/actuator/health", (req, res) -> res.sendString(Mono.just("{\"status\":\"UP\"}")))
                        .post("/login", (req, res) -> req.receive().aggregate().asString().defaultIfEmpty("")
                                .flatMap(body -> {
                                    String login = formField(body, "username");
                                    return res.header("Set-Cookie", "SESSION=" + login + "; Path=/; HttpOnly")
                                            .header("Content-Type", "application/json")
                                            .sendString(Mono.just("{\"login\":\"" + login + "\"}")).then();
                                }))
                        .post("/api/admin/agents", (req, res) -> req.receive().aggregate().asString()
                                .flatMap(body -> {
                                    JsonNode agent = Json.parse(body);
                                    relay.maxDialogsByLogin.put(agent.path("login").asText(),
                                            agent.path("maxDialogs").asInt(5));
                                    return res.status(HttpResponseStatus.CREATED)
                                            .header("Content-Type", "application/json").sendString(Mono.just(body))
                                            .then();
                                }))
                        .ws("/ws/visitor", relay::visitor, SPEC)
                        .ws("/ws/agent", relay::agent, SPEC))
                .bindNow();
        System.err.println("relay listening on " + host + ":" + server.port());
        server.onDispose().block();
    }

    private static String formField(String body, String name) {
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return "";
    }

    private Mono<Void> serve(WebsocketInbound in, WebsocketOutbound out, Peer peer,
            java.util.function.Consumer<JsonNode> handler, Runnable onClose) {
        Mono<Void> receive = in.aggregateFrames(262144)
                .receiveFrames()
                .doOnNext(frame -> {
                    if (frame instanceof TextWebSocketFrame text) {
                        JsonNode node;
                        try {
                            node = Json.parse(text.text());
                        }
                        catch (RuntimeException ex) {
                            peer.send(Map.of("type", "error", "code", "BAD_JSON", "retryable", false));
                            return;
                        }
                        handler.accept(node);
                    }
                })
                .doFinally(signal -> {
                    onClose.run();
                    peer.complete();
                })
                .then();
        return Mono.when(receive, out.sendString(peer.out.asFlux()).then());
    }

    // --- visitor --------------------------------------------------------------------------------

    private Mono<Void> visitor(WebsocketInbound in, WebsocketOutbound out) {
        Peer peer = new Peer();
        RDialog[] mine = new RDialog[1];
        return serve(in, out, peer, frame -> {
            switch (frame.path("type").asText()) {
                case "hello" -> {
                    Map<String, Object> welcome = new LinkedHashMap<>();
                    welcome.put("type", "welcome");
                    welcome.put("token", "v1." + UUID.randomUUID());
                    welcome.put("visitorId", UUID.randomUUID());
                    welcome.put("site", "applicant");
                    welcome.put("dialogs", List.of());
                    peer.send(welcome);
                }
                case "open" -> {
                    if (mine[0] == null) {
                        RDialog dialog = new RDialog(peer);
                        mine[0] = dialog;
                        dialogs.put(dialog.id.toString(), dialog);
                        Map<String, Object> waitingMessage;
                        synchronized (dialog) {
                            waitingMessage = message(dialog, ++dialog.seq, "system", null, null, "waiting",
                                    "Пожалуйста, подождите: скоро вам ответит специалист.");
                        }
                        peer.send(Map.of("type", "opened", "dialog", summary(dialog, "WAITING")));
                        peer.send(waitingMessage);
                        synchronized (this) {
                            waiting.add(dialog);
                            drain();
                        }
                    }
                    else {
                        peer.send(Map.of("type", "opened", "dialog", summary(mine[0], "ASSIGNED")));
                    }
                }
                case "message" -> append(frame, peer, "visitor", null);
                case "close" -> {
                    RDialog dialog = mine[0];
                    if (dialog != null) {
                        Map<String, Object> closed;
                        synchronized (dialog) {
                            closed = message(dialog, ++dialog.seq, "system", null, null, "closed",
                                    "Диалог завершён.");
                        }
                        peer.send(closed);
                        synchronized (this) {
                            waiting.remove(dialog);
                            if (dialog.agent != null) {
                                dialog.agent.load--;
                            }
                        }
                        dialogs.remove(dialog.id.toString());
                        mine[0] = null;
                    }
                }
                case "ping" -> peer.send("{\"type\":\"pong\"}");
                default -> {
                }
            }
        }, () -> {
            if (mine[0] != null) {
                dialogs.remove(mine[0].id.toString());
            }
        });
    }

    // --- agent ----------------------------------------------------------------------------------

    private Mono<Void> agent(WebsocketInbound in, WebsocketOutbound out) {
        String cookie = in.headers().get("Cookie", "");
        String login = cookie.startsWith("SESSION=") ? cookie.substring(8).split(";")[0] : "anonymous";
        AgentPeer peer = new AgentPeer(agentIds.incrementAndGet(), login, maxDialogsByLogin.getOrDefault(login, 5));
        Map<String, Object> me = new LinkedHashMap<>();
        me.put("id", peer.id);
        me.put("login", login);
        me.put("displayName", peer.name);
        me.put("roles", List.of("AGENT"));
        me.put("lines", List.of("applicant-recruitment"));
        me.put("maxDialogs", peer.maxDialogs);
        Map<String, Object> welcome = new LinkedHashMap<>();
        welcome.put("type", "welcome");
        welcome.put("agent", me);
        welcome.put("presence", "OFFLINE");
        welcome.put("dialogs", List.of());
        peer.send(welcome);
        synchronized (this) {
            agents.add(peer);
        }
        return serve(in, out, peer, frame -> {
            switch (frame.path("type").asText()) {
                case "presence" -> {
                    String status = frame.path("status").asText();
                    peer.send(Map.of("type", "presence", "status", status));
                    synchronized (this) {
                        peer.online = status.equals("ONLINE");
                        drain();
                    }
                }
                case "resume" -> {
                    RDialog dialog = dialogs.get(frame.path("dialogId").asText());
                    if (dialog == null) {
                        peer.send(Map.of("type", "error", "code", "UNKNOWN_DIALOG", "retryable", false));
                        return;
                    }
                    long last;
                    synchronized (dialog) {
                        dialog.agentFollows = true;
                        last = dialog.seq;
                    }
                    peer.send(Map.of("type", "resumed", "dialogId", dialog.id, "lastSeq", last));
                }
                case "message" -> append(frame, peer, "agent", peer);
                case "ping" -> peer.send("{\"type\":\"pong\"}");
                default -> {
                }
            }
        }, () -> {
            synchronized (this) {
                agents.remove(peer);
            }
        });
    }

    // --- shared ---------------------------------------------------------------------------------

    /** Assigns waiting dialogs to the least busy online agents with room; call holding this. */
    private void drain() {
        while (!waiting.isEmpty()) {
            AgentPeer best = null;
            for (AgentPeer agent : agents) {
                if (agent.online && agent.load < agent.maxDialogs && (best == null || agent.load < best.load)) {
                    best = agent;
                }
            }
            if (best == null) {
                return;
            }
            RDialog dialog = waiting.poll();
            best.load++;
            Map<String, Object> assigned;
            synchronized (dialog) {
                dialog.agent = best;
                assigned = message(dialog, ++dialog.seq, "system", null, best.name, "assigned",
                        "Вам отвечает " + best.name + ".");
            }
            dialog.visitor.send(assigned);
            best.send(Map.of("type", "dialog", "dialog", summary(dialog, "ASSIGNED")));
        }
    }

    private void append(JsonNode frame, Peer sender, String from, AgentPeer agent) {
        RDialog dialog = dialogs.get(frame.path("dialogId").asText());
        String clientMsgId = frame.path("clientMsgId").asText(null);
        if (dialog == null || clientMsgId == null || (agent != null && dialog.agent != agent)) {
            sender.send(Map.of("type", "error", "code", dialog == null ? "UNKNOWN_DIALOG" : "FORBIDDEN",
                    "ref", String.valueOf(clientMsgId), "retryable", false));
            return;
        }
        Instant at = Instant.now();
        Map<String, Object> message;
        Map<String, Object> ack = new LinkedHashMap<>();
        AgentPeer assigned;
        boolean agentFollows;
        synchronized (dialog) {
            long seq = ++dialog.seq;
            message = message(dialog, seq, from, clientMsgId, agent == null ? null : agent.name, null,
                    frame.path("text").asText());
            ack.put("type", "ack");
            ack.put("dialogId", dialog.id);
            ack.put("clientMsgId", clientMsgId);
            ack.put("seq", seq);
            ack.put("at", at.toString());
            ack.put("duplicate", false);
            assigned = dialog.agent;
            agentFollows = dialog.agentFollows;
            // deliver inside the lock so each socket sees the dialog's seqs in order
            sender.send(ack);
            String encoded = Json.write(message);
            dialog.visitor.send(encoded);
            if (assigned != null && agentFollows) {
                assigned.send(encoded);
            }
        }
    }

    private static Map<String, Object> message(RDialog dialog, long seq, String from, String clientMsgId,
            String agentName, String event, String text) {
        Map<String, Object> frame = new LinkedHashMap<>();
        frame.put("type", "message");
        frame.put("dialogId", dialog.id);
        frame.put("seq", seq);
        frame.put("from", from);
        frame.put("text", text);
        frame.put("at", Instant.now().toString());
        if (clientMsgId != null) {
            frame.put("clientMsgId", clientMsgId);
        }
        if (event != null) {
            frame.put("event", event);
        }
        if (agentName != null) {
            frame.put("agentName", agentName);
        }
        return frame;
    }

    private static Map<String, Object> summary(RDialog dialog, String state) {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("dialogId", dialog.id);
        summary.put("site", "applicant");
        summary.put("line", "applicant-recruitment");
        summary.put("state", state);
        summary.put("agentName", dialog.agent == null ? null : dialog.agent.name);
        summary.put("lastSeq", dialog.seq);
        summary.put("openedAt", dialog.openedAt.toString());
        summary.put("closedAt", null);
        return summary;
    }
}
