package ru.rosdistant.gateway.system;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;

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

    private void login(String login, String password, HttpStatus expected) {
        WebTestClient.bindToServer().responseTimeout(java.time.Duration.ofSeconds(30))
                .baseUrl("http://localhost:" + port)
                .build()
                .post()
                .uri("/login")
                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .bodyValue("username=" + login + "&password=" + password)
                .exchange()
                .expectStatus()
                .isEqualTo(expected);
    }
}
