package ru.rosdistant.gateway.email;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.WsClient;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.agent.Role;
import ru.rosdistant.gateway.dialog.DialogManagement;
import ru.rosdistant.gateway.dialog.DialogQueries;
import ru.rosdistant.gateway.dialog.Visitor;
import ru.rosdistant.gateway.triage.DispatcherTriage;

import static org.assertj.core.api.Assertions.assertThat;
import static ru.rosdistant.gateway.email.TestMailboxes.mail;
import static ru.rosdistant.gateway.email.TestMailboxes.messageId;

/**
 * E-mail dialogs at the staff's desk: the REST list, take and failed mails by role; the card's responsible agent
 * told of a mail; a bouncing address on the card; an info@ mail in the dispatcher's triage. Lines lab370–lab375.
 */
@GatewayTest
class EmailDeskTests {

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
    DialogQueries dialogQueries;

    @Autowired
    DispatcherTriage triage;

    private WebTestClient.ResponseSpec get(Agent agent, String uri) {
        return TestMailboxes.get(port, agent, uri);
    }

    private WebTestClient.ResponseSpec take(Agent agent, Object dialogId) {
        return Checks.http(port).post().uri("/api/email/dialogs/" + dialogId + "/take")
                .headers(h -> h.setBasicAuth(agent.login(), Staff.PASSWORD)).exchange();
    }

    private static boolean lists(JsonNode list, UUID dialogId) {
        return list.valueStream().anyMatch(item -> item.path("dialogId").asString().equals(dialogId.toString()));
    }

    @Test
    void theLineListTakeAndFailedMailsAnswerEachRoleAndNeverFailWithA500() throws Exception {
        String address = mailboxes.open("lab370", "main", "lab370");
        String question = messageId();
        mailboxes.deliver("lab370", mail("Нина <nina370@example.org>", address, question, "Общежитие", "Есть ли места?"));
        mailboxes.deliver("lab370", "From: bad370@example.org\r\nTo: " + address + "\r\nMessage-ID: " + messageId()
                + "\r\nSubject: Broken370\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"nope\"\r\n\r\n"
                + "no boundary anywhere in this body\r\n");
        mailboxes.read("lab370");
        UUID dialogId = mailboxes.dialogOf(question);

        Agent ofLine = Staff.agent(agents, "lab370", 1);
        Agent colleague = Staff.agent(agents, "lab370", 1);
        Agent otherLine = Staff.agent(agents, "lab371", 1);
        Agent supervisor = Staff.agent(agents, "lab371", 1, Role.SUPERVISOR);

        // the list: the line's agents see the mail with its sender and subject, another line's agent does not
        JsonNode list = Checks.body(get(ofLine, "/api/email/dialogs").expectStatus().isOk());
        JsonNode item = list.valueStream().filter(i -> i.path("dialogId").asString().equals(dialogId.toString()))
                .findFirst().orElseThrow();
        assertThat(item.path("from").asString()).isEqualTo("nina370@example.org");
        assertThat(item.path("subject").asString()).isEqualTo("Общежитие");
        assertThat(item.path("lineId").asString()).isEqualTo("lab370");
        assertThat(item.path("since").isNull()).isFalse();
        assertThat(lists(Checks.body(get(otherLine, "/api/email/dialogs").expectStatus().isOk()), dialogId)).isFalse();
        Checks.http(port).get().uri("/api/email/dialogs").exchange().expectStatus().isUnauthorized();
        // a silly page size is bounded, a word is a client's mistake
        get(ofLine, "/api/email/dialogs?limit=-5").expectStatus().isOk();
        get(ofLine, "/api/email/dialogs?limit=1000000").expectStatus().isOk();
        get(ofLine, "/api/email/dialogs?limit=many").expectStatus().isBadRequest();

        // take: another line's agent, an unknown id, a chat dialog and a malformed id are refused without a 500
        take(otherLine, dialogId).expectStatus().isNotFound();
        take(ofLine, UUID.randomUUID()).expectStatus().isNotFound();
        take(ofLine, "not-a-uuid").expectStatus().isBadRequest();
        UUID chat = chatDialog("lab370");
        take(ofLine, chat).expectStatus().isNotFound();
        assertThat(dialogQueries.find(chat).block(WAIT).agentId()).isNull();
        Checks.http(port).post().uri("/api/email/dialogs/" + dialogId + "/take").exchange()
                .expectStatus().isUnauthorized();

        JsonNode taken = Checks.body(take(ofLine, dialogId).expectStatus().isOk());
        assertThat(taken.path("state").asString()).isEqualTo("ASSIGNED");
        assertThat(taken.path("agentId").asLong()).isEqualTo(ofLine.id());
        // taken once: a colleague's take is a conflict, and the mail leaves the list
        take(colleague, dialogId).expectStatus().isEqualTo(409);
        assertThat(lists(Checks.body(get(colleague, "/api/email/dialogs").expectStatus().isOk()), dialogId)).isFalse();

        // failed mails: supervisors only
        get(ofLine, "/api/supervisor/email/failed").expectStatus().isForbidden();
        Checks.http(port).get().uri("/api/supervisor/email/failed").exchange().expectStatus().isUnauthorized();
        JsonNode failed = Checks.body(get(supervisor, "/api/supervisor/email/failed?limit=500").expectStatus().isOk());
        assertThat(failed.valueStream().filter(f -> "lab370".equals(f.path("mailbox").asString())))
                .singleElement()
                .satisfies(f -> {
                    assertThat(f.path("from").asString()).isEqualTo("bad370@example.org");
                    assertThat(f.path("rawKept").asBoolean()).isTrue();
                    assertThat(f.path("reason").asString()).isNotBlank();
                });
        get(supervisor, "/api/supervisor/email/failed?limit=x").expectStatus().isBadRequest();
    }

