package ru.rosdistant.gateway.agent;

import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpStatus;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.WsClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an administrator changes about an agent holds at once for what the agent has open: a disabled agent or one
 * whose password changed is logged out everywhere (cookies and sockets), a demoted one keeps their session but
 * loses the role with their next request; a logout ends that one session and the sockets opened with it.
 */
@GatewayTest
class AccountChangeTests {

    /** the socket close code of a session that ended (docs/protocol.md) */
    static final int SESSION_ENDED = 4401;

    /** the socket close code of an account whose rights changed: reconnect */
    static final int ACCOUNT_CHANGED = 4409;

    /** "within a second", with room for a loaded machine's scheduling */
    static final Duration SOON = Duration.ofSeconds(3);

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Test
    void disablingAnAgentEndsTheirSessionsAndClosesTheirSockets() {
        Agent agent = Staff.agent(agents, "lab21", 1);
        String first = Staff.login(port, agent.login(), Staff.PASSWORD);
        String second = Staff.login(port, agent.login(), Staff.PASSWORD);
        try (WsClient console = WsClient.agent(port, first)) {
            console.awaitType("welcome");
            me(first, HttpStatus.OK);

            change(agent, agent.roles(), false, null);

            assertThat(console.awaitClose(SOON)).isEqualTo(SESSION_ENDED);
            assertThat(console.closeReason()).isNotBlank();
            me(first, HttpStatus.UNAUTHORIZED);
            me(second, HttpStatus.UNAUTHORIZED);
        }
    }

    @Test
    void changingThePasswordEndsTheSessions() {
        Agent agent = Staff.agent(agents, "lab21", 1);
        String cookie = Staff.login(port, agent.login(), Staff.PASSWORD);
        try (WsClient console = WsClient.agent(port, cookie)) {
            console.awaitType("welcome");

            change(agent, agent.roles(), true, "a-new-password-1");

            assertThat(console.awaitClose(SOON)).isEqualTo(SESSION_ENDED);
            me(cookie, HttpStatus.UNAUTHORIZED);
            Staff.login(port, agent.login(), "a-new-password-1");
        }
    }

    @Test
    void aDemotedSupervisorLosesTheRoleWithTheNextRequest() {
        Agent agent = Staff.agent(agents, "lab21", 1, Role.SUPERVISOR);
        String cookie = Staff.login(port, agent.login(), Staff.PASSWORD);
        client().get().uri("/api/supervisor/outbox").header("Cookie", cookie).exchange().expectStatus().isOk();
        try (WsClient console = WsClient.agent(port, cookie)) {
            console.awaitType("welcome");

            change(agent, EnumSet.of(Role.AGENT), true, null);

            assertThat(console.awaitClose(SOON)).isEqualTo(ACCOUNT_CHANGED);
            client().get().uri("/api/supervisor/outbox").header("Cookie", cookie).exchange()
                    .expectStatus().isForbidden();
            me(cookie, HttpStatus.OK).expectBody().jsonPath("$.roles.length()").isEqualTo(1);
            try (WsClient again = WsClient.agent(port, cookie)) {
                assertThat(again.awaitType("welcome").path("agent").path("roles").toString()).isEqualTo("[\"AGENT\"]");
            }
        }
    }

    @Test
    void aLogoutEndsThatSessionAndClosesItsSocketsOnly() {
        Agent agent = Staff.agent(agents, "lab21", 1);
        String leaving = Staff.login(port, agent.login(), Staff.PASSWORD);
        String staying = Staff.login(port, agent.login(), Staff.PASSWORD);
        try (WsClient closing = WsClient.agent(port, leaving); WsClient open = WsClient.agent(port, staying)) {
            closing.awaitType("welcome");
            open.awaitType("welcome");

            client().post().uri("/logout").header("Cookie", leaving).exchange().expectStatus().isOk();

            assertThat(closing.awaitClose(SOON)).isEqualTo(SESSION_ENDED);
            me(leaving, HttpStatus.UNAUTHORIZED);
            me(staying, HttpStatus.OK);
            open.send("{\"type\":\"ping\"}");
            open.awaitType("pong");
        }
    }

    /**
     * A change another node made (it reaches PostgreSQL, not this node's events): the socket here closes within about
     * a second all the same, and the session's next request here is refused.
     */
    @Test
    void aChangeMadeOnAnotherNodeClosesTheSocketsHereToo() {
        Agent agent = Staff.agent(agents, "lab21", 1);
        String cookie = Staff.login(port, agent.login(), Staff.PASSWORD);
        try (WsClient console = WsClient.agent(port, cookie)) {
            console.awaitType("welcome");
            me(cookie, HttpStatus.OK);

            db.sql("UPDATE agent SET enabled = false, security_stamp = security_stamp + 1 WHERE id = :id")
                    .bind("id", agent.id())
                    .then()
                    .block(Duration.ofSeconds(10));

            assertThat(console.awaitClose(SOON)).isEqualTo(SESSION_ENDED);
            Checks.eventually(() -> client().get().uri("/api/me").header("Cookie", cookie).exchange()
                    .returnResult(String.class).getStatus().value() == 401 ? true : null, "the session refused");
        }
    }

    private void change(Agent agent, Set<Role> roles, boolean enabled, String password) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("displayName", agent.displayName());
        body.put("roles", roles);
        body.put("lines", agent.lines());
        body.put("maxDialogs", agent.maxDialogs());
        body.put("enabled", enabled);
        body.put("password", password);
        client().put()
                .uri("/api/admin/agents/" + agent.id())
                .headers(headers -> headers.setBasicAuth("admin", "test-admin-password"))
                .bodyValue(body)
                .exchange()
                .expectStatus()
                .isOk();
    }

    private WebTestClient client() {
        return WebTestClient.bindToServer().responseTimeout(Duration.ofSeconds(30))
                .baseUrl("http://localhost:" + port)
                .build();
    }

    private WebTestClient.ResponseSpec me(String cookie, HttpStatus expected) {
        return client().get().uri("/api/me").header("Cookie", cookie).exchange().expectStatus().isEqualTo(expected);
    }
}
