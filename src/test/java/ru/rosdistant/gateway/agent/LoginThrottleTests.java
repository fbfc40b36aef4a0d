package ru.rosdistant.gateway.agent;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;

import static org.assertj.core.api.Assertions.assertThat;

@GatewayTest
class LoginThrottleTests {

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Test
    void repeatedFailuresLockTheLoginButNotOthers() {
        Agent target = Staff.agent(agents, "lab21", 1);
        Agent bystander = Staff.agent(agents, "lab21", 1);
        for (int i = 0; i < 5; i++) {
            login(target.login(), "wrong-" + i, HttpStatus.UNAUTHORIZED);
        }
        login(target.login(), Staff.PASSWORD, HttpStatus.TOO_MANY_REQUESTS);
        login(bystander.login(), Staff.PASSWORD, HttpStatus.OK);
    }

    @Test
    void successResetsTheCount() {
        Agent agent = Staff.agent(agents, "lab21", 1);
        for (int i = 0; i < 4; i++) {
            login(agent.login(), "wrong-" + i, HttpStatus.UNAUTHORIZED);
        }
        login(agent.login(), Staff.PASSWORD, HttpStatus.OK);
        for (int i = 0; i < 4; i++) {
            login(agent.login(), "wrong-again-" + i, HttpStatus.UNAUTHORIZED);
        }
        login(agent.login(), Staff.PASSWORD, HttpStatus.OK);
    }

    /**
     * The throttle's own answers — a locked login's 429, an unreadable form's 400 — carry the security headers of
     * the login's other answers (it runs in the security chain, after the header writer).
     */
    @Test
    void theThrottlesAnswersCarryTheSecurityHeaders() {
        Agent agent = Staff.agent(agents, "lab21", 1);
        HttpHeaders wrongPassword = null;
        for (int i = 0; i < 5; i++) {
            wrongPassword = login(agent.login(), "wrong-" + i, HttpStatus.UNAUTHORIZED);
        }
        HttpHeaders locked = login(agent.login(), Staff.PASSWORD, HttpStatus.TOO_MANY_REQUESTS);
        HttpHeaders unreadable = post("username=%zz&password=x", HttpStatus.BAD_REQUEST);
        Map<String, List<String>> expected = new TreeMap<>();
        for (String name : List.of(HttpHeaders.CACHE_CONTROL, HttpHeaders.PRAGMA, HttpHeaders.EXPIRES,
                "X-Content-Type-Options", "X-Frame-Options", "X-XSS-Protection", "Referrer-Policy",
                "Content-Security-Policy", "Cross-Origin-Opener-Policy")) {
            if (wrongPassword.get(name) != null) {
                expected.put(name, wrongPassword.get(name));
            }
        }
        assertThat(expected).containsKeys("X-Frame-Options", "X-Content-Type-Options", HttpHeaders.CACHE_CONTROL);
        for (HttpHeaders answer : List.of(locked, unreadable)) {
            expected.forEach((name, values) -> assertThat(answer.get(name)).as(name).isEqualTo(values));
        }
    }

    /**
     * HTTP Basic is another way to present a password: it counts towards the same lock as the form login, and a
     * locked login is refused (429, Retry-After, the security headers) even with the right password, on either way.
     */
    @Test
    void basicPasswordGuessingIsThrottledAsTheFormLoginIs() {
        Agent admin = Staff.agent(agents, "lab21", 1, Role.ADMIN);
        for (int i = 0; i < 5; i++) {
            basic(admin.login(), "wrong-" + i, HttpStatus.UNAUTHORIZED);
        }
        HttpHeaders locked = basic(admin.login(), Staff.PASSWORD, HttpStatus.TOO_MANY_REQUESTS);
        assertThat(locked.getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("300");
        assertThat(locked.getFirst("X-Frame-Options")).isNotNull();
        assertThat(locked.getFirst("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(locked.getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        login(admin.login(), Staff.PASSWORD, HttpStatus.TOO_MANY_REQUESTS);
    }

    /** Failures on the form lock the login for HTTP Basic too. */
    @Test
    void formFailuresLockBasicToo() {
        Agent agent = Staff.agent(agents, "lab21", 1);
        for (int i = 0; i < 5; i++) {
            login(agent.login(), "wrong-" + i, HttpStatus.UNAUTHORIZED);
        }
        basic(agent.login(), Staff.PASSWORD, HttpStatus.TOO_MANY_REQUESTS);
    }

    private HttpHeaders basic(String login, String password, HttpStatus expected) {
        return WebTestClient.bindToServer().responseTimeout(java.time.Duration.ofSeconds(30))
                .baseUrl("http://localhost:" + port)
                .build()
                .get()
                .uri("/api/me")
                .headers(headers -> headers.setBasicAuth(login, password))
                .exchange()
                .expectStatus()
                .isEqualTo(expected)
                .expectBody()
                .returnResult()
                .getResponseHeaders();
    }

    private HttpHeaders login(String login, String password, HttpStatus expected) {
        return post("username=" + login + "&password=" + password, expected);
    }

    private HttpHeaders post(String form, HttpStatus expected) {
        return WebTestClient.bindToServer().responseTimeout(java.time.Duration.ofSeconds(30))
                .baseUrl("http://localhost:" + port)
                .build()
                .post()
                .uri("/login")
                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .bodyValue(form)
                .exchange()
                .expectStatus()
                .isEqualTo(expected)
                .expectBody()
                .returnResult()
                .getResponseHeaders();
    }
}
