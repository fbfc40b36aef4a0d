package ru.rosdistant.gateway.email;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.dialog.DialogManagement;
import ru.rosdistant.gateway.dialog.DialogQueries;
import ru.rosdistant.gateway.mail.TestSmtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static ru.rosdistant.gateway.email.TestMailboxes.mail;
import static ru.rosdistant.gateway.email.TestMailboxes.messageId;

/** The e-mail channel against GreenMail's IMAP (the mailbox) and SMTP (the replies). */
@GatewayTest
class EmailChannelTests {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    static final TestMailboxes mailboxes = new TestMailboxes();

    @Autowired
    DatabaseClient db;

    @Autowired
    DialogManagement dialogs;

    @Autowired
    DialogQueries dialogQueries;

    @Autowired
    AgentDirectory agents;

    @Autowired
    JavaMailSender sender;

    @BeforeEach
    void smtp() {
        TestSmtp.start(sender);
    }

    private Map<String, Object> row(String sql, Object... binds) {
        return Checks.row(db, sql, binds);
    }

    private List<Map<String, Object>> rows(String sql, Object... binds) {
        return Checks.rows(db, sql, binds);
    }

    @Test
    void newMailOpensAnAsynchronousDialogOnTheMailboxLineAndTheSendersCard() throws Exception {
        String box = "lab360";
        mailboxes.open(box, "applicant", box);
        String messageId = messageId();
        mailboxes.deliver(box, mail("=?UTF-8?B?0JjQstCw0L0g0J/QtdGC0YDQvtCy?= <Ivan.Petrov@Example.org>",
                "lab360@rosdistant.test",
                messageId, "=?UTF-8?B?0J/QvtGB0YLRg9C/0LvQtdC90LjQtQ==?=", "Как поступить?"));

        assertThat(mailboxes.read(box)).isEqualTo(1);

        UUID dialogId = mailboxes.dialogOf(messageId);
        var dialog = dialogQueries.find(dialogId).block(WAIT);
        assertThat(dialog.channel()).isEqualTo("EMAIL");
        assertThat(dialog.lineId()).isEqualTo("lab360");
        // asynchronous: waiting on the line's list, never in the routing's waiting line
        assertThat(dialog.state().name()).isEqualTo("WAITING");
        assertThat(dialogQueries.waitingOrder("lab360").collectList().block(WAIT)).doesNotContain(dialogId);
        assertThat(mailboxes.visitorText(dialogId)).contains("Тема: Поступление").contains("Как поступить?");
        var card = row("SELECT c.name, c.emails FROM card c JOIN dialog d ON d.card_id = c.id WHERE d.id = :d",
                "d", dialogId);
        assertThat((String[]) card.get("emails")).contains("ivan.petrov@example.org");
        assertThat(card.get("name")).isEqualTo("Иван Петров");
    }

    @Test
    void theSameMailTwiceOrAfterACrashMidBatchIsStoredOnce() throws Exception {
        String box = "lab361";
        mailboxes.open(box, "applicant", box);
        String first = messageId();
        String second = messageId();
        mailboxes.deliver(box, mail("a361@example.org", "lab361@rosdistant.test", first, "Один", "первое"));
        mailboxes.deliver(box, mail("b361@example.org", "lab361@rosdistant.test", second, "Два", "второе"));
        // the same mail delivered twice (another UID, the same Message-ID)
        mailboxes.deliver(box, mail("b361@example.org", "lab361@rosdistant.test", second, "Два", "второе"));
        assertThat(mailboxes.read(box)).isEqualTo(2);

        // a crash after the first mail: the cursor is back before the second
        db.sql("UPDATE email_cursor SET last_uid = 1 WHERE mailbox = 'lab361'").then().block(WAIT);
        assertThat(mailboxes.read(box)).isZero();
        assertThat(rows("SELECT id FROM email_message WHERE mailbox = 'lab361'")).hasSize(2);
        assertThat(mailboxes.visitorText(mailboxes.dialogOf(second))).containsOnlyOnce("второе");
        assertThat(row("SELECT last_uid FROM email_cursor WHERE mailbox = 'lab361'").get("last_uid")).isEqualTo(3L);
    }

