package ru.rosdistant.gateway.system;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpStatus;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.WsClient;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentChange;
import ru.rosdistant.gateway.agent.AgentDirectory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console's session outlives the process (the crash drill, docs/reliability.md): a new process knows only
 * what is in PostgreSQL, which {@link PersistentWebSessions#forgetInMemory()} reproduces in the shared gateway.
 */
@GatewayTest
class PersistentSessionTests {

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    PersistentWebSessions sessions;

    @Autowired
    DatabaseClient db;

    @Test
    void aConsoleSessionSurvivesARestart() {
        Agent agent = Staff.agent(agents, "lab21", 1);
        String cookie = Staff.login(port, agent.login(), Staff.PASSWORD);
        me(cookie, HttpStatus.OK);
        assertThat(records(cookie)).as("only the hash of the session id is stored").isEqualTo(1);

        sessions.forgetInMemory();

        me(cookie, HttpStatus.OK).expectBody().jsonPath("$.login").isEqualTo(agent.login());
        try (WsClient console = WsClient.agent(port, cookie)) {
            assertThat(console.awaitType("welcome").path("agent").path("login").asString()).isEqualTo(agent.login());
        }
    }

    @Test
    void logoutEndsTheSessionForANewProcessToo() {
        Agent agent = Staff.agent(agents, "lab21", 1);
        String cookie = Staff.login(port, agent.login(), Staff.PASSWORD);
        client().post().uri("/logout").header("Cookie", cookie).exchange().expectStatus().isOk();
        assertThat(records(cookie)).isZero();
        sessions.forgetInMemory();
        me(cookie, HttpStatus.UNAUTHORIZED);
    }

    @Test
    void twoLoginsAreTwoSessions() {
        Agent agent = Staff.agent(agents, "lab21", 1);
        String first = Staff.login(port, agent.login(), Staff.PASSWORD);
        String second = Staff.login(port, agent.login(), Staff.PASSWORD);
        assertThat(records(first)).isEqualTo(1);
        assertThat(records(second)).isEqualTo(1);
        sessions.forgetInMemory();
        me(first, HttpStatus.OK);
        me(second, HttpStatus.OK);
    }

    @Test
    void aLoginOnAnExistingSessionGetsANewIdAndTheOldOneIsGone() {
        Agent agent = Staff.agent(agents, "lab21", 1);
        String old = Staff.login(port, agent.login(), Staff.PASSWORD);
        String fresh = client().post().uri("/login").header("Cookie", old)
                .contentType(org.springframework.http.MediaType.APPLICATION_FORM_URLENCODED)
                .bodyValue("username=" + agent.login() + "&password=" + Staff.PASSWORD)
                .exchange()
                .expectStatus().isOk()
                .returnResult(String.class)
                .getResponseCookies()
                .getFirst("SESSION")
                .getValue();
        assertThat("SESSION=" + fresh).isNotEqualTo(old);
        assertThat(records(old)).as("the record follows the new id").isZero();
        assertThat(records("SESSION=" + fresh)).isEqualTo(1);
        sessions.forgetInMemory();
        me(old, HttpStatus.UNAUTHORIZED);
        me("SESSION=" + fresh, HttpStatus.OK);
    }

    @Test
    void aDisabledAgentIsNotRestored() {
        Agent agent = Staff.agent(agents, "lab21", 1);
        String cookie = Staff.login(port, agent.login(), Staff.PASSWORD);
        agents.update(agent.id(), new AgentChange(agent.displayName(), agent.roles(), agent.lines(), agent.maxDialogs(),
                false, null)).block(Duration.ofSeconds(10));
        sessions.forgetInMemory();
        me(cookie, HttpStatus.UNAUTHORIZED);
        assertThat(records(cookie)).as("the record of a session that cannot come back is removed").isZero();
    }

    @Test
    void aSessionIdleForLongerThanTheTimeoutIsNotRestored() {
        Agent agent = Staff.agent(agents, "lab21", 1);
        String cookie = Staff.login(port, agent.login(), Staff.PASSWORD);
        db.sql("UPDATE agent_session SET last_seen = now() - interval '13 hours' WHERE id_hash = :hash")
                .bind("hash", PersistentWebSessions.hash(idOf(cookie)))
                .then()
                .block(Duration.ofSeconds(10));
        sessions.forgetInMemory();
        me(cookie, HttpStatus.UNAUTHORIZED);
        assertThat(records(cookie)).isZero();
    }

    @Test
    void anUnknownCookieIsNotASession() {
        me("SESSION=" + "x".repeat(32), HttpStatus.UNAUTHORIZED);
        me("SESSION=" + "y".repeat(5000), HttpStatus.UNAUTHORIZED);
    }

    private WebTestClient client() {
        return WebTestClient.bindToServer().responseTimeout(Duration.ofSeconds(30))
                .baseUrl("http://localhost:" + port)
                .build();
    }

    private WebTestClient.ResponseSpec me(String cookie, HttpStatus expected) {
        return client().get().uri("/api/me").header("Cookie", cookie).exchange().expectStatus().isEqualTo(expected);
    }

    private static String idOf(String cookie) {
        return cookie.substring(cookie.indexOf('=') + 1);
    }

    private long records(String cookie) {
        return db.sql("SELECT count(*) AS n FROM agent_session WHERE id_hash = :hash")
                .bind("hash", PersistentWebSessions.hash(idOf(cookie)))
                .map(row -> row.get("n", Long.class))
                .one()
                .block(Duration.ofSeconds(10));
    }
}
