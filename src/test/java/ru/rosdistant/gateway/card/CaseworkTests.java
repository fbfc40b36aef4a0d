package ru.rosdistant.gateway.card;

import java.time.Duration;
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
import org.springframework.transaction.reactive.TransactionalOperator;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.WsClient;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.agent.Role;
import ru.rosdistant.gateway.dialog.DialogForwarding;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cards as the regulation keeps them: every dialog bound to a card, its transcript there after the close,
 * spam leads removed, search, edit, merge with nothing lost, and every read and change audited.
 */
@GatewayTest
class CaseworkTests {

    private static final String SITE = "lab36";

    private static final String ORIGIN = "https://lab36.test";

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Autowired
    Cards cards;

    @Autowired
    DialogForwarding dialogs;

    @Autowired
    TransactionalOperator tx;

    WebTestClient http;

    @BeforeEach
    void client() {
        http = Checks.http(port);
    }

    @Test
    void theTranscriptIsOnTheCardAfterTheCloseAndTheReturningVisitorKeepsTheirCard() {
        Agent agent = Staff.agent(agents, SITE, 5);
        String email = "ivan." + System.nanoTime() + "@example.ru";
        try (WsClient console = Staff.online(port, agent);
                WsClient visitor = WsClient.visitor(port, SITE, ORIGIN)) {
            visitor.send("{\"type\":\"hello\"}");
            String token = visitor.awaitType("welcome").path("token").asString();
            visitor.send(Map.of("type", "open", "name", "Иван Петров", "email", email.toUpperCase()));
            String dialogId = visitor.awaitType("opened").path("dialog").path("dialogId").asString();
            visitor.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "q1",
                    "text", "Как перевестись? <script>alert(1)</script>"));
            visitor.awaitType("ack");
            console.await(frame -> frame.path("dialog").path("dialogId").asString().equals(dialogId), "dialog");
            console.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "a1", "text",
                    "Напишите заявление в ЛК"));
            console.awaitType("ack");
            console.send(Map.of("type", "close", "dialogId", dialogId, "appealType", "CONSULTATION"));
            visitor.await(frame -> "closed".equals(frame.path("event").asString()), "closed");

            String transcript = Checks.eventually(() -> Checks.text(db, "SELECT body AS v FROM transcript WHERE dialog_id = '"
                    + dialogId + "'"), "the transcript");
            assertThat(transcript).contains("Посетитель: Как перевестись? <script>alert(1)</script>")
                    .contains("Оператор " + agent.displayName() + ": Напишите заявление в ЛК")
                    .contains("Тип обращения: консультация");

            String cookie = Staff.login(port, agent.login(), Staff.PASSWORD);
            JsonNode card = Checks.body(http.get().uri("/api/dialogs/" + dialogId + "/card").header("Cookie", cookie)
                    .exchange().expectStatus().isOk());
            assertThat(card.path("card").path("emails").get(0).asString()).isEqualTo(email);
            assertThat(card.path("card").path("name").asString()).isEqualTo("Иван Петров");
            assertThat(card.path("dialogs").get(0).path("transcript").asString()).contains("Как перевестись?");
            String cardId = card.path("card").path("id").asString();

            // the same visitor comes back: the new dialog is on the same card, with the earlier one in front
            try (WsClient back = WsClient.visitor(port, SITE, ORIGIN)) {
                back.send(Map.of("type", "hello", "token", token));
                back.awaitType("welcome");
                back.send("{\"type\":\"open\"}");
                String second = back.awaitType("opened").path("dialog").path("dialogId").asString();
                assertThat(Checks.eventually(() -> Checks.text(db, "SELECT card_id::text AS v FROM dialog WHERE id = '" + second + "'"),
                        "binding")).isEqualTo(cardId);
                JsonNode again = Checks.body(http.get().uri("/api/dialogs/" + second + "/card").header("Cookie", cookie)
                        .exchange().expectStatus().isOk());
                assertThat(again.path("dialogs").valueStream().map(d -> d.path("dialogId").asString()))
                        .contains(dialogId, second);
                back.send(Map.of("type", "close", "dialogId", second));
                back.await(frame -> "closed".equals(frame.path("event").asString()), "closed");
            }
            // every read of the card is on its audit record, for an ADMIN only
            Agent admin = Staff.agent(agents, SITE, 5, Role.ADMIN);
            String adminCookie = Staff.login(port, admin.login(), Staff.PASSWORD);
            http.get().uri("/api/admin/cards/" + cardId + "/audit").header("Cookie", cookie).exchange()
                    .expectStatus().isForbidden();
            JsonNode audit = Checks.body(http.get().uri("/api/admin/cards/" + cardId + "/audit")
                    .header("Cookie", adminCookie).exchange().expectStatus().isOk());
            assertThat(audit.valueStream().filter(entry -> entry.path("action").asString().equals("READ")
                    && entry.path("agentLogin").asString().equals(agent.login()))).hasSize(2);
        }
    }

    @Test
    void theVisitorGetsACopyOfTheTranscriptByMailOnlyForTheirOwnDialogOnceItIsClosed() {
        Agent agent = Staff.agent(agents, SITE, 5);
        try (WsClient console = Staff.online(port, agent);
                WsClient visitor = WsClient.visitor(port, SITE, ORIGIN)) {
            visitor.send("{\"type\":\"hello\"}");
            visitor.awaitType("welcome");
            visitor.send("{\"type\":\"open\"}");
            String dialogId = visitor.awaitType("opened").path("dialog").path("dialogId").asString();
            // asked while the dialog is open, the copy waits for the close
            visitor.send(Map.of("type", "transcript", "dialogId", dialogId, "email", "me@example.ru", "ref", "t1"));
            assertThat(visitor.awaitType("transcript_queued").path("pending").asBoolean()).isTrue();
            assertThat(Checks.text(db, "SELECT count(*)::text AS v FROM outbox WHERE dedup_key = 'transcript:"
                    + dialogId + ":me@example.ru'")).isEqualTo("0");
            visitor.send(Map.of("type", "close", "dialogId", dialogId));
            visitor.await(frame -> "closed".equals(frame.path("event").asString()), "closed");
            visitor.send(Map.of("type", "transcript", "dialogId", dialogId, "email", "not an address"));
            assertThat(visitor.awaitType("error").path("code").asString()).isEqualTo("INVALID_FIELD");
            visitor.send(Map.of("type", "transcript", "dialogId", UUID.randomUUID().toString(), "email",
                    "me@example.ru"));
            assertThat(visitor.awaitType("error").path("code").asString()).isEqualTo("UNKNOWN_DIALOG");
            visitor.send(Map.of("type", "transcript", "dialogId", dialogId, "email", "Me@Example.ru", "ref", "t2"));
            assertThat(visitor.awaitType("transcript_queued").path("ref").asString()).isEqualTo("t2");
            String payload = Checks.text(db, "SELECT payload::text AS v FROM outbox WHERE dedup_key = 'transcript:" + dialogId
                    + ":me@example.ru'");
            assertThat(payload).contains("me@example.ru").contains(dialogId);
        }
    }

    @Test
    void aSpamDialogTakesTheLeadMadeForItAlong() {
        Agent dispatcher = Staff.agent(agents, SITE, 5, Role.DISPATCHER);
        try (WsClient console = Staff.online(port, dispatcher);
                WsClient visitor = WsClient.visitor(port, SITE, ORIGIN)) {
            visitor.send("{\"type\":\"hello\"}");
            visitor.awaitType("welcome");
            visitor.send("{\"type\":\"open\"}");
            String dialogId = visitor.awaitType("opened").path("dialog").path("dialogId").asString();
            String lead = Checks.eventually(() -> Checks.text(db, "SELECT card_id::text AS v FROM dialog WHERE id = '" + dialogId + "'"),
                    "the anonymous lead");
            assertThat(Checks.text(db, "SELECT lead_of_dialog::text AS v FROM card WHERE id = '" + lead + "'")).isEqualTo(dialogId);
            console.await(frame -> frame.path("dialog").path("dialogId").asString().equals(dialogId), "dialog");
            dialogs.closeAsSpam(UUID.fromString(dialogId), dispatcher.id(), false).block(Duration.ofSeconds(10));
            Checks.eventually(() -> Checks.text(db, "SELECT 'gone' AS v WHERE NOT EXISTS (SELECT 1 FROM card WHERE id = '" + lead + "')"),
                    "the lead deleted");
            assertThat(Checks.text(db, "SELECT coalesce(card_id::text, 'none') AS v FROM dialog WHERE id = '" + dialogId + "'"))
                    .isEqualTo("none");
            assertThat(Checks.text(db, "SELECT count(*)::text AS v FROM message WHERE dialog_id = '" + dialogId + "'"))
                    .as("the dialog itself stays on record").isNotEqualTo("0");
        }
    }

    @Test
    void cardsAreSearchedEditedAndMergedWithNothingLostAndStrangersSeeNothing() {
        Agent agent = Staff.agent(agents, SITE, 5);
        String cookie = Staff.login(port, agent.login(), Staff.PASSWORD);
        long n = System.nanoTime() % 10_000_000L;
        String phone = "+7927" + String.format("%07d", n);
        Card first = tx.transactional(cards.findOrCreateLead("Мария Сидорова", "maria" + n + "@example.ru", null,
                SITE)).block(Duration.ofSeconds(10));
        Card duplicate = tx.transactional(cards.findOrCreateLead("Мария Сидорова", null, phone, SITE))
                .block(Duration.ofSeconds(10));
        assertThat(duplicate.id()).isNotEqualTo(first.id());
        // both cards belong to the agent's line by an offline question from its site
        for (Card card : List.of(first, duplicate)) {
            db.sql("INSERT INTO offline_form (id, site_id, card_id, name, phone, question, consent_at) VALUES ("
                            + "gen_random_uuid(), :site, :card, 'Мария', :phone, 'Вопрос', now())")
                    .bind("site", SITE).bind("card", card.id()).bind("phone", phone)
                    .then().block(Duration.ofSeconds(10));
        }

        http.get().uri("/api/cards?q=Сидорова").exchange().expectStatus().isUnauthorized();
        JsonNode found = Checks.body(http.get().uri("/api/cards?q=" + phone.substring(1)).header("Cookie", cookie).exchange()
                .expectStatus().isOk());
        assertThat(found.valueStream().map(card -> card.path("id").asString())).contains(duplicate.id().toString());
        http.get().uri("/api/cards?q=x").header("Cookie", cookie).exchange().expectStatus().isBadRequest();

        // a bad phone is refused with a clear message and changes nothing
        JsonNode refused = Checks.body(http.patch().uri("/api/cards/" + first.id()).header("Cookie", cookie)
                .bodyValue(Map.of("phones", List.of("89270000000"))).exchange().expectStatus().isBadRequest());
        assertThat(refused.path("detail").asString()).contains("E.164");
        JsonNode edited = Checks.body(http.patch().uri("/api/cards/" + first.id()).header("Cookie", cookie)
                .bodyValue(Map.of("kind", "CONTACT", "contactType", "STUDENT", "handles", List.of("telegram:" + n)))
                .exchange().expectStatus().isOk());
        assertThat(edited.path("contactType").asString()).isEqualTo("STUDENT");
        JsonNode byHandle = Checks.body(http.get().uri("/api/cards?q=" + n).header("Cookie", cookie).exchange()
                .expectStatus().isOk());
        assertThat(byHandle.valueStream().map(card -> card.path("id").asString())).contains(first.id().toString());

        JsonNode merged = Checks.body(http.post().uri("/api/cards/" + first.id() + "/merge").header("Cookie", cookie)
                .bodyValue(Map.of("from", duplicate.id().toString())).exchange().expectStatus().isOk());
        assertThat(merged.path("phones").valueStream().map(JsonNode::asString)).contains(phone);
        assertThat(merged.path("emails").valueStream().map(JsonNode::asString)).contains("maria" + n + "@example.ru");
        assertThat(Checks.text(db, "SELECT merged_into::text AS v FROM card WHERE id = '" + duplicate.id() + "'"))
                .isEqualTo(first.id().toString());
        assertThat(Checks.text(db, "SELECT string_agg(DISTINCT card_id::text, ',') AS v FROM offline_form WHERE card_id IN ('"
                + first.id() + "', '" + duplicate.id() + "')")).isEqualTo(first.id().toString());
        // the duplicate is no longer found, nor identified by its phone
        Card byPhone = tx.transactional(cards.findOrCreateLead("Мария", null, phone, SITE)).block(Duration.ofSeconds(10));
        assertThat(byPhone.id()).isEqualTo(first.id());
        http.post().uri("/api/cards/" + first.id() + "/merge").header("Cookie", cookie)
                .bodyValue(Map.of("from", duplicate.id().toString())).exchange().expectStatus().isEqualTo(409);
        http.get().uri("/api/cards/" + UUID.randomUUID()).header("Cookie", cookie).exchange().expectStatus()
                .isNotFound();
        assertThat(Checks.text(db, "SELECT string_agg(action, ',' ORDER BY id) AS v FROM card_audit WHERE card_ids @> "
                + "ARRAY['" + first.id() + "'::uuid]")).isEqualTo("UPDATE,SEARCH,MERGE");
    }

    @Test
    void aMessengerAuthorIsIdentifiedOnlyByACombinationNoOtherCardShares() {
        long n = System.nanoTime() % 10_000_000L;
        String phone = "+7846" + String.format("%07d", n);
        tx.transactional(cards.findOrCreateLead("Олег Ким", null, phone, SITE)).block(Duration.ofSeconds(10));
        Card unique = cards.uniqueByNameAnd("олег ким", null, phone).block(Duration.ofSeconds(10));
        assertThat(unique).isNotNull();
        // a second card with the same name and phone (a shared family phone): ambiguous, nobody is identified
        db.sql("INSERT INTO card (id, kind, name, phones) VALUES (gen_random_uuid(), 'LEAD', 'Олег Ким', :phones)")
                .bind("phones", new String[] { phone }).then().block(Duration.ofSeconds(10));
        assertThat(cards.uniqueByNameAnd("Олег Ким", null, phone).blockOptional(Duration.ofSeconds(10))).isEmpty();
        Card byHandle = tx.transactional(cards.findOrCreateByHandle("telegram:" + n, "Олег", SITE))
                .block(Duration.ofSeconds(10));
        Card again = tx.transactional(cards.findOrCreateByHandle("telegram:" + n, "Олег К.", SITE))
                .block(Duration.ofSeconds(10));
        assertThat(again.id()).isEqualTo(byHandle.id());
    }
}