    @Test
    void aNewUidValidityReadsTheFolderAgainAndStoresNothingTwice() throws Exception {
        String box = "lab362";
        mailboxes.open(box, "applicant", box, "Lab362");
        String messageId = messageId();
        String raw = mail("c362@example.org", "lab362@rosdistant.test", messageId, "Папка", "текст");
        mailboxes.deliver(box, raw);
        assertThat(mailboxes.read(box)).isEqualTo(1);
        long before = (Long) row("SELECT uid_validity FROM email_cursor WHERE mailbox = 'lab362'").get("uid_validity");

        // the folder is rebuilt: new UIDVALIDITY, the same mail again, and a new one (GreenMail's UIDVALIDITY is the
        // folder's creation second, so the new folder is made in a later second)
        Thread.sleep(1_100);
        mailboxes.deleteFolder(box);
        mailboxes.deliver(box, raw);
        mailboxes.deliver(box, mail("c362@example.org", "lab362@rosdistant.test", messageId(), "Ещё", "новое"));

        await().atMost(WAIT).until(() -> mailboxes.read(box) >= 0 && rows("SELECT id FROM email_message "
                + "WHERE mailbox = 'lab362'").size() == 2);
        assertThat(rows("SELECT id FROM email_message WHERE message_id = :id", "id", messageId)).hasSize(1);
        assertThat(row("SELECT uid_validity FROM email_cursor WHERE mailbox = 'lab362'").get("uid_validity"))
                .isNotEqualTo(before);
    }

    @Test
    void anAgentsReplyCarriesItsThreadAndThePersonsAnswerThreadsBackByEachPath() throws Exception {
        String box = "lab363";
        mailboxes.open(box, "applicant", box);
        String question = messageId();
        mailboxes.deliver(box, mail("Олег <oleg363@example.org>", "lab363@rosdistant.test", question, "Документы",
                "Какие документы нужны?"));
        mailboxes.read(box);
        UUID dialogId = mailboxes.dialogOf(question);
        Agent agent = Staff.agent(agents, "lab363", 1);
        assertThat(dialogs.takeAsynchronous(dialogId, agent.id(), agent.displayName()).block(WAIT)).isNotNull();
        // an e-mail dialog takes no live capacity: the agent's one live slot is still free
        assertThat(dialogQueries.loads(List.of(agent.id())).block(WAIT)).doesNotContainKey(agent.id());

        dialogs.appendFromAgent(agent.id(), agent.displayName(), dialogId, "reply-1", "Паспорт и аттестат.")
                .block(WAIT);
        await().atMost(WAIT).until(() -> !TestSmtp.received("[#" + dialogId.toString().substring(0, 8)).isEmpty());
        MimeMessage reply = TestSmtp.received("[#" + dialogId.toString().substring(0, 8)).get(0);
        String replyId = reply.getMessageID();
        assertThat(replyId).startsWith("<email-reply.").endsWith(".contact-gateway@test.rosdistant.ru>");
        assertThat(reply.getHeader("In-Reply-To")).containsExactly(question);
        assertThat(reply.getHeader("References")[0]).contains(question);
        assertThat(reply.getHeader("Auto-Submitted")).isNull();
        assertThat(reply.getAllRecipients()[0].toString()).isEqualTo("oleg363@example.org");
        assertThat(reply.getReplyTo()[0].toString()).matches("lab363\\+d[0-9a-f]{32}\\.[0-9a-f]{16}@rosdistant.test");
        assertThat(reply.getSubject()).isEqualTo("Re: Документы [#" + dialogId.toString().substring(0, 8) + "]");
        assertThat((String) reply.getContent()).contains("Паспорт и аттестат.");

        // 1. the signed reply address (no headers at all)
        String byToken = messageId();
        mailboxes.deliver(box, mail("oleg363@example.org", reply.getReplyTo()[0].toString(), byToken, "Другая тема",
                "Спасибо"));
        // 2. In-Reply-To against the Message-ID we sent
        String byHeader = messageId();
        mailboxes.deliver(box, mail("oleg.other@example.org", "lab363@rosdistant.test", byHeader, "Вопрос", "А копии?",
                "In-Reply-To: " + replyId));
        // 3. the subject tag, only from the dialog's contact
        String byTag = messageId();
        mailboxes.deliver(box, mail("oleg363@example.org", "lab363@rosdistant.test", byTag, "Re: [#"
                + dialogId.toString().substring(0, 8) + "] ещё", "И фото?"));
        String foreignTag = messageId();
        mailboxes.deliver(box, mail("stranger363@example.org", "lab363@rosdistant.test", foreignTag, "Re: [#"
                + dialogId.toString().substring(0, 8) + "]", "Чужой"));
        // a forged reply address threads nowhere
        String forged = messageId();
        mailboxes.deliver(box, mail("oleg363@example.org", "lab363+d" + dialogId.toString().replace("-", "")
                + ".0000000000000000@rosdistant.test", forged, "Подделка", "Не сюда"));
        mailboxes.read(box);

        assertThat(mailboxes.dialogOf(byToken)).isEqualTo(dialogId);
        assertThat(mailboxes.dialogOf(byHeader)).isEqualTo(dialogId);
        assertThat(mailboxes.dialogOf(byTag)).isEqualTo(dialogId);
        assertThat(mailboxes.dialogOf(foreignTag)).isNotEqualTo(dialogId);
        assertThat(mailboxes.dialogOf(forged)).isNotEqualTo(dialogId);

        // a retried delivery keeps the Message-ID: the outbox entry is the same, the id derived from it
        assertThat(rows("SELECT message_id FROM email_sent WHERE dialog_id = :d", "d", dialogId))
                .extracting(r -> r.get("message_id"))
                .containsExactly(replyId);
    }

