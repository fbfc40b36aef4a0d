package ru.rosdistant.gateway.card;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

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

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Who a widget visitor is: an e-mail typed into the widget proves nothing and never binds to someone else's
 * card (a new lead flagged as a possible match instead, which an agent confirms or dismisses); an identity the
 * portal signed binds to that user's card and is shown as verified. Sites lab80 (signs identities) and lab81.
 */
@GatewayTest
class IdentityBindingTests {

    private static final String SECRET = "lab80-identity-secret";

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Autowired
    Cards cards;

    @Autowired
    TransactionalOperator tx;

    WebTestClient http;

    @BeforeEach
    void client() {
        http = Checks.http(port);
    }

    @Test
    void anUnprovenEmailNeverBindsTheVisitorToSomeoneElsesCard() {
        String victimEmail = "victim." + System.nanoTime() + "@example.ru";
        UUID victim = victimCard("Виктория Жертвина", victimEmail, "lab81");
        String dialogId = openAndBind("lab81", Map.of("type", "open", "name", "Кто-то", "email",
                victimEmail.toUpperCase()));

        assertThat(cardOf(dialogId)).as("the dialog is not on the victim's card").isNotEqualTo(victim.toString());
        assertThat(Checks.text(db, "SELECT count(*)::text AS v FROM dialog WHERE card_id = '" + victim + "'"))
                .isEqualTo("0");
        JsonNode card = dialogCard(Staff.agent(agents, "lab81", 5), dialogId);
        assertThat(card.path("card").path("possibleMatch").asBoolean()).isTrue();
        assertThat(card.path("card").path("identityVerified").asBoolean()).isFalse();
        assertThat(card.path("possibleMatches").valueStream().map(match -> match.path("id").asString()))
                .containsExactly(victim.toString());
        assertThat(card.path("offlineForms").size()).as("none of the victim's history").isZero();
        assertThat(card.toString()).doesNotContain("паспорт");
    }

    @Test
    void anAgentConfirmsAPossibleMatchIntoTheCardOrDismissesIt() {
        String email = "maybe." + System.nanoTime() + "@example.ru";
        UUID existing = victimCard("Павел Возможный", email, "lab81");
        String first = openAndBind("lab81", Map.of("type", "open", "name", "Павел", "email", email));
        String second = openAndBind("lab81", Map.of("type", "open", "name", "Не Павел", "email", email));
        String firstLead = cardOf(first);
        String secondLead = cardOf(second);
        Agent agent = Staff.agent(agents, "lab81", 5);
        String cookie = Staff.login(port, agent.login(), Staff.PASSWORD);

        // only a card among the possible matches can be confirmed
        http.post().uri("/api/cards/" + firstLead + "/possible-match/confirm").header("Cookie", cookie)
                .bodyValue(Map.of("into", secondLead)).exchange().expectStatus().isEqualTo(409);
        JsonNode merged = Checks.body(http.post().uri("/api/cards/" + firstLead + "/possible-match/confirm")
                .header("Cookie", cookie).bodyValue(Map.of("into", existing.toString())).exchange()
                .expectStatus().isOk());
        assertThat(merged.path("id").asString()).isEqualTo(existing.toString());
        assertThat(cardOf(first)).isEqualTo(existing.toString());
        assertThat(Checks.text(db, "SELECT merged_into::text AS v FROM card WHERE id = '" + firstLead + "'"))
                .isEqualTo(existing.toString());

        JsonNode dismissed = Checks.body(http.post().uri("/api/cards/" + secondLead + "/possible-match/dismiss")
                .header("Cookie", cookie).exchange().expectStatus().isOk());
        assertThat(dismissed.path("possibleMatch").asBoolean()).isFalse();
        assertThat(cardOf(second)).isEqualTo(secondLead);
        assertThat(Checks.text(db, "SELECT string_agg(action, ',' ORDER BY id) AS v FROM card_audit WHERE card_ids @> "
                + "ARRAY['" + secondLead + "'::uuid] AND agent_id = " + agent.id())).isEqualTo("MATCH_DISMISSED");
    }

    @Test
    void aSignedIdentityBindsEveryDialogOfThatUserToOneVerifiedCard() {
        String userId = "student-" + System.nanoTime();
        String email = userId + "@edu.example.ru";
        // someone typed this user's e-mail into the widget before: that lead is not the user's card
        String typed = openAndBind("lab80", Map.of("type", "open", "name", "Самозванец", "email", email));
        Map<String, Object> identity = identity(userId, email, "Софья Проверенная", SECRET);

        String first = openAndBind("lab80", Map.of("type", "open", "identity", identity));
        String second = openAndBind("lab80", Map.of("type", "open", "identity", identity));
        assertThat(cardOf(first)).isEqualTo(cardOf(second)).isNotEqualTo(cardOf(typed));

        JsonNode card = dialogCard(Staff.agent(agents, "lab80", 5), first);
        assertThat(card.path("card").path("identityVerified").asBoolean()).isTrue();
        assertThat(card.path("card").path("portalIds").get(0).asString()).isEqualTo("lab80:" + userId);
        assertThat(card.path("card").path("name").asString()).isEqualTo("Софья Проверенная");
        assertThat(card.path("dialogs").valueStream().filter(d -> d.path("identityVerified").asBoolean())
                .map(d -> d.path("dialogId").asString())).contains(first, second);
        assertThat(card.path("possibleMatches").valueStream().map(match -> match.path("id").asString()))
                .as("the typed lead is offered to the agent as the same person, not joined")
                .containsExactly(cardOf(typed));
    }

