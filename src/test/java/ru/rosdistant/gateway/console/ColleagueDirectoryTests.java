package ru.rosdistant.gateway.console;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.test.web.reactive.server.WebTestClient;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.WsClient;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;

import static org.assertj.core.api.Assertions.assertThat;

/** (Line lab30 is this class's own.) The forward picker's list: lines and enabled colleagues with their presence, for logged-in staff only. */
@GatewayTest
class ColleagueDirectoryTests {

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Test
    void listsLinesAndColleaguesWithTheirPresence() {
        Agent me = Staff.agent(agents, "lab30", 2);
        Agent colleague = Staff.agent(agents, "lab30", 2);
        try (WsClient online = Staff.online(port, colleague)) {
            Map<String, Object> body = client().get()
                    .uri("/api/console/directory")
                    .headers(headers -> headers.setBasicAuth(me.login(), Staff.PASSWORD))
                    .exchange()
                    .expectStatus()
                    .isOk()
                    .expectBody(new ParameterizedTypeReference<Map<String, Object>>() {
                    })
                    .returnResult()
                    .getResponseBody();
            assertThat(body).isNotNull();
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> lines = (List<Map<String, Object>>) body.get("lines");
            assertThat(lines).contains(Map.of("id", "lab30", "name", "Lab line 30"));
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> staff = (List<Map<String, Object>>) body.get("agents");
            Map<String, Object> entry = staff.stream()
                    .filter(agent -> ((Number) agent.get("id")).longValue() == colleague.id())
                    .findFirst()
                    .orElseThrow();
            assertThat(entry).containsEntry("displayName", colleague.displayName())
                    .containsEntry("lines", List.of("lab30"))
                    .containsEntry("presence", "ONLINE")
                    .doesNotContainKeys("login", "passwordHash", "roles");
        }
    }

    @Test
    void refusesAnonymousCallers() {
        client().get().uri("/api/console/directory").exchange().expectStatus().isUnauthorized();
    }

    private WebTestClient client() {
        return WebTestClient.bindToServer().responseTimeout(Duration.ofSeconds(30)).baseUrl("http://localhost:" + port).build();
    }
}
