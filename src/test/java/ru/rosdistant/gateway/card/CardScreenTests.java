package ru.rosdistant.gateway.card;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the Cards screen asks of the server (regulation 4.2, 4.2.1, 4.5): field errors by the field, the kind as one
 * list, notes, the responsible agent, a merge that loses nothing, and moving a dialog or a form to another card.
 * Line lab300 is this class's own.
 */
@GatewayTest
class CardScreenTests {

    private static final String LINE = "lab300";

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    WebTestClient http;

    Agent agent;

    String cookie;

    @BeforeEach
    void agent() {
        http = Checks.http(port);
        agent = Staff.agent(agents, LINE, 5);
        cookie = Staff.login(port, agent.login(), Staff.PASSWORD);
    }

    @Test
    void aRefusedEditSaysWhatIsWrongWithEachField() {
        UUID card = CardFixtures.card(db, "Лиза Ким", List.of(), List.of());
        CardFixtures.closedDialog(db, card, LINE, "…");

        JsonNode problem = Checks.body(http.patch().uri("/api/cards/" + card).header("Cookie", cookie)
                .bodyValue(Map.of("name", " ", "phones", List.of("8 848 212"), "emails", List.of("liza-at-example"),
                        "kind", "CONTACT"))
                .exchange().expectStatus().isBadRequest());
        assertThat(problem.path("errors").propertyNames()).containsExactlyInAnyOrder("name", "phones", "emails",
                "contactType");
        assertThat(problem.path("errors").path("phones").asString()).contains("E.164");

        // the responsible agent must be a colleague of the caller's lines
        Agent stranger = Staff.agent(agents, "lab301", 5);
        JsonNode notColleague = Checks.body(http.patch().uri("/api/cards/" + card).header("Cookie", cookie)
                .bodyValue(Map.of("responsibleAgentId", stranger.id())).exchange().expectStatus().isBadRequest());
        assertThat(notColleague.path("errors").path("responsibleAgentId").asString()).isNotBlank();
        assertThat(Checks.body(http.get().uri("/api/cards/responsibles").header("Cookie", cookie).exchange()
                        .expectStatus().isOk()).valueStream().map(a -> a.path("id").asLong()))
                .contains(agent.id())
                .doesNotContain(stranger.id());

        // «other» is a kind of its own; the responsible agent is set from the list
        JsonNode changed = Checks.body(http.patch().uri("/api/cards/" + card).header("Cookie", cookie)
                .bodyValue(Map.of("kind", "CONTACT", "contactType", "OTHER", "responsibleAgentId", agent.id(),
                        "status", "Вносит сведения (1.1)"))
                .exchange().expectStatus().isOk());
        assertThat(changed.path("contactType").asString()).isEqualTo("OTHER");
        assertThat(changed.path("responsibleAgentId").asLong()).isEqualTo(agent.id());
        assertThat(Checks.text(db, "SELECT responsible_since::text AS v FROM card WHERE id = '" + card + "'")).isNotNull();
        assertThat(Checks.body(http.get().uri("/api/cards/statuses").header("Cookie", cookie).exchange()
                .expectStatus().isOk()).path("kinds").valueStream().map(JsonNode::asString))
                .containsExactly("LEAD", "APPLICANT", "STUDENT", "PARTNER", "OTHER");
    }

