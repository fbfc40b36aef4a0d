package ru.rosdistant.gateway.drill;

import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.WsClient;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.agent.Role;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Who may send which socket frame: every frame type of both sockets (docs/protocol.md) sent by each role —
 * a visitor, an agent with each staff role (AGENT, DISPATCHER, SUPERVISOR, ADMIN; each also has AGENT) — at
 * a dialog of their own ("own"), someone else's ("foreign") or none; plus the handshakes of an anonymous
 * caller and of a foreign Origin carrying a valid agent cookie. Each cell is allowed (no error frame before
 * the ping that follows it) or refused (an error frame naming the frame's ref), as intended. Each check gets
 * a fresh dialog, so one cell never changes the next. Lines lab62 (the role's agent), lab63 (the owner of
 * foreign dialogs) and lab64 (visitors).
 */
@GatewayTest
class SocketRoleMatrixTests {

    private static final List<Role> ROLES = List.of(Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN);

    private static final Set<Role> ALL = Set.copyOf(ROLES);

    private static final Set<Role> NONE = Set.of();

    private enum Target {
        NONE, OWN, FOREIGN
    }

    /** A frame at a target and the roles that may send it. */
    private record Cell(String type, Target target, Map<String, Object> fields, Set<Role> allowed) {
    }

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    private final AtomicInteger refs = new AtomicInteger();

    @Test
    void everyAgentFrameIsAllowedOrRefusedAsIntendedForEachRole() throws Exception {
        List<Cell> cells = List.of(
                new Cell("ping", Target.NONE, Map.of(), ALL),
                new Cell("presence", Target.NONE, Map.of("status", "ONLINE"), ALL),
                new Cell("resume", Target.OWN, Map.of("lastSeq", 0), ALL),
                new Cell("resume", Target.FOREIGN, Map.of("lastSeq", 0), Set.of(Role.SUPERVISOR)),
                new Cell("typing", Target.OWN, Map.of("typing", true), ALL),
                new Cell("typing", Target.FOREIGN, Map.of("typing", true), NONE),
                new Cell("message", Target.OWN, Map.of("text", "Добрый день"), ALL),
                new Cell("message", Target.FOREIGN, Map.of("text", "Не мой диалог"), NONE),
                new Cell("close", Target.OWN, Map.of("appealType", "CONSULTATION"), ALL),
                new Cell("close", Target.FOREIGN, Map.of("appealType", "CONSULTATION"), NONE),
                new Cell("classify", Target.FOREIGN, Map.of("appealType", "CONSULTATION"), NONE),
                new Cell("forward", Target.OWN, Map.of("toLine", "lab63"), ALL),
                new Cell("forward", Target.FOREIGN, Map.of("toLine", "lab62"), Set.of(Role.SUPERVISOR)),
                new Cell("take_over", Target.FOREIGN, Map.of(), Set.of(Role.SUPERVISOR)),
                // a dialog outside the dispatcher's line: the role gate is what is checked here (see below)
                new Cell("triage", Target.FOREIGN, Map.of("outcome", "spam"), Set.of(Role.DISPATCHER, Role.SUPERVISOR)),
                new Cell("accept", Target.FOREIGN, Map.of(), NONE),
                new Cell("decline", Target.FOREIGN, Map.of(), ALL),
                // the visitor's frames are unknown on the agent socket
                new Cell("hello", Target.NONE, Map.of(), NONE),
                new Cell("open", Target.NONE, Map.of(), NONE),
                new Cell("transcript", Target.FOREIGN, Map.of("email", "a@example.com"), NONE),
                new Cell("rate", Target.FOREIGN, Map.of("rating", 5), NONE));

        Agent owner = Staff.agent(agents, "lab63", 100);
        Map<Role, Map<Cell, String>> outcomes = new EnumMap<>(Role.class);
        List<String> wrong = new ArrayList<>();
        try (WsClient ownerConsole = Staff.online(port, owner)) {
            for (Role role : ROLES) {
                Agent agent = Staff.agent(agents, "lab62", 100, role);
                Map<Cell, String> row = new LinkedHashMap<>();
                try (WsClient console = Staff.online(port, agent)) {
                    for (Cell cell : cells) {
                        String dialogId = switch (cell.target()) {
                            case OWN -> assignedDialog("lab62", console);
                            case FOREIGN -> assignedDialog("lab63", ownerConsole);
                            case NONE -> null;
                        };
                        Map<String, Object> frame = new LinkedHashMap<>(cell.fields());
                        frame.put("type", cell.type());
                        if (dialogId != null) {
                            frame.put("dialogId", dialogId);
                        }
                        String outcome = outcome(console, frame);
                        if (cell.type().equals("triage") && outcome.equals("FORBIDDEN: Only an untriaged dialog of "
                                + "the dispatcher's line can be triaged")) {
                            // past the role gate: refused only because the dialog is not the dispatcher line's
                            outcome = "ok (role gate passed)";
                        }
                        row.put(cell, outcome);
                        boolean allowed = outcome.startsWith("ok");
                        if (allowed != cell.allowed().contains(role)) {
                            wrong.add(role + " " + cell.type() + " " + cell.target() + " → " + outcome);
                        }
                    }
                }
                outcomes.put(role, row);
            }
        }
        StringBuilder table = new StringBuilder("SocketRoleMatrixTests agent socket:\n| frame | dialog |");
        ROLES.forEach(role -> table.append(' ').append(role).append(" |"));
        for (Cell cell : cells) {
            table.append("\n| `").append(cell.type()).append("` | ").append(cell.target().name().toLowerCase())
                    .append(" |");
            for (Role role : ROLES) {
                table.append(' ').append(outcomes.get(role).get(cell)).append(" |");
            }
        }
        System.out.println(table);
        assertThat(wrong).as("agent frames allowed or refused wrongly").isEmpty();
    }

    @Test
    void everyVisitorFrameIsAllowedOrRefusedAsIntended() throws Exception {
        record VisitorCell(String type, boolean helloFirst, Target target, Map<String, Object> fields, boolean allowed) {
        }
        List<VisitorCell> cells = new ArrayList<>();
        for (String type : List.of("open", "message", "typing", "resume", "close", "transcript", "rate")) {
            cells.add(new VisitorCell(type, false, Target.NONE, Map.of(), false));
        }
        cells.add(new VisitorCell("ping", false, Target.NONE, Map.of(), true));
        cells.add(new VisitorCell("hello", false, Target.NONE, Map.of(), true));
        cells.add(new VisitorCell("hello", true, Target.NONE, Map.of(), true));
        cells.add(new VisitorCell("open", true, Target.NONE, Map.of(), true));
        cells.add(new VisitorCell("message", true, Target.OWN, Map.of("text", "Здравствуйте"), true));
        cells.add(new VisitorCell("message", true, Target.FOREIGN, Map.of("text", "Чужой диалог"), false));
        cells.add(new VisitorCell("typing", true, Target.OWN, Map.of("typing", true), true));
        cells.add(new VisitorCell("typing", true, Target.FOREIGN, Map.of("typing", true), false));
        cells.add(new VisitorCell("resume", true, Target.OWN, Map.of("lastSeq", 0), true));
        cells.add(new VisitorCell("resume", true, Target.FOREIGN, Map.of("lastSeq", 0), false));
        cells.add(new VisitorCell("close", true, Target.FOREIGN, Map.of(), false));
        cells.add(new VisitorCell("transcript", true, Target.FOREIGN, Map.of("email", "a@example.com"), false));
        cells.add(new VisitorCell("rate", true, Target.FOREIGN, Map.of("rating", 5), false));
        cells.add(new VisitorCell("close", true, Target.OWN, Map.of(), true));
        for (String type : List.of("presence", "accept", "decline", "forward", "take_over", "triage", "classify")) {
            cells.add(new VisitorCell(type, true, Target.OWN, Map.of(), false));
        }
        List<String> wrong = new ArrayList<>();
        StringBuilder table = new StringBuilder("SocketRoleMatrixTests visitor socket:\n| frame | state | dialog | outcome |");
        for (VisitorCell cell : cells) {
            try (WsClient visitor = WsClient.visitor(port, "lab64", "https://lab64.test")) {
                String own = null;
                if (cell.helloFirst()) {
                    visitor.send("{\"type\":\"hello\"}");
                    visitor.awaitType("welcome");
                    if (cell.target() == Target.OWN) {
                        visitor.send("{\"type\":\"open\"}");
                        own = visitor.awaitType("opened").path("dialog").path("dialogId").asString();
                    }
                }
                Map<String, Object> frame = new LinkedHashMap<>(cell.fields());
                frame.put("type", cell.type());
                if (cell.target() == Target.OWN) {
                    frame.put("dialogId", own);
                }
                else if (cell.target() == Target.FOREIGN) {
                    frame.put("dialogId", otherVisitorsDialog());
                }
                else if (!cell.type().equals("hello") && !cell.type().equals("ping") && !cell.type().equals("open")) {
                    frame.put("dialogId", UUID.randomUUID().toString());
                }
                String outcome = outcome(visitor, frame);
                table.append("\n| `").append(cell.type()).append("` | ")
                        .append(cell.helloFirst() ? "after hello" : "before hello").append(" | ")
                        .append(cell.target().name().toLowerCase()).append(" | ").append(outcome).append(" |");
                if (outcome.startsWith("ok") != cell.allowed()) {
                    wrong.add(cell + " → " + outcome);
                }
            }
        }
        System.out.println(table);
        assertThat(wrong).as("visitor frames allowed or refused wrongly").isEmpty();
    }

    @Test
    void handshakesOfStrangersAreRefused() throws Exception {
        Map<String, Integer> handshakes = new LinkedHashMap<>();
        String self = "http://localhost:" + port;
        handshakes.put("visitor, the site's Origin", handshake("/ws/visitor?site=lab64", Map.of("Origin",
                "https://lab64.test")));
        handshakes.put("visitor, the gateway's own Origin", handshake("/ws/visitor?site=lab64", Map.of("Origin", self)));
        handshakes.put("visitor, another site's Origin", handshake("/ws/visitor?site=lab64", Map.of("Origin",
                "https://lab63.test")));
        handshakes.put("visitor, a foreign Origin", handshake("/ws/visitor?site=lab64", Map.of("Origin",
                "https://evil.example")));
        handshakes.put("visitor, no Origin", handshake("/ws/visitor?site=lab64", Map.of()));
        handshakes.put("visitor, unknown site", handshake("/ws/visitor?site=nowhere", Map.of("Origin",
                "https://lab64.test")));
        handshakes.put("agent socket, anonymous", handshake("/ws/agent", Map.of("Origin", self)));
        handshakes.put("agent socket, a forged cookie", handshake("/ws/agent", Map.of("Origin", self, "Cookie",
                "SESSION=" + UUID.randomUUID())));
        for (Role role : ROLES) {
            Agent agent = Staff.agent(agents, "lab62", 5, role);
            String cookie = Staff.login(port, agent.login(), Staff.PASSWORD);
            handshakes.put("agent socket, " + role + " cookie, own Origin", handshake("/ws/agent", Map.of("Origin",
                    self, "Cookie", cookie)));
            handshakes.put("agent socket, " + role + " cookie, foreign Origin", handshake("/ws/agent", Map.of(
                    "Origin", "https://evil.example", "Cookie", cookie)));
            handshakes.put("agent socket, " + role + " cookie, a site's Origin", handshake("/ws/agent", Map.of(
                    "Origin", "https://lab64.test", "Cookie", cookie)));
            handshakes.put("agent socket, " + role + " cookie, no Origin", handshake("/ws/agent", Map.of(
                    "Cookie", cookie)));
        }
        StringBuilder table = new StringBuilder("SocketRoleMatrixTests handshakes:\n| handshake | answer |");
        handshakes.forEach((what, status) -> table.append("\n| ").append(what).append(" | ").append(status).append(" |"));
        System.out.println(table);
        List<String> wrong = new ArrayList<>();
        handshakes.forEach((what, status) -> {
            boolean shouldOpen = what.endsWith("the site's Origin") || what.endsWith("the gateway's own Origin")
                    || what.endsWith("cookie, own Origin");
            if ((status == 101) != shouldOpen) {
                wrong.add(what + " → " + status);
            }
        });
        assertThat(wrong).as("handshakes opened or refused wrongly").isEmpty();
    }

    /** The HTTP status of the handshake: 101 when the socket opened. */
    private int handshake(String path, Map<String, String> headers) {
        try (RawSocket socket = RawSocket.open(port, path, headers)) {
            return 101;
        }
        catch (IOException refused) {
            String message = String.valueOf(refused.getMessage());
            java.util.regex.Matcher status = java.util.regex.Pattern.compile("HTTP/1\\.1 (\\d{3})").matcher(message);
            return status.find() ? Integer.parseInt(status.group(1)) : -1;
        }
    }

    /**
     * A visitor opens a dialog on the site and stays until the console has it assigned (a visitor who leaves while
     * waiting may be given up once their grace runs out, before a slow machine routes the dialog), then leaves.
     */
    private String assignedDialog(String site, WsClient console) {
        try (WsClient visitor = WsClient.visitor(port, site, "https://" + site + ".test")) {
            visitor.send("{\"type\":\"hello\"}");
            visitor.awaitType("welcome");
            visitor.send("{\"type\":\"open\"}");
            String dialogId = visitor.awaitType("opened").path("dialog").path("dialogId").asString();
            console.await(frame -> frame.path("type").asString().equals("dialog")
                    && frame.path("dialog").path("dialogId").asString().equals(dialogId)
                    && frame.path("dialog").path("state").asString().equals("ASSIGNED"), "dialog " + dialogId + " assigned");
            return dialogId;
        }
    }

    private String otherVisitorsDialog() {
        try (WsClient other = WsClient.visitor(port, "lab64", "https://lab64.test")) {
            other.send("{\"type\":\"hello\"}");
            other.awaitType("welcome");
            other.send("{\"type\":\"open\"}");
            return other.awaitType("opened").path("dialog").path("dialogId").asString();
        }
    }

    /**
     * Sends the frame (with a ref and, for a message, a clientMsgId) and a ping after it: "ok" when no error
     * frame with its ref arrived before the pong (frames of a socket are worked in order), else "CODE: message".
     */
    private String outcome(WsClient socket, Map<String, Object> frame) {
        String ref = "cell-" + refs.incrementAndGet();
        Map<String, Object> sent = new LinkedHashMap<>(frame);
        sent.put("ref", ref);
        if (frame.get("type").equals("message")) {
            sent.put("clientMsgId", ref);
        }
        socket.drainNow();
        socket.seen().clear();
        socket.send(sent);
        socket.send(Map.of("type", "ping", "ref", "probe-" + ref));
        // a pong carries no ref: a ping cell is answered by two
        for (int pongs = frame.get("type").equals("ping") ? 2 : 1; pongs > 0; pongs--) {
            socket.await(reply -> reply.path("type").asString().equals("pong"), "the pong after " + frame.get("type"));
        }
        for (JsonNode reply : socket.seen()) {
            if (reply.path("type").asString().equals("error") && ref.equals(reply.path("ref").asString())) {
                return reply.path("code").asString() + ": " + reply.path("message").asString();
            }
        }
        return "ok";
    }
}