    /** A Telegram dialog on the line: not an e-mail dialog. */
    private UUID chatDialog(String line) {
        UUID visitorId = UUID.randomUUID();
        db.sql("INSERT INTO visitor (id, site_id, token_hash, name) VALUES (:id, 'main', :hash, 'Чат')")
                .bind("id", visitorId)
                .bind("hash", UUID.randomUUID().toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                .then()
                .block(WAIT);
        return dialogs.openFromChannel(new Visitor(visitorId, "main", null, false), "TELEGRAM", "main", line, "Чат")
                .block(WAIT)
                .id();
    }

    @Test
    void theCardsResponsibleAgentIsToldWhenThePersonWritesByMail() throws Exception {
        String address = mailboxes.open("lab372", "main", "lab372");
        String first = messageId();
        mailboxes.deliver("lab372", mail("Пётр Иванов <petr372@example.org>", address, first, "Первое", "Здравствуйте"));
        mailboxes.read("lab372");
        UUID firstDialog = mailboxes.dialogOf(first);
        String cardId = Checks.text(db, "SELECT card_id::text AS v FROM dialog WHERE id = '" + firstDialog + "'");
        Agent responsible = Staff.agent(agents, "lab372", 5);
        db.sql("UPDATE card SET responsible_agent_id = :agent, responsible_since = now() - interval '1 day' "
                        + "WHERE id = CAST(:card AS uuid)")
                .bind("agent", responsible.id())
                .bind("card", cardId)
                .then()
                .block(WAIT);

        try (WsClient console = Staff.console(port, responsible)) {
            String again = messageId();
            mailboxes.deliver("lab372", mail("petr372@example.org", address, again, "Второе", "Это снова я"));
            mailboxes.read("lab372");
            UUID secondDialog = mailboxes.dialogOf(again);
            assertThat(secondDialog).isNotEqualTo(firstDialog);
            JsonNode notice = console.await(frame -> "card_notice".equals(frame.path("type").asString())
                    && secondDialog.toString().equals(frame.path("dialogId").asString()), "card_notice");
            assertThat(notice.path("cardId").asString()).isEqualTo(cardId);
            assertThat(notice.path("text").asString()).isEqualTo("Снова обращается: Пётр Иванов (e-mail)");
            assertThat(Checks.text(db, "SELECT owner_agent_id::text AS v FROM task WHERE notice_key = 'dialog:"
                    + secondDialog + "' AND kind = 'PERSON_WROTE_AGAIN'")).isEqualTo(String.valueOf(responsible.id()));
        }
    }

    @Test
    void aBouncingAddressIsShownWithTheCard() throws Exception {
        String address = mailboxes.open("lab373", "main", "lab373");
        UUID dialogId = mailboxes.dialogOpenedBy("lab373", "gone373@example.org", "Вопрос", "текст");
        Agent agent = Staff.agent(agents, "lab373", 1);
        JsonNode before = Checks.body(get(agent, "/api/dialogs/" + dialogId + "/card").expectStatus().isOk());
        assertThat(before.path("bouncingEmails").isEmpty()).isTrue();

        mailboxes.deliver("lab373", "From: MAILER-DAEMON@example.org\r\nTo: " + address + "\r\nMessage-ID: "
                + messageId() + "\r\nSubject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n"
                + "--B\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
                + "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\n"
                + "Final-Recipient: rfc822; gone373@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--B--\r\n");
        mailboxes.read("lab373");

        JsonNode after = Checks.body(get(agent, "/api/dialogs/" + dialogId + "/card").expectStatus().isOk());
        assertThat(after.path("card").path("emails").valueStream().map(JsonNode::asString)).contains("gone373@example.org");
        assertThat(after.path("bouncingEmails").valueStream().map(b -> b.path("address").asString()))
                .containsExactly("gone373@example.org");
    }

    @Test
    void aMailToInfoIsTriagedByTheDispatcherWithinTenMinutesOfItsArrival() throws Exception {
        String address = mailboxes.open("lab375", "main", "dispatcher");
        String question = messageId();
        mailboxes.deliver("lab375", mail("olga375@example.org", address, question, "Вопрос о поступлении",
                "Как подать документы в магистратуру?"));
        mailboxes.read("lab375");
        UUID dialogId = mailboxes.dialogOf(question);
        Instant arrived = Instant.parse(Checks.text(db, "SELECT to_char(opened_at AT TIME ZONE 'UTC', "
                + "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS v FROM dialog WHERE id = '" + dialogId + "'"));

        // the clock runs from the mail's arrival, though the e-mail dialog stays open on the line's list
        DispatcherTriage.Pending nine = pendingAt(dialogId, arrived.plus(Duration.ofMinutes(9)));
        assertThat(nine.deadlineAt()).isEqualTo(arrived.plus(Duration.ofMinutes(10)));
        assertThat(nine.sinceEndSeconds()).isEqualTo(540);
        assertThat(nine.overdue()).isFalse();
        assertThat(nine.firstMessage()).contains("Как подать документы");
        assertThat(pendingAt(dialogId, arrived.plus(Duration.ofMinutes(11))).overdue()).isTrue();
        assertThat(triage.overdue(arrived.plus(Duration.ofMinutes(11)), DispatcherTriage.MAX_PAGE, 0).block(WAIT)
                .items()).anyMatch(p -> p.dialog().id().equals(dialogId));
        assertThat(triage.overdue(arrived.plus(Duration.ofMinutes(9)), DispatcherTriage.MAX_PAGE, 0).block(WAIT)
                .items()).noneMatch(p -> p.dialog().id().equals(dialogId));

        // the dispatcher sends it to the applicants' line, where it waits on that line's e-mail list
        Agent dispatcher = Staff.agent(agents, "dispatcher", 10, Role.DISPATCHER);
        try (WsClient console = Staff.online(port, dispatcher)) {
            console.send(Map.of("type", "triage", "dialogId", dialogId.toString(), "outcome", "applicant"));
            Checks.eventually(() -> "applicant-recruitment".equals(Checks.text(db, "SELECT line_id AS v FROM dialog "
                    + "WHERE id = '" + dialogId + "'")) ? dialogId : null, "the triage");
        }
        assertThat(Checks.text(db, "SELECT state || ' ' || triage AS v FROM dialog WHERE id = '" + dialogId + "'"))
                .isEqualTo("WAITING APPLICANT");
        Agent applicants = Staff.agent(agents, "applicant-recruitment", 1);
        assertThat(lists(Checks.body(get(applicants, "/api/email/dialogs?limit=500").expectStatus().isOk()), dialogId))
                .isTrue();
        assertThat(triage.pending(Instant.now(), DispatcherTriage.MAX_PAGE, 0).block(WAIT).items())
                .noneMatch(p -> p.dialog().id().equals(dialogId));
    }

    private DispatcherTriage.Pending pendingAt(UUID dialogId, Instant now) {
        return triage.pending(now, DispatcherTriage.MAX_PAGE, 0).block(WAIT).items().stream()
                .filter(p -> p.dialog().id().equals(dialogId))
                .findFirst()
                .orElseThrow(() -> new AssertionError("not in the triage list: " + dialogId));
    }
}
