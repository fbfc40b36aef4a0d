package ru.rosdistant.gateway.email;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.web.reactive.server.WebTestClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.dialog.DialogManagement;
import ru.rosdistant.gateway.files.DownloadChecks;

import static org.assertj.core.api.Assertions.assertThat;
import static ru.rosdistant.gateway.email.TestMailboxes.attach;
import static ru.rosdistant.gateway.email.TestMailboxes.mail;

/**
 * The files sent with an e-mail dialog's answers, in its history: listed per answer with name, size and a download
 * link for the staff who see the dialog, downloaded as an attachment; 404 for anyone else. Lines lab701, lab702.
 */
@GatewayTest
class EmailAnswerFilesTests {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    static final TestMailboxes mailboxes = new TestMailboxes();

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DialogManagement dialogs;

    @Test
    void theHistoryListsTheFilesOfEachAnswerForTheStaffWhoSeeTheDialog() throws Exception {
        mailboxes.open("lab701", "main", "lab701");
        UUID dialogId = mailboxes.dialogOpenedBy("lab701", "Инна <inna701@example.org>", "Справки", "Пришлите");
        Agent agent = Staff.agent(agents, "lab701", 1);
        Agent colleague = Staff.agent(agents, "lab701", 1);
        Agent stranger = Staff.agent(agents, "lab702", 1);
        dialogs.takeAsynchronous(dialogId, agent.id(), agent.displayName()).block(WAIT);

        byte[] form = "%PDF-1.4 справка".getBytes(StandardCharsets.UTF_8);
        attach(port, agent, dialogId, "answer-1", "Справка.pdf", form).expectStatus().isCreated();
        attach(port, agent, dialogId, "answer-1", "Бланк.pdf", new byte[] {1, 2, 3}).expectStatus().isCreated();
        dialogs.appendFromAgent(agent.id(), agent.displayName(), dialogId, "answer-1", "Во вложении.").block(WAIT);
        // the files of the next answer, not sent yet
        attach(port, agent, dialogId, "answer-2", "Ещё.txt", new byte[] {4}).expectStatus().isCreated();

        // a colleague of the line sees them too
        JsonNode answers = Checks.body(get(colleague, "/api/email/dialogs/" + dialogId + "/answers/files")
                .expectStatus().isOk());
        assertThat(answers.size()).isEqualTo(2);
        JsonNode sent = answers.get(0);
        assertThat(sent.path("clientMsgId").asString()).isEqualTo("answer-1");
        assertThat(sent.path("seq").asLong()).isPositive();
        assertThat(sent.path("files").valueStream().map(f -> f.path("name").asString()).toList())
                .containsExactly("Справка.pdf", "Бланк.pdf");
        assertThat(sent.path("files").get(0).path("size").asLong()).isEqualTo(form.length);
        assertThat(answers.get(1).path("clientMsgId").asString()).isEqualTo("answer-2");
        assertThat(answers.get(1).path("seq").isNull()).isTrue();

        String url = sent.path("files").get(0).path("url").asString();
        byte[] downloaded = DownloadChecks.downloaded(get(colleague, url), "Справка.pdf");
        assertThat(downloaded).isEqualTo(form);

        // staff of another line, an unknown dialog or file: 404; not a UUID: 400
        get(stranger, "/api/email/dialogs/" + dialogId + "/answers/files").expectStatus().isNotFound();
        get(stranger, url).expectStatus().isNotFound();
        get(agent, "/api/email/dialogs/" + UUID.randomUUID() + "/answers/files").expectStatus().isNotFound();
        get(agent, "/api/email/reply-files/" + UUID.randomUUID()).expectStatus().isNotFound();
        get(agent, "/api/email/dialogs/nope/answers/files").expectStatus().isBadRequest();
        Checks.http(port).get().uri(url).exchange().expectStatus().isUnauthorized();
    }

    private WebTestClient.ResponseSpec get(Agent agent, String uri) {
        return TestMailboxes.get(port, agent, uri);
    }
}
