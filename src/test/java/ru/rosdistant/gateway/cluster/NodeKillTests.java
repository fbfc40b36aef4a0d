package ru.rosdistant.gateway.cluster;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.GatewayApplication;
import ru.rosdistant.gateway.OwnNettyResources;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.WsClient;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.drill.GatewayProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static ru.rosdistant.gateway.cluster.TwoNodesTests.port;

/**
 * A node killed with SIGKILL in the middle of delivery (issue 20). Node A is a context in this JVM, node B a
 * gateway in a JVM of its own ({@link GatewayProcess}) on the same embedded PostgreSQL and a private redis-server.
 * Two dialogs: one with its visitor on B and its agent on A, one with its visitor on A and its agent on B. All four
 * write continuously, each message with a clientMsgId of its own and at most {@value #WINDOW} unacknowledged; once
 * every writer has {@value #KILL_AFTER} acknowledged, B's two clients send a burst and B is killed with SIGKILL. They
 * reconnect to A as the widget and the console do: {@code hello} with the token (the agent: the session cookie),
 * {@code resume} from the highest seq they saw, every unacknowledged message sent again with its clientMsgId. Then
 * every acknowledged message is in PostgreSQL once under the seq it was acknowledged with, every follower saw each
 * seq once, in order, with no gap, a message sent again that had been stored is answered as a duplicate with its
 * seq, and the agent whose console was on B kept their dialog.
 *
 * <p>At the kill B is also in the middle of sending an offline form's mail: the test's mail server ({@link HoldingSmtp})
 * holds B's DATA unanswered. A takes the outbox entry when B's lease ends and sends it: one whole mail, from A.
 *
 * <p>B's output goes to target/node-kill/; its end is printed when the test fails.
 */
class NodeKillTests {

    /** A JVM start on a loaded 2-core machine: 3.5 min seen at load average 20. */
    private static final Duration START = Duration.ofMinutes(8);

    /** Messages each of the four writes in all, at least; and at least {@value #AFTER_KILL} after the kill. */
    private static final int TOTAL = 120;

    private static final int AFTER_KILL = 40;

    /** Acknowledged messages each writer has before the kill. */
    private static final int KILL_AFTER = 40;

    /** Unacknowledged messages a writer may have at once. */
    private static final int WINDOW = 4;

    /** Messages each of B's clients sends at once right before B is killed, beyond the window. */
    private static final int BURST = 6;

    /** The whole exchange, the kill and the resumes included: a bound for a loaded 2-core machine, not a figure. */
    private static final Duration EXCHANGE = Duration.ofMinutes(4);

    /**
     * The agent whose console was on B comes back long before this (the test profile's 2 s would make the outcome
     * depend on how loaded the machine is); that they keep the dialog is what is checked, not how fast they come.
     */
    private static final String GRACE = "--gateway.routing.agent-grace-period=60s";

    /**
     * Both nodes: the cluster's timings of {@link TwoNodesTests}, the grace above, the mail server of the test (each
     * node says its node id in EHLO) and an outbox lease short enough for A to take B's claim within the test; a
     * read timeout longer than the hold, so that B is still waiting when it is killed.
     */
    private static List<String> settings(String nodeId, int smtpPort) {
        return List.of("--gateway.cluster.heartbeat-interval=200ms", "--gateway.cluster.redis-silence=1s",
                "--gateway.cluster.poll-interval=250ms", "--gateway.cluster.presence-timeout=3s", GRACE,
                "--spring.mail.host=127.0.0.1", "--spring.mail.port=" + smtpPort,
                "--spring.mail.properties.mail.smtp.localhost=" + nodeId,
                "--spring.mail.properties.mail.smtp.timeout=60000", "--gateway.outbox.delivery-timeout=20s",
                "--gateway.outbox.lease=" + LEASE.toSeconds() + "s");
    }

    /** How long a node's claim of an outbox entry holds (the test profile's 30 s would only make the test longer). */
    private static final Duration LEASE = Duration.ofSeconds(25);

