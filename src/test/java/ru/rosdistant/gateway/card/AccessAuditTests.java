package ru.rosdistant.gateway.card;

import java.time.Duration;

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
import ru.rosdistant.gateway.agent.Role;

import static org.assertj.core.api.Assertions.assertThat;

/** Every read of personal data is on the audit record, searches with their query; an ADMIN pages through it. */
@GatewayTest
class AccessAuditTests {

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Test
    void everySearchAndReadIsOnTheAuditRecordWhichAnAdminPagesThrough() {
        WebTestClient http = Checks.http(port);
        String name = "Аудит" + System.nanoTime();
        String cardId = java.util.UUID.randomUUID().toString();
        db.sql("INSERT INTO card (id, kind, name) VALUES (CAST(:id AS uuid), 'LEAD', :name)")
                .bind("id", cardId).bind("name", name).then().block(Duration.ofSeconds(10));
        db.sql("INSERT INTO offline_form (id, site_id, card_id, name, email, question, consent_at) VALUES ("
                        + "gen_random_uuid(), 'lab82', CAST(:card AS uuid), :name, 'a@example.ru', 'Вопрос', now())")
                .bind("card", cardId).bind("name", name).then().block(Duration.ofSeconds(10));
        Agent agent = Staff.agent(agents, "lab82", 5);
        String cookie = Staff.login(port, agent.login(), Staff.PASSWORD);

        Checks.body(http.get().uri("/api/cards?q=" + name).header("Cookie", cookie).exchange().expectStatus().isOk());
        Checks.body(http.get().uri("/api/cards?q=nobody-" + name).header("Cookie", cookie).exchange().expectStatus()
                .isOk());
        Checks.body(http.get().uri("/api/cards/" + cardId).header("Cookie", cookie).exchange().expectStatus().isOk());

        http.get().uri("/api/admin/audit").header("Cookie", cookie).exchange().expectStatus().isForbidden()
                .expectBody().returnResult();
        String admin = Staff.login(port, Staff.agent(agents, "lab82", 5, Role.ADMIN).login(), Staff.PASSWORD);
        JsonNode page = Checks.body(http.get().uri("/api/admin/audit?size=2&agentId=" + agent.id())
                .header("Cookie", admin).exchange().expectStatus().isOk());
        assertThat(page.path("entries").size()).isEqualTo(2);
        JsonNode read = page.path("entries").get(0);
        assertThat(read.path("action").asString()).isEqualTo("READ");
        assertThat(read.path("agentLogin").asString()).isEqualTo(agent.login());
        assertThat(read.path("cardIds").get(0).asString()).isEqualTo(cardId);
        assertThat(read.path("at").isMissingNode()).isFalse();
        JsonNode empty = page.path("entries").get(1);
        assertThat(empty.path("action").asString()).isEqualTo("SEARCH");
        assertThat(empty.path("query").asString()).isEqualTo("nobody-" + name);
        assertThat(empty.path("cardIds").size()).isZero();

        JsonNode next = Checks.body(http.get().uri("/api/admin/audit?size=2&agentId=" + agent.id() + "&before="
                + page.path("next").asLong()).header("Cookie", admin).exchange().expectStatus().isOk());
        assertThat(next.path("entries").size()).isEqualTo(1);
        assertThat(next.path("entries").get(0).path("query").asString()).isEqualTo(name);
        assertThat(next.path("entries").get(0).path("cardIds").get(0).asString()).isEqualTo(cardId);
        assertThat(next.path("next").isNull()).isTrue();
        JsonNode byCard = Checks.body(http.get().uri("/api/admin/audit?cardId=" + cardId).header("Cookie", admin)
                .exchange().expectStatus().isOk());
        assertThat(byCard.path("entries").size()).isEqualTo(2);
        http.get().uri("/api/admin/audit?size=0").header("Cookie", admin).exchange().expectStatus().isBadRequest();
    }
}