    @Test
    void aReplyToAClosedDialogOpensANewOneOnTheSameCardLinkedToTheOld() throws Exception {
        String box = "lab364";
        mailboxes.open(box, "applicant", box);
        String first = messageId();
        mailboxes.deliver(box, mail("anna364@example.org", "lab364@rosdistant.test", first, "Оплата", "Как оплатить?"));
        mailboxes.read(box);
        UUID old = mailboxes.dialogOf(first);
        dialogs.close(old, ru.rosdistant.gateway.dialog.Sender.SYSTEM, null, null).block(WAIT);

        String again = messageId();
        mailboxes.deliver(box, mail("anna364@example.org", "lab364@rosdistant.test", again, "Re: Оплата", "А ещё?",
                "In-Reply-To: " + first));
        mailboxes.read(box);
        UUID fresh = mailboxes.dialogOf(again);
        assertThat(fresh).isNotEqualTo(old);
        assertThat(row("SELECT previous_dialog_id FROM email_dialog WHERE dialog_id = :d", "d", fresh)
                .get("previous_dialog_id")).isEqualTo(old);
        assertThat(row("SELECT count(DISTINCT card_id) AS n FROM dialog WHERE id IN (:a, :b)", "a", old, "b", fresh)
                .get("n")).isEqualTo(1L);
    }

    @Test
    void ownMailIsSkippedAndAutoRepliesAndBulkMailAreKeptAsNoticesNeverAnswered() throws Exception {
        String box = "lab365";
        mailboxes.open(box, "applicant", box);
        String own = "<offline-form.123.contact-gateway@test.rosdistant.ru>";
        mailboxes.deliver(box, mail("contact-gateway@test.rosdistant.ru", "lab365@rosdistant.test", own, "[ЛК] Вопрос",
                "копия формы"));
        String vacation = messageId();
        mailboxes.deliver(box, mail("boss365@example.org", "lab365@rosdistant.test", vacation, "В отпуске",
                "Я в отпуске",
                "Auto-Submitted: auto-replied"));
        String bulk = messageId();
        mailboxes.deliver(box, mail("news365@example.org", "lab365@rosdistant.test", bulk, "Рассылка", "Новости",
                "Precedence: bulk", "List-Id: <news.example.org>"));
        String autoreply = messageId();
        mailboxes.deliver(box, mail("x365@example.org", "lab365@rosdistant.test", autoreply, "Auto", "auto",
                "X-Autoreply: yes"));
        mailboxes.read(box);

        assertThat(row("SELECT state FROM email_message WHERE message_id = :id", "id", own).get("state"))
                .isEqualTo("OWN");
        for (String notice : List.of(vacation, bulk, autoreply)) {
            assertThat(row("SELECT state, dialog_id FROM email_message WHERE message_id = :id", "id", notice))
                    .containsEntry("state", "NOTICE")
                    .containsEntry("dialog_id", null);
        }
        assertThat(rows("SELECT dialog_id FROM email_dialog WHERE mailbox = 'lab365'")).isEmpty();
    }

    @Test
    void aDeliveryReportMarksTheDialogAndTheAddressAsBouncing() throws Exception {
        String box = "lab366";
        mailboxes.open(box, "applicant", box);
        UUID dialogId = mailboxes.dialogOpenedBy(box, "gone366@example.org", "Вопрос", "текст");
        String sent = "<email-reply." + dialogId + ".3.contact-gateway@test.rosdistant.ru>";
        db.sql("INSERT INTO email_sent (message_id, dialog_id, seq) VALUES (:id, :d, 3)")
                .bind("id", sent)
                .bind("d", dialogId)
                .then()
                .block(WAIT);
        String report = "From: MAILER-DAEMON@example.org\r\nTo: lab366@rosdistant.test\r\nMessage-ID: " + messageId()
                + "\r\nSubject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n"
                + "--B\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
                + "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\n"
                + "Final-Recipient: rfc822; gone366@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
                + "--B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: " + sent
                + "\r\nSubject: Re: Вопрос\r\n\r\n--B--\r\n";
        mailboxes.deliver(box, report);
        mailboxes.read(box);

        assertThat(row("SELECT bouncing_at IS NOT NULL AS b FROM email_dialog WHERE dialog_id = :d", "d", dialogId)
                .get("b")).isEqualTo(true);
        assertThat(rows("SELECT address FROM email_bouncing_address WHERE address = 'gone366@example.org'"))
                .hasSize(1);
        assertThat(rows("SELECT body FROM message WHERE dialog_id = :d AND event = 'delivery_failed'", "d",
                dialogId)).hasSize(1);
    }