    @Test
    void anEmptyStudyGroupOrSpecialtyClearsItAndAnAbsentOneIsKept() {
        UUID card = CardFixtures.card(db, "Олег Рыбин", List.of(), List.of());
        CardFixtures.closedDialog(db, card, LINE, "…");
        JsonNode set = Checks.body(http.patch().uri("/api/cards/" + card).header("Cookie", cookie)
                .bodyValue(Map.of("studyGroup", "ПИб-1901", "specialty", "Прикладная информатика"))
                .exchange().expectStatus().isOk());
        assertThat(set.path("studyGroup").asString()).isEqualTo("ПИб-1901");
        // the name alone changes nothing else
        JsonNode renamed = Checks.body(http.patch().uri("/api/cards/" + card).header("Cookie", cookie)
                .bodyValue(Map.of("name", "Олег Рыбин-Старший")).exchange().expectStatus().isOk());
        assertThat(renamed.path("specialty").asString()).isEqualTo("Прикладная информатика");
        // empty (or blank) clears
        JsonNode cleared = Checks.body(http.patch().uri("/api/cards/" + card).header("Cookie", cookie)
                .bodyValue(Map.of("studyGroup", "", "specialty", "  ")).exchange().expectStatus().isOk());
        assertThat(cleared.path("studyGroup").isNull() || cleared.path("studyGroup").isMissingNode()).isTrue();
        assertThat(cleared.path("specialty").isNull() || cleared.path("specialty").isMissingNode()).isTrue();
        assertThat(Checks.text(db, "SELECT coalesce(study_group, 'none') || coalesce(specialty, 'none') AS v FROM card "
                + "WHERE id = '" + card + "'")).isEqualTo("nonenone");
        JsonNode tooLong = Checks.body(http.patch().uri("/api/cards/" + card).header("Cookie", cookie)
                .bodyValue(Map.of("studyGroup", "Г".repeat(41))).exchange().expectStatus().isBadRequest());
        assertThat(tooLong.path("errors").path("studyGroup").asString()).isEqualTo("at most 40 characters (empty clears it)");
    }

    @Test
    void notesAreKeptOnTheCardAndAMergeLosesNothing() {
        String marker = Long.toString(System.nanoTime() % 1_000_000);
        UUID kept = CardFixtures.card(db, "Пётр Орлов " + marker, List.of("petr" + marker + "@example.ru"), List.of());
        UUID duplicate = CardFixtures.card(db, "Петя Орлов " + marker, List.of("orlov" + marker + "@example.ru"),
                List.of("+7848212" + String.format("%04d", Long.parseLong(marker) % 10000)));
        CardFixtures.closedDialog(db, kept, LINE, "первый");
        CardFixtures.closedDialog(db, duplicate, LINE, "второй");
        http.patch().uri("/api/cards/" + duplicate).header("Cookie", cookie)
                .bodyValue(Map.of("studyGroup", "ПИб-" + marker, "specialty", "Прикладная информатика",
                        "status", "Студент", "kind", "CONTACT", "contactType", "STUDENT"))
                .exchange().expectStatus().isOk();

        http.post().uri("/api/cards/" + kept + "/notes").header("Cookie", cookie).bodyValue(Map.of("body", " "))
                .exchange().expectStatus().isBadRequest().expectBody().jsonPath("$.errors.body").exists();
        http.post().uri("/api/cards/" + kept + "/notes").header("Cookie", cookie).bodyValue(Map.of("body", "x".repeat(4001)))
                .exchange().expectStatus().isBadRequest();
        JsonNode note = Checks.body(http.post().uri("/api/cards/" + duplicate + "/notes").header("Cookie", cookie)
                .bodyValue(Map.of("body", "Просил перезвонить после 18:00")).exchange().expectStatus().isOk());
        assertThat(note.path("agentName").asString()).isEqualTo(agent.displayName());

        JsonNode merged = Checks.body(http.post().uri("/api/cards/" + kept + "/merge").header("Cookie", cookie)
                .bodyValue(Map.of("from", duplicate.toString())).exchange().expectStatus().isOk());
        assertThat(merged.path("studyGroup").asString()).isEqualTo("ПИб-" + marker);
        assertThat(merged.path("specialty").asString()).isEqualTo("Прикладная информатика");
        assertThat(merged.path("status").asString()).isEqualTo("Студент");
        assertThat(merged.path("contactType").asString()).isEqualTo("STUDENT");
        assertThat(merged.path("emails").valueStream().map(JsonNode::asString)).hasSize(2);
        JsonNode view = Checks.body(http.get().uri("/api/cards/" + kept).header("Cookie", cookie).exchange()
                .expectStatus().isOk());
        assertThat(view.path("dialogs").size()).isEqualTo(2);
        assertThat(view.path("notes").get(0).path("body").asString()).isEqualTo("Просил перезвонить после 18:00");
        // a note on a card merged away is refused: it goes on the card kept
        http.post().uri("/api/cards/" + duplicate + "/notes").header("Cookie", cookie).bodyValue(Map.of("body", "ещё"))
                .exchange().expectStatus().isEqualTo(409);
    }

