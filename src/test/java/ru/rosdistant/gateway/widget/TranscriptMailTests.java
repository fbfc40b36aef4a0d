package ru.rosdistant.gateway.widget;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.WsClient;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.dialog.DialogManagement;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A visitor's copy of the transcript by mail goes only to the one address given in the dialog while it was open,
 * at most a few per client address an hour (test profile: 2 at once), and holds only what the visitor saw.
 */
@GatewayTest
class TranscriptMailTests {

    private static final String SITE = "lab93";

    private static final String ORIGIN = "https://lab93.test";

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Autowired
    DialogManagement dialogs;

    @Test
    void theCopyGoesOnlyToTheAddressGivenInTheDialog() {
        String given = "given." + System.nanoTime() + "@example.ru";
        try (WsClient visitor = visitor(null)) {
            visitor.send(Map.of("type", "open", "email", given.toUpperCase()));
            String dialogId = visitor.awaitType("opened").path("dialog").path("dialogId").asString();
            close(visitor, dialogId);

            visitor.send(Map.of("type", "transcript", "dialogId", dialogId, "email", "victim@example.com", "ref", "t1"));
            JsonNode refused = visitor.awaitType("error");
            assertThat(refused.path("code").asString()).isEqualTo("TRANSCRIPT_ADDRESS");
            assertThat(refused.path("ref").asString()).isEqualTo("t1");
            assertThat(mailsOf(dialogId)).isZero();

            visitor.send(Map.of("type", "transcript", "dialogId", dialogId, "ref", "t2"));
            JsonNode queued = visitor.awaitType("transcript_queued");
            assertThat(queued.path("ref").asString()).isEqualTo("t2");
            assertThat(queued.path("email").asString()).isEqualTo(given);
            assertThat(Checks.text(db, "SELECT payload->>'to' AS v FROM outbox WHERE dedup_key LIKE 'transcript:"
                    + dialogId + ":%'")).isEqualTo(given);
            assertThat(mailsOf(dialogId)).isEqualTo(1);
        }
    }

    @Test
    void aDialogClosedWithoutAnAddressGetsNoCopy() {
        try (WsClient visitor = visitor(null)) {
            visitor.send("{\"type\":\"open\"}");
            String dialogId = visitor.awaitType("opened").path("dialog").path("dialogId").asString();
            close(visitor, dialogId);
            visitor.send(Map.of("type", "transcript", "dialogId", dialogId, "email", "victim@example.com", "ref", "t1"));
            assertThat(visitor.awaitType("error").path("code").asString()).isEqualTo("TRANSCRIPT_ADDRESS");
            assertThat(mailsOf(dialogId)).isZero();
        }
    }

    @Test
    void anAddressGivenWhileTheDialogIsOpenGetsTheCopyWhenItCloses() {
        String given = "open." + System.nanoTime() + "@example.ru";
        try (WsClient visitor = visitor(null)) {
            visitor.send("{\"type\":\"open\"}");
            String dialogId = visitor.awaitType("opened").path("dialog").path("dialogId").asString();
            visitor.send(Map.of("type", "transcript", "dialogId", dialogId, "email", given, "ref", "t1"));
            JsonNode pending = visitor.awaitType("transcript_queued");
            assertThat(pending.path("pending").asBoolean()).isTrue();
            assertThat(pending.path("email").asString()).isEqualTo(given);
            // one address per dialog: a second one is refused
            visitor.send(Map.of("type", "transcript", "dialogId", dialogId, "email", "other@example.com", "ref", "t2"));
            assertThat(visitor.awaitType("error").path("code").asString()).isEqualTo("TRANSCRIPT_ADDRESS");
            assertThat(mailsOf(dialogId)).isZero();

            close(visitor, dialogId);
            assertThat(Checks.eventually(() -> Checks.text(db, "SELECT payload->>'to' AS v FROM outbox "
                    + "WHERE dedup_key LIKE 'transcript:" + dialogId + ":%'"), "the copy queued")).isEqualTo(given);
            assertThat(mailsOf(dialogId)).isEqualTo(1);
        }
    }

