package ru.rosdistant.gateway.email;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.agent.Role;
import ru.rosdistant.gateway.dialog.DialogManagement;
import ru.rosdistant.gateway.mail.TestSmtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static ru.rosdistant.gateway.email.TestMailboxes.attach;
import static ru.rosdistant.gateway.email.TestMailboxes.mail;
import static ru.rosdistant.gateway.email.TestMailboxes.messageId;

/**
 * The size bounds of the e-mail channel: a mail over the download limit is recorded as blocked (its dialog told where
 * the original is) while later mails flow; an agent's answer carries files within its bounds. Lines lab502–lab505.
 */
@GatewayTest
class EmailLimitsTests {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    static final TestMailboxes mailboxes = new TestMailboxes();

    @LocalServerPort
    int port;

    @Autowired
    DatabaseClient db;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DialogManagement dialogs;

    @Autowired
    JavaMailSender sender;

    @Test
    void aMailOverTheLimitIsRecordedAsBlockedItsDialogToldWhereTheOriginalIsAndLaterMailsFlow() throws Exception {
        String address = mailboxes.open("lab502", "main", "lab502");
        String first = messageId();
        mailboxes.deliver("lab502", mail("Вера <vera502@example.org>", address, first, "Справка", "Нужна справка"));
        mailboxes.read("lab502", 1024 * 1024);
        UUID dialogId = mailboxes.dialogOf(first);

        // a 2 MB answer to it, over a 1 MB limit, then a small mail from someone else
        byte[] scan = new byte[2 * 1024 * 1024];
        new Random(502).nextBytes(scan);
        String big = messageId();
        mailboxes.deliver("lab502", "From: vera502@example.org\r\nTo: " + address + "\r\nMessage-ID: " + big
                + "\r\nIn-Reply-To: " + first + "\r\nSubject: =?UTF-8?B?0KHQutCw0L0=?=\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/mixed; boundary=\"X\"\r\n\r\n--X\r\nContent-Type: text/plain\r\n\r\nscan\r\n"
                + "--X\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
                + "Content-Disposition: attachment; filename=scan.pdf\r\n\r\n"
                + java.util.Base64.getMimeEncoder().encodeToString(scan) + "\r\n--X--\r\n");
        String after = messageId();
        mailboxes.deliver("lab502", mail("next502@example.org", address, after, "Потом", "дошло"));
        assertThat(mailboxes.read("lab502", 1024 * 1024)).isEqualTo(2);

        var blocked = Checks.row(db, "SELECT state, from_address, subject, raw_key, raw_size, uid, dialog_id "
                + "FROM email_message WHERE message_id = :id", "id", big);
        assertThat(blocked).containsEntry("state", "BLOCKED")
                .containsEntry("from_address", "vera502@example.org")
                .containsEntry("subject", "Скан")
                .containsEntry("raw_key", null)
                .containsEntry("uid", 2L)
                .containsEntry("dialog_id", dialogId);
        assertThat((Long) blocked.get("raw_size")).isGreaterThan(2L * 1024 * 1024);
        assertThat(mailboxes.visitorText(dialogId)).contains("Письмо больше 1.0 МБ (")
                .contains("не загружено")
                .contains("Оригинал: письмо " + big + " в ящике lab502 (UIDVALIDITY ")
                .contains(", UID 2)")
                .doesNotContain("scan");
        assertThat(mailboxes.visitorText(mailboxes.dialogOf(after))).contains("дошло");

        // the supervisor's list shows it with the failed ones
        Agent supervisor = Staff.agent(agents, "lab502", 1, Role.SUPERVISOR);
        assertThat(TestMailboxes.failedMails(port, supervisor).stream()
                .filter(item -> item.path("messageId").asString().equals(big)).findFirst())
                .hasValueSatisfying(item -> {
                    assertThat(item.path("state").asString()).isEqualTo("BLOCKED");
                    assertThat(item.path("rawKept").asBoolean()).isFalse();
                });
    }

