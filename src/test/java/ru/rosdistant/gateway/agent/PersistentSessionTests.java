package ru.rosdistant.gateway.agent;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.security.authentication.AuthenticationServiceException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.userdetails.ReactiveUserDetailsService;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.server.WebSession;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.WsClient;

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

    @Autowired
    ReactiveUserDetailsService users;

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

    /**
     * A log-in stores its session's record before its answer begins, so the answer's commit (where Spring saves a
     * session) has nothing left to wait for: a database that stops answering then cannot hold the login.
     */
    @Test
    void aLogInIsStoredBeforeItsAnswerBegins() {
        MockServerWebExchange exchange = loginExchange();
        WebSession session = exchange.getSession().block(Duration.ofSeconds(10));

        sessions.logIn(exchange, authenticated(Staff.agent(agents, "lab68", 1)))
                .as(StepVerifier::create)
                .verifyComplete();

        assertThat(exchange.getResponse().isCommitted()).as("answered").isFalse();
        assertThat(records("SESSION=" + session.getId())).isEqualTo(1);
        assertThat(session.getAttributes()).containsKey(PersistentWebSessions.CONTEXT);
    }

    /**
     * The request bound answered 503 while the record was being written (web.RequestTimeout): the client never got
     * the session's id, so the log-in fails and leaves nothing behind, neither a logged-in session nor its record.
     */
    @Test
    void aLogInAnsweredBeforeItsSessionWasStoredLeavesNoSessionBehind() {
        MockServerWebExchange exchange = loginExchange();
        WebSession session = exchange.getSession().block(Duration.ofSeconds(10));
        exchange.getResponse().setStatusCode(HttpStatus.SERVICE_UNAVAILABLE);
        exchange.getResponse().setComplete().block(Duration.ofSeconds(10));

        sessions.logIn(exchange, authenticated(Staff.agent(agents, "lab68", 1)))
                .as(StepVerifier::create)
                .expectError(AuthenticationServiceException.class)
                .verify(Duration.ofSeconds(10));

        assertThat(records("SESSION=" + session.getId())).as("the record written after the answer").isZero();
        assertThat(session.getAttributes()).doesNotContainKey(PersistentWebSessions.CONTEXT);
        assertThat(session.isStarted()).isFalse();
    }

    /**
     * One account cannot fill the session store: past gateway.login.sessions-per-login (10) its oldest session ends,
     * every log-in still succeeds, and other agents still log in.
     */
    @Test
    void theOldestSessionOfALoginEndsPastItsCapAndOthersStillLogIn() {
        Agent agent = Staff.agent(agents, "lab21", 1);
        java.util.List<String> cookies = new java.util.ArrayList<>();
        for (int i = 0; i < 11; i++) {
            cookies.add(Staff.login(port, agent.login(), Staff.PASSWORD));
        }
        me(cookies.get(0), HttpStatus.UNAUTHORIZED);
        assertThat(records(cookies.get(0))).as("its record went too").isZero();
        for (String cookie : cookies.subList(1, 11)) {
            me(cookie, HttpStatus.OK);
        }
        Agent other = Staff.agent(agents, "lab21", 1);
        me(Staff.login(port, other.login(), Staff.PASSWORD), HttpStatus.OK);
        sessions.forgetInMemory();
        me(cookies.get(0), HttpStatus.UNAUTHORIZED);
        me(cookies.get(10), HttpStatus.OK);
    }

    /**
     * A store holding {@code max-sessions} makes room for a new session by ending the one unused the longest, rather
     * than failing the request (Spring's in-memory store's "Max sessions limit reached", a 500).
     */
    @Test
    void aFullStoreEndsTheLeastRecentlyUsedSessionInsteadOfFailing() {
        PersistentWebSessions small = new PersistentWebSessions(db, users, Duration.ofHours(12), 2,
                new LoginProperties(5, 20, Duration.ofMinutes(5), Duration.ofMinutes(5), 10), event -> { });
        WebSession first = started(small);
        WebSession second = started(small);
        small.retrieveSession(second.getId()).block(Duration.ofSeconds(10));

        WebSession third = small.createWebSession().block(Duration.ofSeconds(10));
        third.getAttributes().put("x", "y");
        third.save().as(StepVerifier::create).verifyComplete();

        assertThat(small.retrieveSession(first.getId()).blockOptional(Duration.ofSeconds(10))).isEmpty();
        assertThat(small.retrieveSession(second.getId()).blockOptional(Duration.ofSeconds(10))).containsSame(second);
        assertThat(small.retrieveSession(third.getId()).blockOptional(Duration.ofSeconds(10))).containsSame(third);
    }

    private static WebSession started(PersistentWebSessions store) {
        WebSession session = store.createWebSession().block(Duration.ofSeconds(10));
        session.getAttributes().put("x", "y");
        session.save().block(Duration.ofSeconds(10));
        return session;
    }

    /** An anonymous request is given no session: nobody but a logged-in agent can add to the session store. */
    @Test
    void anAnonymousPageRequestLeavesNoSession() {
        client().get().uri("/api/me").header("Accept", "text/html").exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().doesNotExist("Set-Cookie");
    }

    @Test
    void anUnknownCookieIsNotASession() {
        me("SESSION=" + "x".repeat(32), HttpStatus.UNAUTHORIZED);
        me("SESSION=" + "y".repeat(5000), HttpStatus.UNAUTHORIZED);
    }

    private MockServerWebExchange loginExchange() {
        return MockServerWebExchange.builder(MockServerHttpRequest.post("/login"))
                .session(sessions.createWebSession().block(Duration.ofSeconds(10)))
                .build();
    }

    private Authentication authenticated(Agent agent) {
        UserDetails user = users.findByUsername(agent.login()).block(Duration.ofSeconds(10));
        return UsernamePasswordAuthenticationToken.authenticated(user, null, user.getAuthorities());
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