    @Test
    void aBadSignatureIsAnsweredIdentityInvalidAndTheDialogOpensUnverified() {
        String userId = "applicant-" + System.nanoTime();
        String email = userId + "@example.ru";
        String verified = openAndBind("lab80", Map.of("type", "open", "identity",
                identity(userId, email, "Настоящий", SECRET)));
        String verifiedCard = cardOf(verified);

        for (Map<String, Object> forged : new Map[] { identity(userId, email, "Подделка", "not-the-secret"),
                identity(userId, email, "Подделка", SECRET, "someone-else") }) {
            try (WsClient visitor = WsClient.visitor(port, "lab80", "https://lab80.test")) {
                visitor.send("{\"type\":\"hello\"}");
                visitor.awaitType("welcome");
                visitor.send(Map.of("type", "open", "identity", forged, "ref", "o1"));
                JsonNode refused = visitor.awaitType("error");
                assertThat(refused.path("code").asString()).isEqualTo("IDENTITY_INVALID");
                assertThat(refused.path("retryable").asBoolean()).isFalse();
                String dialogId = visitor.awaitType("opened").path("dialog").path("dialogId").asString();
                String card = Checks.eventually(() -> Checks.text(db, "SELECT card_id::text AS v FROM dialog WHERE id = '"
                        + dialogId + "'"), "binding");
                assertThat(card).isNotEqualTo(verifiedCard);
                assertThat(Checks.text(db, "SELECT coalesce(verified_user_id, 'none') AS v FROM dialog WHERE id = '"
                        + dialogId + "'")).isEqualTo("none");
                close(visitor, dialogId);
            }
        }
        // a site without an identity secret verifies nobody
        try (WsClient visitor = WsClient.visitor(port, "lab81", "https://lab81.test")) {
            visitor.send("{\"type\":\"hello\"}");
            visitor.awaitType("welcome");
            visitor.send(Map.of("type", "open", "identity", identity(userId, email, "Кто-то", SECRET)));
            assertThat(visitor.awaitType("error").path("code").asString()).isEqualTo("IDENTITY_INVALID");
            close(visitor, visitor.awaitType("opened").path("dialog").path("dialogId").asString());
        }
    }

    /** A card with someone's personal data on it: an offline question from their site. */
    private UUID victimCard(String name, String email, String site) {
        Card card = tx.transactional(cards.findOrCreateLead(name, email, null, site)).block(Duration.ofSeconds(10));
        db.sql("INSERT INTO offline_form (id, site_id, card_id, name, email, question, consent_at) VALUES ("
                        + "gen_random_uuid(), :site, :card, :name, :email, 'Мой паспорт 3610 123456, где справка?', now())")
                .bind("site", site).bind("card", card.id()).bind("name", name).bind("email", email)
                .then().block(Duration.ofSeconds(10));
        return card.id();
    }

    /** A new visitor opens a dialog with this frame; its id once the dialog is bound to a card (then closed). */
    private String openAndBind(String site, Map<String, Object> open) {
        try (WsClient visitor = WsClient.visitor(port, site, "https://" + site + ".test")) {
            visitor.send("{\"type\":\"hello\"}");
            visitor.awaitType("welcome");
            visitor.send(open);
            String dialogId = visitor.awaitType("opened").path("dialog").path("dialogId").asString();
            Checks.eventually(() -> Checks.text(db, "SELECT card_id::text AS v FROM dialog WHERE id = '" + dialogId + "'"),
                    "the binding of " + dialogId);
            close(visitor, dialogId);
            return dialogId;
        }
    }

    private static void close(WsClient visitor, String dialogId) {
        visitor.send(Map.of("type", "close", "dialogId", dialogId));
        visitor.await(frame -> "closed".equals(frame.path("event").asString()), "closed");
    }

    private String cardOf(String dialogId) {
        return Checks.text(db, "SELECT coalesce(c.merged_into, c.id)::text AS v FROM dialog d JOIN card c ON c.id = d.card_id "
                + "WHERE d.id = '" + dialogId + "'");
    }

    private JsonNode dialogCard(Agent agent, String dialogId) {
        return Checks.body(http.get().uri("/api/dialogs/" + dialogId + "/card")
                .header("Cookie", Staff.login(port, agent.login(), Staff.PASSWORD)).exchange().expectStatus().isOk());
    }

    private static Map<String, Object> identity(String userId, String email, String name, String secret) {
        return identity(userId, email, name, secret, userId);
    }

    /** What the portal's server computes: hex(HMAC-SHA256(secret, userId + "\n" + email)); signedUser may differ. */
    private static Map<String, Object> identity(String userId, String email, String name, String secret,
            String signedUser) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            String signature = HexFormat.of().formatHex(mac.doFinal((signedUser + "\n" + email)
                    .getBytes(StandardCharsets.UTF_8)));
            Map<String, Object> identity = new LinkedHashMap<>();
            identity.put("userId", userId);
            identity.put("email", email);
            identity.put("name", name);
            identity.put("signature", signature);
            return identity;
        }
        catch (java.security.GeneralSecurityException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
