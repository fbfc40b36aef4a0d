package ru.rosdistant.gateway.web;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.agent.Role;
import ru.rosdistant.gateway.card.Card;
import ru.rosdistant.gateway.card.Cards;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Requests a client got wrong — a header that cannot be parsed, text PostgreSQL cannot hold, a body too large, a
 * reference to nothing — are answered with a 4xx and a problem body, never a 500.
 */
@GatewayTest
class BadRequestProblemsTests {

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

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
    void aMalformedUploadContentTypeIsABadRequest() throws Exception {
        // WebTestClient parses the header itself: the JDK client sends it as it is
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                        "http://localhost:" + port + "/api/widget/files?site=main&dialogId=" + UUID.randomUUID()
                                + "&clientMsgId=c1&name=a.txt"))
                        .header(HttpHeaders.CONTENT_TYPE, "text/;;;=\"")
                        .timeout(Duration.ofSeconds(30))
                        .POST(HttpRequest.BodyPublishers.ofString("hello"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertProblem(answer.statusCode(), answer.headers().firstValue(HttpHeaders.CONTENT_TYPE).orElse(null),
                answer.body(), 400);
    }

    /** A login with U+0000 is a wrong password like any other (401, counted by the login throttle), not a 500. */
    @Test
    void aNulInABasicLoginIsRefusedNotAFiveHundred() {
        String credentials = Base64.getEncoder().encodeToString("ad\u0000min:x".getBytes(StandardCharsets.UTF_8));
        EntityExchangeResult<byte[]> answer = http.get()
                .uri("/api/me")
                .header(HttpHeaders.AUTHORIZATION, "Basic " + credentials)
                .exchange()
                .expectBody()
                .returnResult();
        assertProblem(answer, 401);
    }

    @Test
    void aNulInARestFieldIsABadRequest() {
        Agent admin = Staff.agent(agents, "lab21", 1, Role.ADMIN);
        EntityExchangeResult<byte[]> answer = http.post()
                .uri("/api/admin/agents")
                .headers(headers -> headers.setBasicAuth(admin.login(), Staff.PASSWORD))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("login", "nul" + System.nanoTime() % 100000, "displayName", "Ну\u0000ль",
                        "password", "s3cret-pass", "roles", List.of("AGENT"), "lines", List.of("lab21"),
                        "maxDialogs", 3))
                .exchange()
                .expectBody()
                .returnResult();
        assertProblem(answer, 400);
    }

    @Test
    void aNulInACardSearchIsABadRequest() {
        Agent agent = Staff.agent(agents, "lab36", 1);
        String cookie = Staff.login(port, agent.login(), Staff.PASSWORD);
        EntityExchangeResult<byte[]> answer = http.get()
                .uri("/api/cards?q={q}", "ab\u0000cd")
                .header("Cookie", cookie)
                .exchange()
                .expectBody()
                .returnResult();
        assertProblem(answer, 400);
    }

    @Test
    void aMegabyteLoginFormIsTooLarge() {
        EntityExchangeResult<byte[]> answer = http.post()
                .uri("/login")
                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .bodyValue("username=x&password=" + "a".repeat(1_000_000))
                .exchange()
                .expectBody()
                .returnResult();
        assertProblem(answer, 413);
    }

    @Test
    void anUnknownResponsibleAgentIsRefusedNamingTheField() {
        // an ADMIN: a lead with no dialog yet lies in no agent's lines
        Agent agent = Staff.agent(agents, "lab36", 1, Role.ADMIN);
        String cookie = Staff.login(port, agent.login(), Staff.PASSWORD);
        Card card = tx.transactional(cards.findOrCreateLead("Нет Ответственного",
                "nobody" + System.nanoTime() + "@example.ru", null, "lab36")).block(Duration.ofSeconds(10));
        EntityExchangeResult<byte[]> answer = http.patch()
                .uri("/api/cards/" + card.id())
                .header("Cookie", cookie)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("responsibleAgentId", 987_654_321L))
                .exchange()
                .expectBody()
                .returnResult();
        // checked before the database: a 400 that names the field (the card screen shows it beside the field)
        assertProblem(answer, 400);
        assertThat(new String(answer.getResponseBody(), java.nio.charset.StandardCharsets.UTF_8))
                .contains("\"responsibleAgentId\"");
    }

    @Test
    void anOversizedPatchIsTooLarge() {
        Agent agent = Staff.agent(agents, "lab36", 1);
        String cookie = Staff.login(port, agent.login(), Staff.PASSWORD);
        Card card = tx.transactional(cards.findOrCreateLead("Большой Патч",
                "big" + System.nanoTime() + "@example.ru", null, "lab36")).block(Duration.ofSeconds(10));
        EntityExchangeResult<byte[]> answer = http.patch()
                .uri("/api/cards/" + card.id())
                .header("Cookie", cookie)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("name", "Я".repeat(600_000)))
                .exchange()
                .expectBody()
                .returnResult();
        assertProblem(answer, 413);
    }

    private static void assertProblem(EntityExchangeResult<byte[]> answer, int status) {
        MediaType type = answer.getResponseHeaders().getContentType();
        assertProblem(answer.getStatus().value(), type == null ? null : type.toString(),
                answer.getResponseBody() == null ? "" : new String(answer.getResponseBody(), StandardCharsets.UTF_8),
                status);
    }

    private static void assertProblem(int answered, String type, String body, int status) {
        assertThat(answered).as(body).isEqualTo(status);
        assertThat(type).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        JsonNode problem = tools.jackson.databind.json.JsonMapper.builder().build().readTree(body);
        assertThat(problem.path("status").asInt()).isEqualTo(status);
        assertThat(problem.path("detail").asString()).isNotBlank();
    }
}