    /** Offline forms posted to B at most until B, not A, is the one that claims one (A polls every 2 s, B 200 ms). */
    private static final int FORM_TRIES = 5;

    @Test
    void aNodeKilledMidDeliveryLosesNoMessageDuplicatesNoneAndItsAgentKeepsTheDialog() {
        String run = UUID.randomUUID().toString().substring(0, 8);
        Path log = Path.of("target", "node-kill", run + "-node-b.log").toAbsolutePath();
        PrivateRedis redis = PrivateRedis.started();
        String idA = "kill-a-" + run;
        String idB = "kill-b-" + run;
        HoldingSmtp smtp = new HoldingSmtp(idB, "lab880@test");
        ConfigurableApplicationContext a = null;
        GatewayProcess b = null;
        List<Party> parties = new ArrayList<>();
        boolean passed = false;
        try {
            a = nodeA(idA, redis.url(), smtp.port());
            int postgresPort = a.getEnvironment().getRequiredProperty("gateway.embedded-db.port", Integer.class);
            b = GatewayProcess.startNode(postgresPort, redis.url(), idB, log,
                    settings(idB, smtp.port()).toArray(String[]::new)).awaitReady(START);
            int portA = port(a);
            AgentDirectory directory = a.getBean(AgentDirectory.class);

            // dialog 1: visitor on B, agent on A; dialog 2: visitor on A, agent on B
            Agent agentOne = Staff.agent(directory, "lab880", 1);
            Agent agentTwo = Staff.agent(directory, "lab881", 1);
            Party agent1 = Party.agent("agent-1", portA, agentOne);
            Party agent2 = Party.agent("agent-2", b.port(), agentTwo);
            Party visitor1 = Party.visitor("visitor-1", b.port(), "lab880");
            Party visitor2 = Party.visitor("visitor-2", portA, "lab881");
            parties.addAll(List.of(visitor1, agent1, visitor2, agent2));
            agent1.follow(visitor1.dialogId);
            agent2.follow(visitor2.dialogId);
            DatabaseClient db = a.getBean(DatabaseClient.class);
            assertThat(agentOf(db, visitor1.dialogId)).isEqualTo(agentOne.id());
            assertThat(agentOf(db, visitor2.dialogId)).isEqualTo(agentTwo.id());

            List<Party> onB = List.of(visitor1, agent2);
            long deadline = System.nanoTime() + EXCHANGE.toNanos();
            boolean killed = false;
            int inFlightAtKill = 0;
            List<String> forms = new ArrayList<>();
            while (!killed || !parties.stream().allMatch(Party::done)) {
                assertThat(System.nanoTime()).as("the exchange within " + EXCHANGE + "; " + summary(parties))
                        .isLessThan(deadline);
                for (Party party : parties) {
                    party.pump();
                }
                if (killed || !parties.stream().allMatch(party -> party.acked.size() >= KILL_AFTER)) {
                    continue;
                }
                // an offline form's mail, claimed by B and held at DATA by the mail server when B is killed
                if (forms.isEmpty() || !smtp.holding() && !mailsOf(smtp, forms.get(forms.size() - 1)).isEmpty()) {
                    assertThat(forms.size()).as("forms posted before B claimed one (A took the others)")
                            .isLessThan(FORM_TRIES);
                    forms.add(postForm(b.port()));
                }
                if (smtp.holding()) {
                    // a burst from B's clients, and the kill with it on its way: B dies while it reads, stores
                    // and answers them
                    for (Party party : onB) {
                        for (int i = 0; i < BURST; i++) {
                            party.write();
                        }
                    }
                    inFlightAtKill = onB.stream().mapToInt(party -> party.pending.size()).sum();
                    b.killJvm();
                    killed = true;
                    smtp.release();
                    parties.forEach(party -> party.total = Math.max(TOTAL, party.sent.size() + AFTER_KILL));
                    for (Party party : onB) {
                        party.reconnect(portA);
                    }
                }
            }
            assertThat(killed).as("B was killed during the exchange").isTrue();
            assertThat(inFlightAtKill).as("messages unacknowledged on B's sockets at the kill").isPositive();
            assertThat(visitor1.resent.size() + agent2.resent.size())
                    .as("messages of B's clients whose answer the kill took: sent again on A").isPositive();

            // every follower catches up with the last seq stored
            for (String dialogId : List.of(visitor1.dialogId, visitor2.dialogId)) {
                long last = lastSeq(db, dialogId);
                for (Party party : parties) {
                    if (party.dialogId.equals(dialogId)) {
                        awaitTrue(() -> {
                            party.pump();
                            return party.highest >= last;
                        }, party.name + " sees seq " + last + "; " + party.summary(), deadline);
                    }
                }
            }

            for (Party party : parties) {
                List<Long> expected = LongStream.rangeClosed(1, lastSeq(db, party.dialogId)).boxed().toList();
                assertThat(party.seqs).as(party.name + ": each seq once, in order, no gap, across the kill")
                        .isEqualTo(expected);
                assertThat(party.errors).as(party.name + ": errors other than retryable ones").isEmpty();
                Map<String, Long> stored = storedIds(db, party.dialogId, party.sender);
                assertThat(stored.keySet()).as(party.name + ": every message sent is stored")
                        .containsExactlyInAnyOrderElementsOf(party.sent.keySet());
                assertThat(stored).as(party.name + ": under the seq it was acknowledged with")
                        .containsAllEntriesOf(party.acked);
                for (Map.Entry<String, Long> resent : party.resent.entrySet()) {
                    JsonNode answer = party.answers.get(resent.getKey());
                    assertThat(answer).as(party.name + ": the answer to " + resent.getKey() + " sent again")
                            .isNotNull();
                    if (resent.getValue() != null) {
                        assertThat(answer.path("duplicate").asBoolean())
                                .as(party.name + ": " + resent.getKey() + " was stored before: a duplicate").isTrue();
                        assertThat(answer.path("seq").asLong()).as(party.name + ": its original seq")
                                .isEqualTo(resent.getValue());
                    }
                    else if (answer.path("duplicate").asBoolean()) {
                        // stored by B's last statement, after the replay the resume sent: its own seq all the same
                        assertThat(answer.path("seq").asLong()).isEqualTo(party.ownSeqs.get(resent.getKey()));
                    }
                }
            }
            for (String dialogId : List.of(visitor1.dialogId, visitor2.dialogId)) {
                assertThat(count(db, "SELECT count(*) AS n FROM (SELECT client_msg_id FROM message "
                        + "WHERE dialog_id = :d AND client_msg_id IS NOT NULL GROUP BY client_msg_id "
                        + "HAVING count(*) > 1) twice", dialogId)).as("clientMsgIds stored twice").isZero();
                assertThat(count(db, "SELECT count(*) AS n FROM message WHERE dialog_id = :d", dialogId))
                        .as("no seq gap in PostgreSQL").isEqualTo(lastSeq(db, dialogId));
                assertThat(count(db, "SELECT count(*) AS n FROM message WHERE dialog_id = :d AND event = 'requeued'",
                        dialogId)).as("never requeued").isZero();
            }
            assertThat(agentOf(db, visitor2.dialogId)).as("the agent whose console was on B kept the dialog")
                    .isEqualTo(agentTwo.id());
            assertThat(agentOf(db, visitor1.dialogId)).isEqualTo(agentOne.id());
            assertThat(agent2.frames()).as("no dialog_left at the agent who came back")
                    .noneMatch(frame -> frame.path("type").asString().equals("dialog_left"));

            // the mail B was sending when it died: A takes the entry when B's lease ends and sends it, once
            String form = forms.get(forms.size() - 1);
            awaitTrue(() -> {
                parties.forEach(Party::pump);
                return !mailsOf(smtp, form).isEmpty();
            }, "A delivers the mail of the form B held; " + smtp.mails, deadline);
            // the sink keeps a mail before it answers 250; A records the delivery after that answer
            awaitTrue(() -> "DELIVERED".equals(outboxEntry(db, form).get("state")), "A records the mail delivered",
                    deadline);
            assertThat(mailsOf(smtp, form)).as("the mail of the form B had claimed when it was killed")
                    .containsExactly(new HoldingSmtp.Mail(mailsOf(smtp, form).get(0).messageId(), idA));
            assertThat(outboxEntry(db, form)).as("claimed by B, then by A after B's lease")
                    .containsEntry("attempts", 2);
            System.out.println("NodeKillTests: " + inFlightAtKill + " messages unacknowledged on B at the kill; "
                    + summary(parties) + forms.size() + " offline form(s) posted until B held one; its mail "
                    + mailsOf(smtp, form));

            passed = true;
        }
        finally {
            parties.forEach(Party::close);
            if (b != null) {
                b.killJvm();
                if (!passed) {
                    System.out.println("The end of node B's log (" + log + "):\n" + b.tail());
                }
            }
            if (a != null) {
                NodeStops.close(a, Duration.ofSeconds(60));
            }
            redis.close();
            smtp.close();
        }
    }