    @Test
    void anAnswersFilesLeaveAsAttachmentsOfItsMailWithinTheirBounds() throws Exception {
        TestSmtp.start(sender);
        String address = mailboxes.open("lab503", "main", "lab503");
        String question = messageId();
        mailboxes.deliver("lab503", mail("Глеб <gleb503@example.org>", address, question, "Бланки", "Пришлите бланки"));
        mailboxes.read("lab503");
        UUID dialogId = mailboxes.dialogOf(question);
        Agent agent = Staff.agent(agents, "lab503", 1);
        Agent colleague = Staff.agent(agents, "lab503", 1);
        dialogs.takeAsynchronous(dialogId, agent.id(), agent.displayName()).block(WAIT);

        byte[] form = "%PDF-1.4 бланк".getBytes(StandardCharsets.UTF_8);
        byte[] scan = new byte[300 * 1024];
        new Random(503).nextBytes(scan);
        JsonNode stored = Checks.body(attach(port, agent, dialogId, "answer-1", "Заявление.pdf", form)
                .expectStatus()
                .isCreated());
        assertThat(stored.path("size").asLong()).isEqualTo(form.length);
        // a retried upload of the same name stores nothing new
        assertThat(Checks.body(attach(port, agent, dialogId, "answer-1", "Заявление.pdf", form)
                .expectStatus().isCreated())
                .path("id").asString()).isEqualTo(stored.path("id").asString());
        attach(port, agent, dialogId, "answer-1", "scan.bin", scan).expectStatus().isCreated();
        // not the colleague's dialog, not a UUID, not a name
        attach(port, colleague, dialogId, "answer-1", "x.pdf", form).expectStatus().isNotFound();
        attach(port, agent, dialogId, "answer-1", "  ", form).expectStatus().isBadRequest();
        Checks.http(port).post().uri("/api/email/dialogs/nope/answers/a/files?name=x")
                .headers(h -> h.setBasicAuth(agent.login(), Staff.PASSWORD)).bodyValue(form).exchange()
                .expectStatus().isBadRequest();

        dialogs.appendFromAgent(agent.id(), agent.displayName(), dialogId, "answer-1", "Бланки во вложении.")
                .block(WAIT);
        String tag = "[#" + dialogId.toString().substring(0, 8) + "]";
        await().atMost(WAIT).until(() -> !TestSmtp.received(tag).isEmpty());
        MimeMessage reply = TestSmtp.received(tag).get(0);
        Multipart parts = (Multipart) reply.getContent();
        assertThat(parts.getCount()).isEqualTo(3);
        assertThat((String) parts.getBodyPart(0).getContent()).contains("Бланки во вложении.");
        List<String> names = new ArrayList<>();
        for (int i = 1; i < parts.getCount(); i++) {
            assertThat(parts.getBodyPart(i).getDisposition()).isEqualTo(Part.ATTACHMENT);
            names.add(jakarta.mail.internet.MimeUtility.decodeText(parts.getBodyPart(i).getFileName()));
        }
        assertThat(names).containsExactly("Заявление.pdf", "scan.bin");
        assertThat(parts.getBodyPart(1).getInputStream().readAllBytes()).isEqualTo(form);
        assertThat(parts.getBodyPart(2).getInputStream().readAllBytes()).isEqualTo(scan);
        assertThat(reply.getMessageID()).startsWith("<email-reply.");

        // the answer is sent: it takes no more files
        attach(port, agent, dialogId, "answer-1", "late.pdf", form).expectStatus().isEqualTo(409);
    }

    @Test
    void filesOverTheBoundsOfOneAnswerAreRefusedWith413AndNotKept() throws Exception {
        String address = mailboxes.open("lab504", "main", "lab504");
        String question = messageId();
        mailboxes.deliver("lab504", mail("lida504@example.org", address, question, "Много", "Файлы"));
        mailboxes.read("lab504");
        UUID dialogId = mailboxes.dialogOf(question);
        Agent agent = Staff.agent(agents, "lab504", 1);
        dialogs.takeAsynchronous(dialogId, agent.id(), agent.displayName()).block(WAIT);

        // over 16 MB at once: refused before it is read
        attach(port, agent, dialogId, "big", "big.bin", new byte[16 * 1024 * 1024 + 1])
                .expectStatus().isEqualTo(413)
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON);
        // 10 MB, then 7 MB more for the same answer: the second passes 16 MB in all
        attach(port, agent, dialogId, "sum", "a.bin", new byte[10 * 1024 * 1024]).expectStatus().isCreated();
        JsonNode refused = Checks.body(attach(port, agent, dialogId, "sum", "b.bin", new byte[7 * 1024 * 1024])
                .expectStatus().isEqualTo(413));
        assertThat(refused.path("detail").asString()).contains("16.0 МБ");
        // the eleventh file of an answer
        for (int i = 0; i < 10; i++) {
            attach(port, agent, dialogId, "many", "f" + i + ".txt", new byte[] {1}).expectStatus().isCreated();
        }
        attach(port, agent, dialogId, "many", "f10.txt", new byte[] {1}).expectStatus().isEqualTo(413);

        assertThat(Checks.row(db, "SELECT count(*) AS n FROM email_reply_file WHERE dialog_id = :d", "d", dialogId)
                .get("n")).isEqualTo(11L);
    }
}