    @Test
    void aDialogOrAFormPutOnTheWrongPersonMovesToAnotherCardWithItsTaskAndAppeal() {
        UUID wrong = CardFixtures.card(db, "Анна Белова", List.of(), List.of());
        UUID right = CardFixtures.card(db, "Анна Белова-Смирнова", List.of(), List.of());
        CardFixtures.closedDialog(db, right, LINE, "её прежний диалог");
        UUID dialog = CardFixtures.closedDialog(db, wrong, LINE, "перепутали");
        UUID form = CardFixtures.form(db, wrong, LINE, "Анна", "anna@example.ru", "Когда сессия?");
        db.sql("INSERT INTO task (id, card_id, dialog_id, kind, title, request_number, line_id, owner_agent_id, due) "
                        + "VALUES (gen_random_uuid(), :card, :dialog, 'REQUEST_RESULT', 't', 'SR-1', :line, :agent, current_date)")
                .bind("card", wrong).bind("dialog", dialog).bind("line", LINE).bind("agent", agent.id())
                .then().block(java.time.Duration.ofSeconds(10));

        http.post().uri("/api/dialogs/" + dialog + "/move").header("Cookie", cookie).bodyValue(Map.of("cardId", wrong.toString()))
                .exchange().expectStatus().isEqualTo(409);
        http.post().uri("/api/dialogs/" + dialog + "/move").header("Cookie", cookie).bodyValue(Map.of())
                .exchange().expectStatus().isBadRequest();
        JsonNode moved = Checks.body(http.post().uri("/api/dialogs/" + dialog + "/move").header("Cookie", cookie)
                .bodyValue(Map.of("cardId", right.toString())).exchange().expectStatus().isOk());
        assertThat(moved.path("fromCardId").asString()).isEqualTo(wrong.toString());
        assertThat(Checks.text(db, "SELECT card_id::text AS v FROM transcript WHERE dialog_id = '" + dialog + "'"))
                .isEqualTo(right.toString());
        assertThat(Checks.text(db, "SELECT card_id::text AS v FROM task WHERE dialog_id = '" + dialog + "'"))
                .isEqualTo(right.toString());

        http.post().uri("/api/offline-forms/" + form + "/move").header("Cookie", cookie)
                .bodyValue(Map.of("cardId", right.toString())).exchange().expectStatus().isOk();
        JsonNode view = Checks.body(http.get().uri("/api/cards/" + right).header("Cookie", cookie).exchange()
                .expectStatus().isOk());
        assertThat(view.path("dialogs").size()).isEqualTo(2);
        assertThat(view.path("offlineForms").get(0).path("formId").asString()).isEqualTo(form.toString());

        // a card out of the caller's scope is not found, whichever side it is on
        Agent other = Staff.agent(agents, "lab301", 5);
        String otherCookie = Staff.login(port, other.login(), Staff.PASSWORD);
        http.post().uri("/api/dialogs/" + dialog + "/move").header("Cookie", otherCookie)
                .bodyValue(Map.of("cardId", wrong.toString())).exchange().expectStatus().isNotFound();
        assertThat(Checks.text(db, "SELECT count(*)::text AS v FROM card_audit WHERE action = 'DIALOG_MOVED' "
                + "AND card_ids @> ARRAY['" + wrong + "'::uuid, '" + right + "'::uuid]")).isEqualTo("1");
    }
}
