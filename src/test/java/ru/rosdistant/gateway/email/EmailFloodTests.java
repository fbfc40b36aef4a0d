package ru.rosdistant.gateway.email;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.agent.Role;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A flood of mail does not become a flood of dialogs or of messages in one dialog: past the bounds of the hour a mail
 * waits, kept and listed for supervisors, and goes where it belongs once the hour frees a place, oldest first.
 * Lines lab761, lab762; lab862, lab863 (two mailboxes, one sender).
 */
@GatewayTest
class EmailFloodTests {

    @RegisterExtension
    static final TestMailboxes mailboxes = new TestMailboxes();

    @LocalServerPort
    int port;

    @Autowired
    DatabaseClient db;

    @Autowired
    AgentDirectory agents;

    @Test
    void aMailboxOpensAtMostItsNewDialogsAnHourTheRestWaitAndOpenTheirsWhenTheHourAllows() throws Exception {
        String box = "lab761";
        String address = mailboxes.open(box, "applicant", box, "INBOX", 3);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(mailboxes.deliver(box, "sender" + i + "-761@example.org", "Вопрос " + i, "текст " + i));
        }
        assertThat(mailboxes.read(box)).isEqualTo(5);

        assertThat(Checks.rows(db, "SELECT dialog_id FROM email_dialog WHERE mailbox = :m", "m", box)).hasSize(3);
        List<Map<String, Object>> held = Checks.rows(db, "SELECT message_id, reason, held_until, dialog_id, "
                + "handled_at IS NOT NULL AS handled FROM email_message WHERE mailbox = :m AND state = 'LIMITED' "
                + "ORDER BY uid", "m", box);
        assertThat(held).extracting(row -> row.get("message_id")).containsExactly(ids.get(3), ids.get(4));
        OffsetDateTime firstOpened = (OffsetDateTime) Checks.row(db, "SELECT min(created_at) AS t FROM email_dialog "
                + "WHERE mailbox = :m", "m", box).get("t");
        assertThat(held).allSatisfy(row -> {
            assertThat((String) row.get("reason")).startsWith("Отложено: ящик " + address + " за час открыл 3 новых");
            assertThat(((OffsetDateTime) row.get("held_until")).toInstant())
                    .as("until the first dialog of the hour is an hour old")
                    .isEqualTo(firstOpened.plusHours(1).toInstant());
            assertThat(row.get("dialog_id")).isNull();
            assertThat(row.get("handled")).as("out of the queue of unhandled mail").isEqualTo(true);
        });

        // a sender whose dialog is open writes on it: the mail joins it, with its subject, and waits for nothing
        String again = mailboxes.deliver(box, "sender0-761@example.org", "Ещё вопрос", "и ещё");
        mailboxes.read(box);
        UUID first = mailboxes.dialogOf(ids.get(0));
        assertThat(mailboxes.dialogOf(again)).isEqualTo(first);
        assertThat(mailboxes.visitorText(first)).contains("Тема: Ещё вопрос\n\nи ещё");

        // the supervisor sees what waits, and until when
        Agent supervisor = Staff.agent(agents, box, 1, Role.SUPERVISOR);
        List<JsonNode> waiting = TestMailboxes.failedMails(port, supervisor).stream()
                .filter(item -> item.path("mailbox").asString().equals(box))
                .toList();
        assertThat(waiting).extracting(item -> item.path("messageId").asString())
                .containsExactlyInAnyOrder(ids.get(3), ids.get(4));
        assertThat(waiting).allSatisfy(item -> {
            assertThat(item.path("state").asString()).isEqualTo("LIMITED");
            assertThat(item.path("heldUntil").asString()).isNotBlank();
        });

