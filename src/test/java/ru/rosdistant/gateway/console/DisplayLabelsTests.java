package ru.rosdistant.gateway.console;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;

import static org.assertj.core.api.Assertions.assertThat;

/** Screens show names, not codes: the labels of every code the API gives, in Russian and English. */
@GatewayTest
class DisplayLabelsTests {

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Test
    void theCodesOfCardsAndDialogsHaveNamesInRussianAndEnglish() {
        Agent agent = Staff.agent(agents, "lab103", 1);
        JsonNode ru = Checks.body(Checks.http(port).get().uri("/api/labels?lang=ru")
                .headers(headers -> headers.setBasicAuth(agent.login(), Staff.PASSWORD))
                .exchange().expectStatus().isOk());
        assertThat(ru.path("cardStatus").path("NEW").asString()).isEqualTo("Новый");
        assertThat(ru.path("appealType").path("SERVICE_REQUEST").asString()).isEqualTo("Запрос на обслуживание");
        assertThat(ru.path("cardKind").path("LEAD").asString()).isEqualTo("Лид");
        assertThat(ru.path("channel").path("TELEGRAM").asString()).isEqualTo("Telegram");
        assertThat(ru.path("dialogLeft").path("taken_over").asString()).isEqualTo("Забран руководителем");
        JsonNode en = Checks.body(Checks.http(port).get().uri("/api/labels?lang=en")
                .headers(headers -> headers.setBasicAuth(agent.login(), Staff.PASSWORD))
                .exchange().expectStatus().isOk());
        assertThat(en.path("cardStatus").path("NEW").asString()).isEqualTo("New");
        assertThat(en.properties().stream().map(java.util.Map.Entry::getKey).toList())
                .as("the same groups in both languages")
                .isEqualTo(ru.properties().stream().map(java.util.Map.Entry::getKey).toList());

        Checks.http(port).get().uri("/api/labels?lang=de")
                .headers(headers -> headers.setBasicAuth(agent.login(), Staff.PASSWORD))
                .exchange().expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith("application/problem+json");
        Checks.http(port).get().uri("/api/labels").exchange().expectStatus().isUnauthorized();
    }
}
