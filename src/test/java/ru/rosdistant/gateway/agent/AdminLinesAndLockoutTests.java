package ru.rosdistant.gateway.agent;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;

import static org.assertj.core.api.Assertions.assertThat;

/** The ADMIN's lines overview and the guard against an administrator locking themselves out. Line lab54. */
@GatewayTest
class AdminLinesAndLockoutTests {

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Test
    void linesListTheirSitesAndTheAgentsWhoServeThem() {
        Agent agent = Staff.agent(agents, "lab54", 2);
        Agent admin = Staff.agent(agents, "lab54", 1, Role.ADMIN);
        JsonNode lines = Checks.body(Checks.http(port).get()
                .uri("/api/admin/lines")
                .headers(headers -> headers.setBasicAuth(admin.login(), Staff.PASSWORD))
                .exchange()
                .expectStatus().isOk());
        JsonNode lab54 = null;
        for (JsonNode line : lines) {
            if (line.path("id").asString().equals("lab54")) {
                lab54 = line;
            }
        }
        assertThat(lab54).isNotNull();
        assertThat(lab54.path("name").asString()).isEqualTo("Lab line 54");
        assertThat(lab54.path("sites").get(0).path("id").asString()).isEqualTo("lab54");
        assertThat(lab54.path("sites").get(0).path("mailbox").asString()).isEqualTo("lab54@test");
        List<String> logins = new java.util.ArrayList<>();
        for (JsonNode serving : lab54.path("agents")) {
            logins.add(serving.path("login").asString());
        }
        assertThat(logins).contains(agent.login());

        Checks.http(port).get()
                .uri("/api/admin/lines")
                .headers(headers -> headers.setBasicAuth(agent.login(), Staff.PASSWORD))
                .exchange()
                .expectStatus().isForbidden();
    }

    @Test
    void anAdministratorCannotDisableThemselvesNorDropTheirOwnAdminRole() {
        Agent admin = Staff.agent(agents, "lab54", 2, Role.ADMIN);
        Agent other = Staff.agent(agents, "lab54", 2, Role.ADMIN);
        WebTestClient http = Checks.http(port);
        for (Map<String, Object> change : List.of(
                change(List.of("AGENT", "ADMIN"), false),
                change(List.of("AGENT"), true))) {
            JsonNode problem = Checks.body(http.put()
                    .uri("/api/admin/agents/{id}", admin.id())
                    .headers(headers -> headers.setBasicAuth(admin.login(), Staff.PASSWORD))
                    .contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(change)
                    .exchange()
                    .expectStatus().isEqualTo(409));
            assertThat(problem.path("detail").asString()).contains("your own");
        }
        Agent unchanged = agents.byId(admin.id()).block(Duration.ofSeconds(10));
        assertThat(unchanged.enabled()).isTrue();
        assertThat(unchanged.roles()).contains(Role.ADMIN);

        // Another administrator may.
        http.put()
                .uri("/api/admin/agents/{id}", admin.id())
                .headers(headers -> headers.setBasicAuth(other.login(), Staff.PASSWORD))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(change(List.of("AGENT"), false))
                .exchange()
                .expectStatus().isOk();
        assertThat(agents.byId(admin.id()).block(Duration.ofSeconds(10)).enabled()).isFalse();
    }

    private static Map<String, Object> change(List<String> roles, boolean enabled) {
        return Map.of("displayName", "Админ лаборатории", "roles", roles, "lines", List.of("lab54"), "maxDialogs", 2,
                "enabled", enabled);
    }
}