    private static Map<String, Object> outboxEntry(DatabaseClient db, String formId) {
        return db.sql("SELECT state, attempts FROM outbox WHERE dedup_key = :key")
                .bind("key", "offline-form:" + formId)
                .fetch()
                .one()
                .block(Duration.ofSeconds(30));
    }

    /** The whole mails the server took of the offline form. */
    private static List<HoldingSmtp.Mail> mailsOf(HoldingSmtp smtp, String formId) {
        return smtp.mails.stream()
                .filter(mail -> mail.messageId() != null && mail.messageId().contains("offline-form." + formId + "."))
                .toList();
    }

    /** Posts an offline form of site lab880 to the node, as the widget does; its id. */
    private static String postForm(int port) {
        try {
            String body = "{\"site\":\"lab880\",\"name\":\"Посетитель\",\"email\":\"v" + System.nanoTime()
                    + "@example.com\",\"question\":\"Письмо в минуту сбоя узла\",\"consent\":true}";
            java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newHttpClient()
                    .send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://localhost:" + port
                                    + "/api/offline-forms"))
                            .timeout(Duration.ofSeconds(60))
                            .header("Content-Type", "application/json")
                            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body))
                            .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as("the offline form: " + response.body()).isEqualTo(201);
            return tools.jackson.databind.json.JsonMapper.builder().build().readTree(response.body()).path("id")
                    .asString();
        }
        catch (java.io.IOException ex) {
            throw new java.io.UncheckedIOException(ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    private static ConfigurableApplicationContext nodeA(String id, String redisUrl, int smtpPort) {
        List<String> args = new ArrayList<>(List.of("--server.port=0",
                "--gateway.embedded-db.data-dir=" + TwoNodesTests.CLUSTER_DATA_DIR, "--gateway.cluster.node-id=" + id,
                "--gateway.cluster.redis-url=" + redisUrl, "--gateway.outbox.poll-interval=2s"));
        args.addAll(settings(id, smtpPort));
        return new SpringApplicationBuilder(GatewayApplication.class, OwnNettyResources.class).profiles("test")
                .run(args.toArray(String[]::new));
    }

    private static String summary(List<Party> parties) {
        StringBuilder out = new StringBuilder();
        parties.forEach(party -> out.append(party.summary()).append("; "));
        return out.toString();
    }

    private static Long agentOf(DatabaseClient db, String dialogId) {
        return db.sql("SELECT agent_id FROM dialog WHERE id = :d AND state = 'ASSIGNED'")
                .bind("d", UUID.fromString(dialogId))
                .map(row -> row.get("agent_id", Long.class))
                .one()
                .block(Duration.ofSeconds(30));
    }

    private static long lastSeq(DatabaseClient db, String dialogId) {
        return db.sql("SELECT last_seq FROM dialog WHERE id = :d")
                .bind("d", UUID.fromString(dialogId))
                .map(row -> row.get("last_seq", Long.class))
                .one()
                .block(Duration.ofSeconds(30));
    }

    private static long count(DatabaseClient db, String sql, String dialogId) {
        return db.sql(sql).bind("d", UUID.fromString(dialogId)).map(row -> row.get("n", Long.class)).one()
                .block(Duration.ofSeconds(30));
    }

    private static Map<String, Long> storedIds(DatabaseClient db, String dialogId, String sender) {
        Map<String, Long> stored = new HashMap<>();
        db.sql("SELECT client_msg_id, seq FROM message WHERE dialog_id = :d AND sender = :s AND client_msg_id IS NOT NULL")
                .bind("d", UUID.fromString(dialogId))
                .bind("s", sender)
                .map(row -> Map.entry(row.get("client_msg_id", String.class), row.get("seq", Long.class)))
                .all()
                .doOnNext(entry -> stored.merge(entry.getKey(), entry.getValue(), (x, y) -> -1L))
                .then()
                .block(Duration.ofSeconds(30));
        return stored;
    }

    private static void awaitTrue(BooleanSupplier condition, String what, long deadline) {
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Timed out waiting until " + what);
            }
            TwoNodesTests.sleepQuietly(20);
        }
    }

    /**
     * One side of a dialog as the widget or the console behaves: writes, follows the dialog's messages over
     * whichever socket it has, and after a lost node reconnects, resumes and sends again what was not acknowledged.
     */
    private static final class Party {

        final String name;

        final String sender;

        final String site;

        final String cookie;

        String token;

        String dialogId;

        WsClient socket;

        /** frames of the current socket taken so far */
        int cursor;

        final List<JsonNode> earlierFrames = new ArrayList<>();

        /** every message seq of the dialog, in the order received, over every socket */
        final List<Long> seqs = new ArrayList<>();

        long highest;

        /** sent, by clientMsgId: the text */
        final Map<String, String> sent = new LinkedHashMap<>();

        /** sent and not yet acknowledged, in the order sent */
        final Map<String, String> pending = new LinkedHashMap<>();

        final Map<String, Long> acked = new HashMap<>();

        /** this party's own messages as the dialog's message frames showed them: clientMsgId to seq */
        final Map<String, Long> ownSeqs = new HashMap<>();

        /** sent again after the reconnect: clientMsgId to the seq it was seen stored under before, or null */
        final Map<String, Long> resent = new HashMap<>();

        /** the answers (acks) to what was sent again */
        final Map<String, JsonNode> answers = new HashMap<>();

        final List<JsonNode> errors = new ArrayList<>();

        private Party(String name, String sender, String site, String cookie) {
            this.name = name;
            this.sender = sender;
            this.site = site;
            this.cookie = cookie;
        }

        static Party visitor(String name, int port, String site) {
            Party party = new Party(name, "VISITOR", site, null);
            party.socket = WsClient.visitor(port, site, "https://" + site + ".test");
            party.socket.send(Map.of("type", "hello"));
            party.token = party.socket.awaitType("welcome").path("token").asString();
            party.socket.send(Map.of("type", "open"));
            party.dialogId = party.socket.awaitType("opened").path("dialog").path("dialogId").asString();
            party.write();
            party.socket.await(frame -> frame.path("type").asString().equals("ack"), "the first ack");
            party.take();
            return party;
        }

        static Party agent(String name, int port, Agent agent) {
            Party party = new Party(name, "AGENT", null, Staff.login(port, agent.login(), Staff.PASSWORD));
            party.socket = WsClient.agent(port, party.cookie);
            party.socket.awaitType("welcome");
            party.socket.send(Map.of("type", "presence", "status", "ONLINE"));
            party.socket.awaitType("presence");
            return party;
        }

        /** The agent's dialog is assigned: follow it from its first message. */
        void follow(String dialog) {
            dialogId = dialog;
            socket.awaitSeenOrNext(frame -> frame.path("type").asString().equals("dialog")
                    && frame.path("dialog").path("dialogId").asString().equals(dialog)
                    && frame.path("dialog").path("state").asString().equals("ASSIGNED"), name + "'s dialog");
            socket.send(Map.of("type", "resume", "dialogId", dialogId, "lastSeq", 0));
            socket.awaitType("resumed");
            take();
        }

        /** The messages to write: unbounded until the kill. */
        int total = Integer.MAX_VALUE;

        boolean done() {
            return sent.size() >= total && pending.isEmpty();
        }

        /** Takes what arrived, and writes the next message when the window allows. */
        void pump() {
            socket.drain(Duration.ofMillis(5));
            take();
            if (sent.size() < total && pending.size() < WINDOW) {
                write();
            }
        }

        private void write() {
            String id = name + "-" + (sent.size() + 1);
            String text = name + " сообщение " + (sent.size() + 1);
            sent.put(id, text);
            pending.put(id, text);
            socket.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", id, "text", text));
        }

        /** The frames of the current socket not taken yet. */
        private void take() {
            List<JsonNode> seen = socket.seen();
            while (cursor < seen.size()) {
                JsonNode frame = seen.get(cursor++);
                switch (frame.path("type").asString()) {
                    case "message" -> {
                        if (!frame.path("dialogId").asString().equals(dialogId)) {
                            break;
                        }
                        long seq = frame.path("seq").asLong();
                        seqs.add(seq);
                        highest = Math.max(highest, seq);
                        String id = frame.path("clientMsgId").asString("");
                        if (sent.containsKey(id)) {
                            ownSeqs.put(id, seq);
                        }
                    }
                    case "ack" -> {
                        String id = frame.path("clientMsgId").asString();
                        if (pending.remove(id) != null) {
                            acked.put(id, frame.path("seq").asLong());
                            if (resent.containsKey(id)) {
                                answers.put(id, frame);
                            }
                        }
                    }
                    case "error" -> {
                        String ref = frame.path("ref").asString("");
                        if (frame.path("retryable").asBoolean() && pending.containsKey(ref)) {
                            socket.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", ref, "text",
                                    pending.get(ref)));
                        }
                        else {
                            errors.add(frame);
                        }
                    }
                    default -> {
                    }
                }
            }
        }

        /**
         * The socket's node is gone: what arrived on it is kept; a new socket on the other node says hello (the
         * token, or the session cookie), resumes from the highest seq seen and sends again what is unacknowledged.
         */
        void reconnect(int port) {
            socket.drainNow();
            take();
            earlierFrames.addAll(socket.seen());
            socket.close();
            cursor = 0;
            if (sender.equals("VISITOR")) {
                socket = WsClient.visitor(port, site, "https://" + site + ".test");
                socket.send(Map.of("type", "hello", "token", token));
                assertThat(socket.awaitType("welcome").path("token").asString()).as(name + "'s token still valid")
                        .isEqualTo(token);
            }
            else {
                socket = WsClient.agent(port, cookie);
                socket.awaitType("welcome");
                socket.send(Map.of("type", "presence", "status", "ONLINE"));
                socket.awaitType("presence");
            }
            socket.send(Map.of("type", "resume", "dialogId", dialogId, "lastSeq", highest));
            socket.awaitType("resumed");
            take();
            for (Map.Entry<String, String> message : pending.entrySet()) {
                resent.put(message.getKey(), ownSeqs.get(message.getKey()));
                socket.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", message.getKey(), "text",
                        message.getValue()));
            }
        }

        List<JsonNode> frames() {
            List<JsonNode> all = new ArrayList<>(earlierFrames);
            all.addAll(socket.seen());
            return all;
        }

        String summary() {
            return name + ": sent " + sent.size() + ", acknowledged " + acked.size() + ", pending " + pending.size()
                    + ", sent again " + resent.size() + " (" + resent.values().stream().filter(v -> v != null).count()
                    + " stored before), highest seq seen " + highest + ", seqs received " + seqs.size();
        }

        void close() {
            if (socket != null) {
                socket.close();
            }
        }
    }
}
