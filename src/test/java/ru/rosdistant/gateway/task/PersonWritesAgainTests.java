package ru.rosdistant.gateway.task;

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
import ru.rosdistant.gateway.card.CardFixtures;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Regulation 4.2: the card's responsible agent is told — a notice on their console and a task in their list — when
 * the person writes again, on any channel. Line and site lab303 are this class's own.
 */
@GatewayTest
class PersonWritesAgainTests {

    private static final String SITE = "lab303";

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Autowired
    ReturningPersons returning;

    @Test
    void theResponsibleAgentIsToldOnTheConsoleAndInTheTaskListWhenThePersonWritesAgain() {
        Agent responsible = Staff.agent(agents, SITE, 5);
        Agent colleague = Staff.agent(agents, SITE, 5);
        try (WsClient responsibleConsole = Staff.console(port, responsible);
                WsClient colleagueConsole = Staff.online(port, colleague);
                WsClient visitor = WsClient.visitor(port, SITE, "https://" + SITE + ".test")) {
            visitor.send("{\"type\":\"hello\"}");
            visitor.awaitType("welcome");
            visitor.send(Map.of("type", "open", "name", "Вера Лебедева"));
            String dialogId = visitor.awaitType("opened").path("dialog").path("dialogId").asString();
            String cardId = Checks.eventually(() -> Checks.text(db, "SELECT card_id::text AS v FROM dialog WHERE id = '"
                    + dialogId + "'"), "the dialog's card");
            // the person's card has had a responsible agent since before this dialog
            db.sql("UPDATE card SET responsible_agent_id = :agent, responsible_since = now() - interval '1 day' "
                            + "WHERE id = CAST(:card AS uuid)")
                    .bind("agent", responsible.id())
                    .bind("card", cardId)
                    .then()
                    .block(java.time.Duration.ofSeconds(10));
            visitor.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "m1", "text",
                    "Здравствуйте, это снова я"));
            visitor.awaitType("ack");

            JsonNode notice = responsibleConsole.await(frame -> "card_notice".equals(frame.path("type").asString()),
                    "card_notice");
            assertThat(notice.path("dialogId").asString()).isEqualTo(dialogId);
            assertThat(notice.path("cardId").asString()).isEqualTo(cardId);
            assertThat(notice.path("text").asString()).isEqualTo("Снова обращается: Вера Лебедева (виджет)");
            String cookie = Staff.login(port, responsible.login(), Staff.PASSWORD);
            JsonNode tasks = Checks.body(Checks.http(port).get().uri("/api/tasks").header("Cookie", cookie).exchange()
                    .expectStatus().isOk());
            assertThat(tasks.valueStream().filter(t -> t.path("id").asString()
                    .equals(notice.path("taskId").asString())))
                    .singleElement()
                    .satisfies(task -> {
                        assertThat(task.path("kind").asString()).isEqualTo("PERSON_WROTE_AGAIN");
                        assertThat(task.path("cardId").asString()).isEqualTo(cardId);
                    });
            // once per dialog, whatever the sweep finds later
            returning.sweep().block(java.time.Duration.ofSeconds(10));
            returning.sweep().block(java.time.Duration.ofSeconds(10));
            assertThat(Checks.text(db, "SELECT count(*)::text AS v FROM task WHERE notice_key = 'dialog:" + dialogId + "'"))
                    .isEqualTo("1");

            // an offline appeal of the same person is news too
            UUID appeal = UUID.randomUUID();
            db.sql("""
                            INSERT INTO offline_appeal (id, source, line_id, site_id, channel, card_id, name, question,
                                dedup_key, shown_from, answer_by)
                            VALUES (:id, 'FORM', :line, :line, 'WIDGET', CAST(:card AS uuid), 'Вера', 'А общежитие?',
                                :key, now(), current_date)""")
                    .bind("id", appeal)
                    .bind("line", SITE)
                    .bind("card", cardId)
                    .bind("key", "test:" + appeal)
                    .then()
                    .block(java.time.Duration.ofSeconds(10));
            JsonNode offline = responsibleConsole.await(frame -> "card_notice".equals(frame.path("type").asString())
                    && appeal.toString().equals(frame.path("appealId").asString()), "card_notice of the appeal");
            assertThat(offline.path("text").asString()).isEqualTo("Снова обращается: Вера Лебедева (офлайн, виджет)");
            assertThat(colleagueConsole.drainNow().stream().filter(f -> "card_notice".equals(f.path("type").asString())))
                    .isEmpty();
        }
    }

    @Test
    void nobodyIsToldOfADialogBeforeTheyBecameResponsibleOrOfTheirOwnDialog() {
        Agent responsible = Staff.agent(agents, SITE, 5);
        UUID card = CardFixtures.card(db, "Глеб Носов", java.util.List.of(), java.util.List.of());
        UUID before = CardFixtures.closedDialog(db, card, SITE, "старый");
        db.sql("INSERT INTO message (dialog_id, seq, sender, body) VALUES (:d, 1, 'VISITOR', 'давно')")
                .bind("d", before).then().block(java.time.Duration.ofSeconds(10));
        db.sql("UPDATE card SET responsible_agent_id = :agent, responsible_since = now() WHERE id = :card")
                .bind("agent", responsible.id()).bind("card", card).then().block(java.time.Duration.ofSeconds(10));
        UUID own = CardFixtures.closedDialog(db, card, SITE, "свой");
        db.sql("UPDATE dialog SET agent_id = :agent WHERE id = :d").bind("agent", responsible.id()).bind("d", own)
                .then().block(java.time.Duration.ofSeconds(10));
        db.sql("INSERT INTO message (dialog_id, seq, sender, body) VALUES (:d, 1, 'VISITOR', 'снова')")
                .bind("d", own).then().block(java.time.Duration.ofSeconds(10));
        returning.sweep().block(java.time.Duration.ofSeconds(10));
        assertThat(Checks.text(db, "SELECT count(*)::text AS v FROM task WHERE card_id = '" + card + "'")).isEqualTo("0");
    }
}