        // an hour later the waiting mails open their dialogs, oldest first
        mailboxes.anHourPassed(box);
        mailboxes.read(box);
        UUID fourth = mailboxes.dialogOf(ids.get(3));
        UUID fifth = mailboxes.dialogOf(ids.get(4));
        assertThat(mailboxes.visitorText(fourth)).contains("текст 3");
        assertThat(mailboxes.visitorText(fifth)).contains("текст 4");
        assertThat(Checks.rows(db, "SELECT dialog_id FROM email_dialog WHERE dialog_id IN (:a, :b) "
                + "ORDER BY created_at, dialog_id = :b", "a", fourth, "b", fifth))
                .as("oldest first").extracting(row -> row.get("dialog_id")).containsExactly(fourth, fifth);
        assertThat(Checks.row(db, "SELECT count(*) AS n FROM email_message WHERE mailbox = :m AND (state <> 'DELIVERED' "
                + "OR held_until IS NOT NULL OR reason IS NOT NULL)", "m", box).get("n"))
                .as("every mail delivered, none waiting, no reason left").isEqualTo(0L);
    }

    @Test
    void twoMailboxesReadAtTheSameMomentOpenAtMostFiveDialogsOfOneSenderTogether() throws Exception {
        String first = "lab862";
        String second = "lab863";
        String sender = "race862@example.org";
        List<String> ids = new ArrayList<>();
        for (String box : List.of(first, second)) {
            mailboxes.open(box, "applicant", box);
            for (int i = 0; i < 5; i++) {
                ids.add(mailboxes.deliver(box, sender, "Вопрос " + box + "-" + i, "текст " + i));
            }
        }
        // both passes start together, on two threads, and handle their mails while the other does
        CyclicBarrier start = new CyclicBarrier(2);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            List<Future<Integer>> passes = new ArrayList<>();
            for (String box : List.of(first, second)) {
                passes.add(threads.submit(() -> {
                    start.await();
                    return mailboxes.read(box);
                }));
            }
            for (Future<Integer> pass : passes) {
                assertThat(pass.get(3, TimeUnit.MINUTES)).isEqualTo(5);
            }
        } finally {
            threads.shutdownNow();
        }

        assertThat(Checks.row(db, "SELECT count(*) AS n FROM email_dialog WHERE contact_address = :s", "s", sender)
                .get("n")).as("new dialogs of the sender, both mailboxes together").isEqualTo(5L);
        // every other mail joined the sender's open dialog of its mailbox, or waits where the mailbox has none
        List<Map<String, Object>> mails = Checks.rows(db, "SELECT state, dialog_id FROM email_message "
                + "WHERE message_id = ANY(:ids)", "ids", ids.toArray(String[]::new));
        assertThat(mails).hasSize(10).allSatisfy(row -> assertThat(row.get("state")).isIn("DELIVERED", "LIMITED"));
        assertThat(mails).filteredOn(row -> row.get("state").equals("LIMITED"))
                .allSatisfy(row -> assertThat(row.get("dialog_id")).isNull());
    }

    @Test
    void aDialogTakesAtMostTwentyMailsAnHourTheNextWaitsAndFollowsInItsOrder() throws Exception {
        String box = "lab762";
        mailboxes.open(box, "applicant", box);
        String question = mailboxes.deliver(box, "Пётр <petr762@example.org>", "Справка", "письмо 0");
        for (int i = 1; i <= 21; i++) {
            mailboxes.deliver(box, "petr762@example.org", "Re: Справка", "письмо " + i, "In-Reply-To: " + question);
        }
        // twenty a pass (batch-size)
        assertThat(mailboxes.read(box)).isEqualTo(20);
        assertThat(mailboxes.read(box)).isEqualTo(2);
        UUID dialogId = mailboxes.dialogOf(question);
        assertThat(Checks.row(db, "SELECT count(*) AS n FROM message WHERE dialog_id = :d AND sender = 'VISITOR'",
                "d", dialogId).get("n")).isEqualTo(20L);
        List<Map<String, Object>> held = Checks.rows(db, "SELECT body, reason FROM email_message WHERE mailbox = :m "
                + "AND state = 'LIMITED' ORDER BY uid", "m", box);
        assertThat(held).extracting(row -> ((String) row.get("body")).strip())
                .containsExactly("письмо 20", "письмо 21");
        assertThat((String) held.get(0).get("reason"))
                .isEqualTo("Отложено: в этот диалог за час пришло 20 писем (предел mails-per-dialog-per-hour)");

        // a pass before the hour frees a place changes nothing
        mailboxes.read(box);
        assertThat(Checks.rows(db, "SELECT id FROM email_message WHERE mailbox = :m AND state = 'LIMITED'", "m", box))
                .hasSize(2);

        // an hour later both follow, in the order they came
        mailboxes.anHourPassed(box);
        mailboxes.read(box);
        String text = mailboxes.visitorText(dialogId);
        assertThat(text).contains("письмо 19");
        assertThat(text.indexOf("письмо 21")).isGreaterThan(text.indexOf("письмо 20"));
        assertThat(text.indexOf("письмо 20")).isGreaterThan(text.indexOf("письмо 19"));
        assertThat(Checks.rows(db, "SELECT id FROM email_message WHERE mailbox = :m AND state = 'LIMITED'", "m", box))
                .isEmpty();
    }
}
