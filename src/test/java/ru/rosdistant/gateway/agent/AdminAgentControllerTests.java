package ru.rosdistant.gateway.agent;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import ru.rosdistant.gateway.GatewayTest;

import static org.assertj.core.api.Assertions.assertThat;

@GatewayTest
class AdminAgentControllerTests {

    @LocalServerPort
    int port;

    WebTestClient client;

    @BeforeEach
    void client() {
        client = WebTestClient.bindToServer().responseTimeout(java.time.Duration.ofSeconds(30)).baseUrl("http://localhost:" + port).build();
    }

    @Test
    void adminCreatesChangesAndDisablesAnAgent() {
        String login = "olga" + System.nanoTime() % 100000;
        Agent created = client.post()
                .uri("/api/admin/agents")
                .headers(headers -> headers.setBasicAuth("admin", "test-admin-password"))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("login", login, "displayName", "Ольга Ким", "password", "s3cret-pass",
                        "roles", List.of("AGENT"), "lines", List.of("student-affairs"), "maxDialogs", 3))
                .exchange()
                .expectStatus()
                .isCreated()
                .expectBody(Agent.class)
                .returnResult()
                .getResponseBody();
        assertThat(created.login()).isEqualTo(login);
        assertThat(created.passwordHash()).as("never sent back").isNull();

        client.post()
                .uri("/login")
                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .bodyValue("username=" + login + "&password=s3cret-pass")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.displayName")
                .isEqualTo("Ольга Ким");

        client.put()
                .uri("/api/admin/agents/{id}", created.id())
                .headers(headers -> headers.setBasicAuth("admin", "test-admin-password"))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("displayName", "Ольга Ким", "roles", List.of("AGENT", "DISPATCHER"), "lines",
                        List.of("dispatcher"), "maxDialogs", 4, "enabled", false))
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.enabled")
                .isEqualTo(false)
                .jsonPath("$.maxDialogs")
                .isEqualTo(4);

        client.post()
                .uri("/login")
                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .bodyValue("username=" + login + "&password=s3cret-pass")
                .exchange()
                .expectStatus()
                .isUnauthorized();
    }

    @Test
    void badAgentsAreRefusedWithProblemDetails() {
        client.post()
                .uri("/api/admin/agents")
                .headers(headers -> headers.setBasicAuth("admin", "test-admin-password"))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("login", "Bad Login!", "displayName", "", "password", "short", "roles", List.of(),
                        "lines", List.of(), "maxDialogs", 0))
                .exchange()
                .expectStatus()
                .isBadRequest();
        client.post()
                .uri("/api/admin/agents")
                .headers(headers -> headers.setBasicAuth("admin", "test-admin-password"))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("login", "nolines" + System.nanoTime() % 1000, "displayName", "X", "password",
                        "long-enough", "roles", List.of("AGENT"), "lines", List.of("no-such-line"), "maxDialogs", 1))
                .exchange()
                .expectStatus()
                .isBadRequest();
        client.put()
                .uri("/api/admin/agents/999999")
                .headers(headers -> headers.setBasicAuth("admin", "test-admin-password"))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("displayName", "X", "roles", List.of("AGENT"), "lines", List.of(), "maxDialogs", 1,
                        "enabled", true))
                .exchange()
                .expectStatus()
                .isNotFound()
                .expectHeader()
                .contentType(MediaType.APPLICATION_PROBLEM_JSON);
    }

    @Test
    void onlyAnAdminMayManageAgents() {
        client.get().uri("/api/admin/agents").exchange().expectStatus().isUnauthorized();
        String login = "plain" + System.nanoTime() % 100000;
        client.post()
                .uri("/api/admin/agents")
                .headers(headers -> headers.setBasicAuth("admin", "test-admin-password"))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("login", login, "displayName", "Plain", "password", "plain-password", "roles",
                        List.of("AGENT", "SUPERVISOR"), "lines", List.of(), "maxDialogs", 1))
                .exchange()
                .expectStatus()
                .isCreated();
        client.get()
                .uri("/api/admin/agents")
                .headers(headers -> headers.setBasicAuth(login, "plain-password"))
                .exchange()
                .expectStatus()
                .isForbidden();
        client.get()
                .uri("/api/admin/agents")
                .headers(headers -> headers.setBasicAuth("admin", "wrong"))
                .exchange()
                .expectStatus()
                .isUnauthorized();
    }
}