    @Test
    void attachmentsUpToTheLimitAreKeptLargerOnesBlockedWithCyrillicNamesDecoded() throws Exception {
        String box = "lab367";
        mailboxes.open(box, "applicant", box);
        String messageId = messageId();
        byte[] pdf = new byte[2 * 1024 * 1024];
        new java.util.Random(7).nextBytes(pdf);
        byte[] big = new byte[20 * 1024 * 1024];
        String raw = "From: pavel367@example.org\r\nTo: lab367@rosdistant.test\r\nMessage-ID: " + messageId
                + "\r\nSubject: Files\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"X\"\r\n\r\n"
                + "--X\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nФайлы\r\n"
                + "--X\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
                + "Content-Disposition: attachment; filename*=UTF-8''%D0%90%D1%82%D1%82%D0%B5%D1%81%D1%82%D0%B0%D1%82.pdf\r\n\r\n"
                + java.util.Base64.getMimeEncoder().encodeToString(pdf) + "\r\n"
                + "--X\r\nContent-Type: application/zip\r\nContent-Transfer-Encoding: base64\r\n"
                + "Content-Disposition: attachment; filename=\"=?UTF-8?B?0JDRgNGF0LjQsi56aXA=?=\"\r\n\r\n"
                + java.util.Base64.getMimeEncoder().encodeToString(big) + "\r\n--X--\r\n";
        mailboxes.deliver(box, raw);
        mailboxes.read(box);

        UUID dialogId = mailboxes.dialogOf(messageId);
        var files = rows("SELECT file_name, size_bytes, blocked, storage_key FROM messenger_file WHERE dialog_id = :d "
                + "ORDER BY size_bytes", "d", dialogId);
        assertThat(files).hasSize(2);
        assertThat(files.get(0)).containsEntry("file_name", "Аттестат.pdf").containsEntry("blocked", false)
                .containsEntry("size_bytes", (long) pdf.length);
        assertThat(files.get(1)).containsEntry("file_name", "Архив.zip").containsEntry("blocked", true)
                .containsEntry("storage_key", null);
        assertThat(mailboxes.visitorText(dialogId)).contains("Файл: Аттестат.pdf (2.0 МБ)")
                .contains("Заблокированный файл (превышен размер 16.0 МБ): Архив.zip, 20.0 МБ. Оригинал: письмо "
                        + messageId);
    }

    @Test
    void aMailThatCannotBeParsedIsKeptAsFailedAndLaterMailsFlow() throws Exception {
        String box = "lab368";
        mailboxes.open(box, "applicant", box);
        String broken = messageId();
        mailboxes.deliver(box, "From: bad368@example.org\r\nTo: lab368@rosdistant.test\r\nMessage-ID: " + broken
                + "\r\nSubject: Broken\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"nope\"\r\n\r\n"
                + "no boundary anywhere in this body\r\n");
        String after = messageId();
        mailboxes.deliver(box, mail("good368@example.org", "lab368@rosdistant.test", after, "Хорошее", "дошло"));
        assertThat(mailboxes.read(box)).isEqualTo(2);

        assertThat(row("SELECT state, raw_key IS NOT NULL AS kept, reason FROM email_message WHERE message_id = :id",
                "id", broken))
                .containsEntry("state", "FAILED")
                .containsEntry("kept", true);
        assertThat(mailboxes.visitorText(mailboxes.dialogOf(after))).contains("дошло");
    }

    @Test
    void aSenderOpensAtMostTheLimitOfNewDialogsPerHourAndWritesOnInTheirNewestOne() throws Exception {
        String box = "lab369";
        mailboxes.open(box, "applicant", box);
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ids.add(messageId());
            mailboxes.deliver(box, mail("flood369@example.org", "lab369@rosdistant.test", ids.get(i), "Тема " + i,
                    "текст " + i));
        }
        mailboxes.read(box);
        assertThat(rows("SELECT dialog_id FROM email_dialog WHERE contact_address = 'flood369@example.org'")).hasSize(5);
        // the sixth opens none: it joins the sender's newest open dialog, with its subject, and nothing waits
        UUID newest = mailboxes.dialogOf(ids.get(4));
        assertThat(mailboxes.dialogOf(ids.get(5))).isEqualTo(newest);
        assertThat(mailboxes.visitorText(newest)).contains("текст 4").contains("Тема: Тема 5\n\nтекст 5");
        assertThat(rows("SELECT id FROM email_message WHERE mailbox = 'lab369' AND state = 'LIMITED'")).isEmpty();
    }
}
