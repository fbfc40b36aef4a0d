package ru.rosdistant.gateway.system;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.web.reactive.server.WebTestClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.WsClient;

import static org.assertj.core.api.Assertions.assertThat;

@GatewayTest
class OperationsTests {

    @LocalServerPort
    int port;

    @Test
    void healthProbesIncludeTheDatabase() {
        WebTestClient client = WebTestClient.bindToServer().responseTimeout(java.time.Duration.ofSeconds(30)).baseUrl("http://localhost:" + port).build();
        client.get().uri("/actuator/health/liveness").exchange().expectStatus().isOk();
        client.get()
                .uri("/actuator/health/readiness")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.status")
                .isEqualTo("UP");
    }

    @Test
    void prometheusReportsConnectionsMessagesAndOpenDialogs() {
        WebTestClient client = WebTestClient.bindToServer().responseTimeout(java.time.Duration.ofSeconds(30)).baseUrl("http://localhost:" + port).build();
        try (WsClient visitor = WsClient.visitor(port, "lab6", "https://lab6.test")) {
            visitor.send("{\"type\":\"hello\"}");
            visitor.awaitType("welcome");
            String body = Checks.prometheus(client, Checks::admin);
            assertThat(body).contains("gateway_connections{side=\"visitor\"}")
                    .contains("gateway_messages_in_total{side=\"visitor\"}")
                    .contains("gateway_messages_out_total{side=\"agent\"}")
                    .contains("gateway_dialogs_open");
            assertThat(Checks.series(body, "gateway_connections\\{side=\"visitor\"}").orElse(0))
                    .as("visitors connected")
                    .isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void demoPagesAndConsoleAreServed() {
        WebTestClient client = WebTestClient.bindToServer().responseTimeout(java.time.Duration.ofSeconds(30)).baseUrl("http://localhost:" + port).build();
        client.get().uri("/").exchange().expectStatus().isOk();
        client.get().uri("/console").exchange().expectStatus().isOk();
        client.get().uri("/widget/widget.js").exchange().expectStatus().isOk();
        client.get()
                .uri("/api/sites")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$[0].id")
                .isEqualTo("applicant");
    }
}
