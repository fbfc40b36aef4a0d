package ru.rosdistant.gateway.card;

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
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.agent.Role;

import static org.assertj.core.api.Assertions.assertThat;

/** Regulation 4.2.1 and 4.5: cards carry the study group and the specialty, found by both; transfer statuses. */
@GatewayTest
class CardStudyFieldsTests {

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Test
    void cardIsFoundByStudyGroupAndSpecialtyAndTakesTheTransferStatuses() {
        String id = UUID.randomUUID().toString();
        String group = "ЭКб-" + (System.nanoTime() % 100000);
        db.sql("INSERT INTO card (id, kind, name) VALUES (CAST(:id AS uuid), 'LEAD', 'Орлова Мария')").bind("id", id)
                .then().block(Duration.ofSeconds(10));
        String cookie = Staff.login(port, Staff.agent(agents, "lab125", 5, Role.ADMIN).login(), Staff.PASSWORD);

        JsonNode statuses = Checks.body(Checks.http(port).get().uri("/api/cards/statuses").header("Cookie", cookie)
                .exchange().expectStatus().isOk());
        assertThat(statuses.path("transfer").valueStream().map(JsonNode::asString))
                .containsExactly("Вносит сведения (1.1)", "Проверка документов (1.2)", "Проверка документов ПК (1.3)",
                        "Студент", "Выбыл");

        JsonNode changed = Checks.body(Checks.http(port).patch().uri("/api/cards/" + id).header("Cookie", cookie)
                .bodyValue(Map.of("studyGroup", group, "specialty", "Экономика предприятия",
                        "status", "Проверка документов (1.2)"))
                .exchange().expectStatus().isOk());
        assertThat(changed.path("studyGroup").asString()).isEqualTo(group);
        assertThat(changed.path("status").asString()).isEqualTo("Проверка документов (1.2)");

        assertThat(search(cookie, group.toLowerCase())).contains(id);
        assertThat(search(cookie, "экономика предпр")).contains(id);
        Checks.http(port).patch().uri("/api/cards/" + id).header("Cookie", cookie)
                .bodyValue(Map.of("studyGroup", "x".repeat(41))).exchange().expectStatus().isBadRequest();
    }

    private java.util.List<String> search(String cookie, String query) {
        return Checks.body(Checks.http(port).get().uri(uri -> uri.path("/api/cards").queryParam("q", query).build())
                        .header("Cookie", cookie).exchange().expectStatus().isOk())
                .valueStream().map(card -> card.path("id").asString()).toList();
    }
}