    @Test
    void theCopyHoldsOnlyWhatTheVisitorSaw() {
        Agent first = Staff.agent(agents, SITE, 5);
        Agent colleague = Staff.agent(agents, SITE, 5);
        String given = "seen." + System.nanoTime() + "@example.ru";
        try (WsClient firstConsole = Staff.online(port, first); WsClient visitor = visitor(null)) {
            visitor.send(Map.of("type", "open", "email", given));
            String dialogId = visitor.awaitType("opened").path("dialog").path("dialogId").asString();
            visitor.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "q1", "text",
                    "Как перевестись на заочное?"));
            visitor.awaitType("ack");
            firstConsole.await(frame -> frame.path("type").asString().equals("dialog")
                    && frame.path("dialog").path("dialogId").asString().equals(dialogId), "the dialog");
            firstConsole.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "a1", "text",
                    "Сейчас подскажу"));
            firstConsole.awaitType("ack");
            try (WsClient colleagueConsole = Staff.console(port, colleague)) {
                firstConsole.send(Map.of("type", "forward", "dialogId", dialogId, "toAgentId", colleague.id(),
                        "note", "СЕКРЕТНАЯ ЗАМЕТКА: студент должник"));
                colleagueConsole.await(frame -> frame.path("type").asString().equals("dialog")
                        && frame.path("dialog").path("agentId").asLong() == colleague.id(), "the forwarded dialog");
                dialogs.appendNotice(UUID.fromString(dialogId), "delivery_failed", "СЛУЖЕБНОЕ УВЕДОМЛЕНИЕ")
                        .block(Duration.ofSeconds(10));
                colleagueConsole.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "a2", "text",
                        "Напишите заявление в личном кабинете"));
                colleagueConsole.awaitType("ack");
                colleagueConsole.send(Map.of("type", "close", "dialogId", dialogId, "appealType", "SERVICE_REQUEST",
                        "requestNumber", "REQ-4711"));
                visitor.await(frame -> "closed".equals(frame.path("event").asString()), "closed");
            }
            visitor.send(Map.of("type", "transcript", "dialogId", dialogId, "email", given, "ref", "t1"));
            visitor.awaitType("transcript_queued");
            String body = Checks.text(db, "SELECT payload->>'body' AS v FROM outbox WHERE dedup_key LIKE 'transcript:"
                    + dialogId + ":%'");
            assertThat(body).contains("Как перевестись на заочное?")
                    .contains(first.displayName() + ": Сейчас подскажу")
                    .contains(colleague.displayName() + ": Напишите заявление в личном кабинете")
                    .contains("Вас переключили на специалиста: " + colleague.displayName());
            assertThat(body).doesNotContain("СЕКРЕТНАЯ ЗАМЕТКА")
                    .doesNotContain("СЛУЖЕБНОЕ УВЕДОМЛЕНИЕ")
                    .doesNotContain("REQ-4711")
                    .doesNotContain("заявка на обслуживание")
                    .doesNotContain("Передачи")
                    .doesNotContain("линия")
                    .doesNotContain(SITE);
        }
    }

    @Test
    void oneAddressGetsOnlySoManyCopiesAndAnotherAddressIsNotAffected() {
        String address = WsClient.freshAddress();
        try (WsClient visitor = visitor(address)) {
            for (int i = 0; i < 2; i++) {
                String dialogId = closedDialogWithAddress(visitor);
                visitor.send(Map.of("type", "transcript", "dialogId", dialogId, "ref", "t" + i));
                assertThat(visitor.awaitType("transcript_queued").path("ref").asString()).isEqualTo("t" + i);
            }
            String third = closedDialogWithAddress(visitor);
            visitor.send(Map.of("type", "transcript", "dialogId", third, "ref", "t3"));
            JsonNode refused = visitor.awaitType("error");
            assertThat(refused.path("code").asString()).isEqualTo("CLIENT_LIMITED");
            assertThat(refused.path("retryable").asBoolean()).isTrue();
            assertThat(mailsOf(third)).isZero();
        }
        try (WsClient other = visitor(WsClient.freshAddress())) {
            String dialogId = closedDialogWithAddress(other);
            other.send(Map.of("type", "transcript", "dialogId", dialogId, "ref", "t1"));
            assertThat(other.awaitType("transcript_queued").path("ref").asString()).isEqualTo("t1");
        }
    }

    private String closedDialogWithAddress(WsClient visitor) {
        visitor.send(Map.of("type", "open", "email", "many." + System.nanoTime() + "@example.ru"));
        String dialogId = visitor.awaitType("opened").path("dialog").path("dialogId").asString();
        close(visitor, dialogId);
        return dialogId;
    }

    private WsClient visitor(String address) {
        WsClient visitor = address == null ? WsClient.visitor(port, SITE, ORIGIN)
                : WsClient.visitorFrom(address, port, SITE, ORIGIN);
        visitor.send("{\"type\":\"hello\"}");
        visitor.awaitType("welcome");
        return visitor;
    }

    private static void close(WsClient visitor, String dialogId) {
        visitor.send(Map.of("type", "close", "dialogId", dialogId));
        visitor.await(frame -> "closed".equals(frame.path("event").asString())
                && frame.path("dialogId").asString().equals(dialogId), "closed");
    }

    private long mailsOf(String dialogId) {
        return Long.parseLong(Checks.text(db, "SELECT count(*)::text AS v FROM outbox WHERE dedup_key LIKE 'transcript:"
                + dialogId + ":%'"));
    }
}
