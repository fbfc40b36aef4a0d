package ru.rosdistant.gateway.canned;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.agent.Role;

import static org.assertj.core.api.Assertions.assertThat;

/** Canned answers over REST: who may read and keep them, and what is refused. Line lab47 is this class's own. */
@GatewayTest
class CannedAnswerTests {

    private static final String LINE = "lab47";

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    WebTestClient http;

    String supervisor;

    String agent;

    @BeforeEach
    void login() {
        http = Checks.http(port);
        supervisor = Staff.login(port, Staff.agent(agents, LINE, 5, Role.SUPERVISOR).login(), Staff.PASSWORD);
        agent = Staff.login(port, Staff.agent(agents, LINE, 5).login(), Staff.PASSWORD);
    }

    @Test
    void aSupervisorKeepsTheAnswersAndAnAgentOfTheLineReadsThem() {
        String shortcut = "/hi" + System.nanoTime() % 1_000_000;
        JsonNode created = Checks.body(post(supervisor, answer(LINE, "Приветствие", "Здравствуйте! Чем помочь?",
                shortcut.toUpperCase(java.util.Locale.ROOT))).expectStatus().isCreated());
        long id = created.path("id").asLong();
        assertThat(id).isPositive();
        assertThat(created.path("shortcut").asString()).as("stored in lower case").isEqualTo(shortcut);
        assertThat(created.path("line").asString()).isEqualTo(LINE);
        assertThat(created.path("createdBy").isNumber()).isTrue();

        JsonNode mine = Checks.body(http.get().uri("/api/canned").header("Cookie", agent).exchange()
                .expectStatus().isOk());
        assertThat(mine.valueStream().filter(a -> a.path("id").asLong() == id).map(a -> a.path("text").asString()))
                .containsExactly("Здравствуйте! Чем помочь?");
        JsonNode ofLine = Checks.body(http.get().uri("/api/canned?line=" + LINE).header("Cookie", agent).exchange()
                .expectStatus().isOk());
        assertThat(ofLine.valueStream().map(a -> a.path("line").asString())).isNotEmpty().containsOnly(LINE);

        // an agent of another line sees none of them and may not ask for them
        String stranger = Staff.login(port, Staff.agent(agents, "lab46", 5).login(), Staff.PASSWORD);
        JsonNode theirs = Checks.body(http.get().uri("/api/canned").header("Cookie", stranger).exchange()
                .expectStatus().isOk());
        assertThat(theirs.valueStream().map(a -> a.path("line").asString())).doesNotContain(LINE);
        assertThat(Checks.body(http.get().uri("/api/canned?line=" + LINE).header("Cookie", stranger).exchange()
                .expectStatus().isForbidden()).path("detail").asString()).isEqualTo("You do not serve line lab47");

        JsonNode changed = Checks.body(http.put().uri("/api/supervisor/canned/" + id).header("Cookie", supervisor)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(answer(LINE, "Приветствие", "Добрый день! Слушаю вас.", shortcut)).exchange()
                .expectStatus().isOk());
        assertThat(changed.path("text").asString()).isEqualTo("Добрый день! Слушаю вас.");

        // the same shortcut twice on one line is refused
        JsonNode twice = Checks.body(post(supervisor, answer(LINE, "Другое", "Другой текст", shortcut)).expectStatus()
                .isEqualTo(409));
        assertThat(twice.path("detail").asString()).isEqualTo("shortcut: " + shortcut + " is already used on line lab47");

        http.delete().uri("/api/supervisor/canned/" + id).header("Cookie", supervisor).exchange().expectStatus()
                .isNoContent();
        http.delete().uri("/api/supervisor/canned/" + id).header("Cookie", supervisor).exchange().expectStatus()
                .isNotFound();
        JsonNode after = Checks.body(http.get().uri("/api/canned?line=" + LINE).header("Cookie", agent).exchange()
                .expectStatus().isOk());
        assertThat(after.valueStream().map(a -> a.path("id").asLong())).doesNotContain(id);
    }

    @Test
    void anAgentMayNotKeepAnswers() {
        post(agent, answer(LINE, "Титул", "Текст", "/agent")).expectStatus().isForbidden();
        http.put().uri("/api/supervisor/canned/1").header("Cookie", agent).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(answer(LINE, "Титул", "Текст", "/agent")).exchange().expectStatus().isForbidden();
        http.delete().uri("/api/supervisor/canned/1").header("Cookie", agent).exchange().expectStatus().isForbidden();
        http.get().uri("/api/canned").exchange().expectStatus().isUnauthorized();
    }

    @Test
    void badInputIsRefusedWithTheFieldNamed() {
        assertThat(detail(answer("no-such-line", "Т", "Текст", "/x"))).isEqualTo("line: no line 'no-such-line'");
        assertThat(detail(answer(null, "Т", "Текст", "/x"))).isEqualTo("line: required, the id of a line");
        assertThat(detail(answer(LINE, " ", "Текст", "/x"))).isEqualTo("title: 1 to 200 characters");
        assertThat(detail(answer(LINE, "Т".repeat(201), "Текст", "/x"))).isEqualTo("title: 1 to 200 characters");
        assertThat(detail(answer(LINE, "Т", "", "/x"))).isEqualTo("text: 1 to 4000 characters");
        assertThat(detail(answer(LINE, "Т", "я".repeat(4001), "/x"))).isEqualTo("text: 1 to 4000 characters");
        String shortcutRule = "shortcut: a slash and 1 to 32 letters, digits, '-' or '_', e.g. /hello";
        assertThat(detail(answer(LINE, "Т", "Текст", "hello"))).isEqualTo(shortcutRule);
        assertThat(detail(answer(LINE, "Т", "Текст", "/two words"))).isEqualTo(shortcutRule);
        assertThat(detail(answer(LINE, "Т", "Текст", null))).isEqualTo(shortcutRule);
        // not JSON at all
        JsonNode garbled = Checks.body(http.post().uri("/api/supervisor/canned").header("Cookie", supervisor)
                .contentType(MediaType.APPLICATION_JSON).bodyValue("{\"line\": ").exchange().expectStatus()
                .isBadRequest());
        assertThat(garbled.path("detail").asString()).startsWith("Expected a JSON object with the strings line, title");
        // an unknown line in the query
        http.get().uri("/api/canned?line=nowhere").header("Cookie", agent).exchange().expectStatus().isBadRequest();
        // an unknown answer
        http.put().uri("/api/supervisor/canned/999999999").header("Cookie", supervisor)
                .contentType(MediaType.APPLICATION_JSON).bodyValue(answer(LINE, "Т", "Текст", "/x")).exchange()
                .expectStatus().isNotFound();
    }

    private String detail(Map<String, Object> body) {
        JsonNode problem = Checks.body(post(supervisor, body).expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
        return problem.path("detail").asString();
    }

    private WebTestClient.ResponseSpec post(String cookie, Map<String, Object> body) {
        return http.post().uri("/api/supervisor/canned").header("Cookie", cookie).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body).exchange();
    }

    private static Map<String, Object> answer(String line, String title, String text, String shortcut) {
        Map<String, Object> body = new HashMap<>();
        body.put("line", line);
        body.put("title", title);
        body.put("text", text);
        body.put("shortcut", shortcut);
        return body;
    }
}
