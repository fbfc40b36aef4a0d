package ru.rosdistant.gateway.task;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.OwnNettyResources;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.WsClient;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.card.CardBinding;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ticket desk in iTop, against {@link FakeItop}: a gateway of its own connected to it (lines lab380, lab381).
 * Requests the agent has the gateway register, typed numbers checked, lost answers and errors, the poller. Its own
 * embedded PostgreSQL, so that nothing of the shared gateway acts on its dialogs.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        // a database of its own: the shared gateway's sweeps (abandoned waiting visitors, tasks) would act on these
        // dialogs, whose sockets it does not hold
        "gateway.embedded-db.data-dir=target/test-postgres-itop",
        "gateway.ticket-desk.user-env=ITOP_TEST_USER", "gateway.ticket-desk.password-env=ITOP_TEST_PASSWORD",
        "ITOP_TEST_USER=" + FakeItop.USER, "ITOP_TEST_PASSWORD=" + FakeItop.PASSWORD,
        "gateway.ticket-desk.timeout=3s", "gateway.ticket-desk.org-id=3", "gateway.ticket-desk.caller-id=77",
        "gateway.ticket-desk.services.service-request.service-id=10",
        "gateway.ticket-desk.services.service-request.servicesubcategory-id=11",
        "gateway.ticket-desk.services.service-request.request-type=service_request",
        "gateway.ticket-desk.services.change-request.service-id=20",
        "gateway.ticket-desk.services.change-request.servicesubcategory-id=21",
        "gateway.ticket-desk.services.complaint.service-id=30",
        "gateway.ticket-desk.lines.lab381.complaint.service-id=31",
        "gateway.ticket-desk.lines.lab381.complaint.servicesubcategory-id=32",
        "gateway.ticket-desk.origins.widget=chat",
        // a desk taken down by one test is asked again soon after, by the next
        "gateway.ticket-desk.check-pause=1s", "gateway.ticket-desk.checks-per-minute=600",
        // the poller is driven by the tests
        "gateway.ticket-desk.poll-interval=1h",
        "gateway.outbox.backoff-start=200ms", "gateway.outbox.backoff-max=1s" })
@ActiveProfiles("test")
@DirtiesContext
@Import(OwnNettyResources.class)
class ItopTicketDeskTests {

    private static final FakeItop itop = new FakeItop();

    private static final String SITE = "lab380";

    @DynamicPropertySource
    static void desk(DynamicPropertyRegistry registry) {
        registry.add("gateway.ticket-desk.url", itop::url);
    }

    @AfterAll
    static void stopItop() {
        itop.stop();
    }

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Autowired
    CardBinding binding;

    @Autowired
    TicketDesk desk;

    @Autowired
    TicketPoller poller;

    @Test
    void eachAppealTypeBecomesExactlyOneRequestFiledAsMappedWithThePersonAndTheTranscript() {
        Agent agent = Staff.agent(agents, SITE, 5);
        Agent complaints = Staff.agent(agents, "lab381", 5);
        Map<String, Long> services = Map.of("SERVICE_REQUEST", 10L, "CHANGE_REQUEST", 20L, "COMPLAINT", 31L);
        Map<String, Object> subcategories = Map.of("SERVICE_REQUEST", 11L, "CHANGE_REQUEST", 21L, "COMPLAINT", 32L);
        for (String type : List.of("SERVICE_REQUEST", "CHANGE_REQUEST", "COMPLAINT")) {
            boolean complaint = type.equals("COMPLAINT");
            String dialogId = closedDialog(complaint ? complaints : agent, complaint ? "lab381" : SITE,
                    Map.of("appealType", type, "createTicket", true), this::fillCard);
            Map<String, String> task = taskWithTicket(dialogId);
            List<ObjectNode> filed = itop.ticketsTitled("[gw-" + task.get("id") + "]");
            assertThat(filed).as(type + ": one request in iTop").hasSize(1);
            ObjectNode ticket = filed.get(0);
            assertThat(task.get("request_number")).isEqualTo(ticket.path("ref").asString());
            assertThat(task.get("ticket_id")).isEqualTo(String.valueOf(ticket.path("id").asLong()));
            assertThat(task.get("title")).endsWith(" " + ticket.path("ref").asString());
            assertThat(ticket.path("service_id").asLong()).isEqualTo(services.get(type));
            assertThat(ticket.path("servicesubcategory_id").asLong()).isEqualTo(subcategories.get(type));
            assertThat(ticket.path("org_id").asLong()).isEqualTo(3);
            assertThat(ticket.path("caller_id").asLong()).isEqualTo(77);
            assertThat(ticket.path("origin").asString()).isEqualTo("chat");
            assertThat(ticket.path("request_type").isMissingNode()).isEqualTo(!type.equals("SERVICE_REQUEST"));
            String description = ticket.path("description").asString();
            assertThat(description).contains("Иванова Мария Петровна", "ЭКб-2101", "+79171234567",
                    "maria@example.org")
                    .as("the visitor's words, escaped: iTop's description is HTML")
                    .contains("&lt;b&gt;справка&lt;/b&gt;").doesNotContain("<b>справка</b>");
            assertThat(Checks.text(db, "SELECT request_number AS v FROM dialog WHERE id = '" + dialogId + "'"))
                    .isEqualTo(ticket.path("ref").asString());
            assertThat(Checks.text(db, "SELECT string_agg(event, ',' ORDER BY id) AS v FROM task_history WHERE task_id = '"
                    + task.get("id") + "'")).isEqualTo("CREATED,TICKET_CREATED");
        }
    }

    @Test
    void anAnswerLostAfterTheRequestWasCreatedMakesNoSecondRequestOnTheRetry() {
        Agent agent = Staff.agent(agents, SITE, 5);
        int createsBefore = itop.calls("core/create").size();
        itop.dropNextCreateAnswer();
        String dialogId = closedDialog(agent, SITE, Map.of("appealType", "SERVICE_REQUEST", "createTicket", true),
                id -> { });
        Map<String, String> task = taskWithTicket(dialogId);
        assertThat(itop.ticketsTitled("[gw-" + task.get("id") + "]")).hasSize(1);
        assertThat(itop.calls("core/create")).hasSize(createsBefore + 1);
        assertThat(Checks.text(db, "SELECT attempts::text AS v FROM outbox WHERE dedup_key = 'ticket-desk-create:"
                + task.get("id") + "'")).isEqualTo("2");
    }

    @Test
    void aServerErrorAnInternalErrorAndALoginPageAreRetriedWithBackOff() {
        Agent agent = Staff.agent(agents, SITE, 5);
        itop.fail(FakeItop.Fault.HTTP_500, FakeItop.Fault.INTERNAL_ERROR, FakeItop.Fault.HTML_PAGE);
        String dialogId = closedDialog(agent, SITE, Map.of("appealType", "CHANGE_REQUEST", "createTicket", true),
                id -> { });
        Map<String, String> task = taskWithTicket(dialogId);
        assertThat(itop.ticketsTitled("[gw-" + task.get("id") + "]")).hasSize(1);
        String outbox = Checks.text(db, "SELECT state || ' ' || attempts AS v FROM outbox WHERE dedup_key = "
                + "'ticket-desk-create:" + task.get("id") + "'");
        assertThat(outbox).isEqualTo("DELIVERED 4");
    }

    @Test
    void anAccountITopRefusesIsPermanentAndTheLinesSupervisorIsTold() {
        Agent agent = Staff.agent(agents, SITE, 5);
        itop.refuseAccount();
        try {
            String dialogId = closedDialog(agent, SITE, Map.of("appealType", "SERVICE_REQUEST", "createTicket", true),
                    id -> { });
            String taskId = Checks.eventually(() -> Checks.text(db, "SELECT id::text AS v FROM task WHERE dialog_id = '"
                    + dialogId + "' AND ticket_state = 'FAILED'"), "the task's registration refused");
            assertThat(Checks.text(db, "SELECT state || ' ' || attempts || ' ' || last_error AS v FROM outbox "
                    + "WHERE dedup_key = 'ticket-desk-create:" + taskId + "'"))
                    .startsWith("FAILED 1 ").contains("error 1", "Invalid login");
            assertThat(Checks.text(db, "SELECT payload->>'to' AS v FROM outbox WHERE dedup_key LIKE "
                    + "'ticket-desk-refused:lab380:%'")).isEqualTo("lab380-supervisor@test");
            assertThat(Checks.text(db, "SELECT detail AS v FROM task_history WHERE task_id = '" + taskId
                    + "' AND event = 'TICKET_FAILED'")).contains("Invalid login");
            assertThat(Checks.text(db, "SELECT request_number AS v FROM task WHERE id = '" + taskId + "'")).isNull();

            // the poller, refused as well, tells the supervisors of the lines it follows
            db.sql("""
                            INSERT INTO task (id, card_id, kind, title, request_number, line_id, owner_agent_id, due,
                                ticket_id, ticket_state)
                            SELECT :id, card_id, kind, title, 'R-381381', 'lab381', owner_agent_id, due, 381381, 'OPEN'
                            FROM task WHERE id = :from""")
                    .bind("id", UUID.randomUUID())
                    .bind("from", UUID.fromString(taskId))
                    .then()
                    .block(Duration.ofSeconds(10));
            StepVerifier.create(poller.pass())
                    .expectErrorMatches(error -> error.getMessage().contains("Invalid login"))
                    .verify(Duration.ofSeconds(30));
            assertThat(Checks.text(db, "SELECT payload->>'subject' AS v FROM outbox WHERE dedup_key LIKE "
                    + "'ticket-desk-refused:lab381:%'")).contains("не принимает");
        }
        finally {
            itop.letIn();
        }
    }

    @Test
    void aTypedNumberMustNameAnExistingRequestAndNothingTypedIsEverSentAsAQuery() {
        long known = itop.add("R-000777", "assigned");
        StepVerifier.create(desk.checkRequestNumber("R-000777"))
                .expectNext(new TicketDesk.Request("R-000777", known))
                .expectComplete()
                .verify(Duration.ofSeconds(10));
        StepVerifier.create(desk.checkRequestNumber("R-404404"))
                .expectErrorMatches(error -> error instanceof IllegalArgumentException
                        && error.getMessage().contains("No request R-404404"))
                .verify(Duration.ofSeconds(10));
        JsonNode lookup = itop.calls("core/get").get(itop.calls("core/get").size() - 1).data();
        assertThat(lookup.path("key").isObject()).as("a field hash, never OQL").isTrue();
        assertThat(lookup.path("key").path("ref").asString()).isEqualTo("R-404404");

        assertThat(itop.calls("list_operations")).as("the account checked at start").isNotEmpty();
        int callsBefore = itop.calls().size();
        for (String hostile : List.of("R-1' OR 1=1", "R-1\" OR \"1\"=\"1", "SELECT UserRequest", "R-1;--")) {
            StepVerifier.create(desk.checkRequestNumber(hostile))
                    .expectError(IllegalArgumentException.class)
                    .verify(Duration.ofSeconds(10));
        }
        assertThat(itop.calls()).as("refused before any call").hasSize(callsBefore);

        Agent agent = Staff.agent(agents, SITE, 5);
        String cookie = Staff.login(port, agent.login(), Staff.PASSWORD);
        assertThat(Checks.body(Checks.http(port).get().uri("/api/ticket-desk").header("Cookie", cookie).exchange()
                .expectStatus().isOk()).path("creates").asBoolean()).as("the console offers «create»").isTrue();
        try (WsClient console = Staff.online(port, agent);
                WsClient visitor = WsClient.visitor(port, SITE, "https://lab380.test")) {
            String dialogId = assigned(console, visitor);
            console.send(Map.of("type", "close", "dialogId", dialogId, "appealType", "SERVICE_REQUEST",
                    "requestNumber", "R-1' OR 1=1"));
            assertThat(console.awaitType("error").path("code").asString()).isEqualTo("INVALID_FIELD");
            console.send(Map.of("type", "close", "dialogId", dialogId, "appealType", "SERVICE_REQUEST",
                    "requestNumber", "R-404405"));
            assertThat(console.awaitType("error").path("message").asString()).contains("No request R-404405");
            assertThat(Checks.text(db, "SELECT state AS v FROM dialog WHERE id = '" + dialogId + "'"))
                    .as("a refused number leaves the dialog open").isNotEqualTo("CLOSED");
            console.send(Map.of("type", "close", "dialogId", dialogId, "appealType", "SERVICE_REQUEST",
                    "requestNumber", "R-000777"));
            console.await(f -> f.path("dialog").path("dialogId").asString().equals(dialogId)
                    && f.path("dialog").path("appealType").isString(), "classified");
            Map<String, String> task = taskWithTicket(dialogId);
            assertThat(task.get("ticket_id")).isEqualTo(String.valueOf(known));
        }
        assertThat(itop.calls().stream().filter(call -> call.data().path("key").isString())
                .map(call -> call.data().path("key").asString()))
                .as("no OQL ever carries what was typed").noneMatch(key -> key.contains("'") || key.contains("R-"));
    }

    @Test
    void oneAgentTypingNumberAfterNumberAsksITopAtMostItsShareAndOthersAreStillChecked() {
        long typist = 720_001;
        long other = 720_002;
        String run = String.valueOf(System.nanoTime() % 1_000_000);
        int callsBefore = itop.calls("core/get").size();
        for (int i = 0; i < 5; i++) {
            StepVerifier.create(desk.checkRequestNumber("R-D" + run + "-" + i, typist))
                    .expectErrorMatches(error -> error instanceof IllegalArgumentException
                            && error.getMessage().startsWith("No request"))
                    .verify(Duration.ofSeconds(10));
        }
        assertThat(itop.calls("core/get")).as("the agent's burst is asked").hasSize(callsBefore + 5);
        for (int i = 5; i < 40; i++) {
            StepVerifier.create(desk.checkRequestNumber("R-D" + run + "-" + i, typist))
                    .expectErrorMatches(error -> error instanceof TicketDeskUnavailable
                            && error.getMessage().contains("checks-per-agent"))
                    .verify(Duration.ofSeconds(10));
        }
        assertThat(itop.calls("core/get")).as("past its share the agent's numbers are kept unchecked, unasked")
                .hasSize(callsBefore + 5);

        long known = itop.add("R-D" + run + "-OK", "assigned");
        StepVerifier.create(desk.checkRequestNumber("R-D" + run + "-OK", other))
                .expectNext(new TicketDesk.Request("R-D" + run + "-OK", known))
                .expectComplete()
                .verify(Duration.ofSeconds(10));
        assertThat(itop.calls("core/get")).as("another agent is still checked").hasSize(callsBefore + 6);
    }

    @Test
    void thePollerCompletesTheTaskWithTheSolutionWhenTheRequestIsResolved() {
        Agent agent = Staff.agent(agents, SITE, 5);
        String dialogId = closedDialog(agent, SITE, Map.of("appealType", "SERVICE_REQUEST", "createTicket", true),
                id -> { });
        Map<String, String> task = taskWithTicket(dialogId);
        long key = Long.parseLong(task.get("ticket_id"));
        poller.pass().block(Duration.ofSeconds(20));
        assertThat(Checks.text(db, "SELECT state AS v FROM task WHERE id = '" + task.get("id") + "'"))
                .as("still open while iTop has it open").isEqualTo("OPEN");

        itop.resolve(key, "<p>Справка готова &amp; отправлена<br>по почте</p>");
        StepVerifier.create(poller.pass())
                .expectNextMatches(pass -> pass.completed() >= 1)
                .expectComplete()
                .verify(Duration.ofSeconds(20));
        assertThat(Checks.text(db, "SELECT state || '|' || result || '|' || ticket_state AS v FROM task WHERE id = '"
                + task.get("id") + "'")).isEqualTo("DONE|Справка готова & отправлена\nпо почте|RESOLVED");
        assertThat(Checks.text(db, "SELECT detail AS v FROM task_history WHERE task_id = '" + task.get("id")
                + "' AND event = 'COMPLETED'")).contains(task.get("request_number"));
    }

    @Test
    void hundredAndTwentyOpenRequestsAreReadInThreeCalls() {
        // only these 120 are open at the desk
        onlyTheseOpen();
        Agent agent = Staff.agent(agents, SITE, 5);
        UUID card = UUID.randomUUID();
        db.sql("INSERT INTO card (id, kind, name) VALUES (:id, 'LEAD', 'Опрос')").bind("id", card).then()
                .block(Duration.ofSeconds(10));
        List<Long> keys = new java.util.ArrayList<>();
        for (int i = 0; i < 120; i++) {
            long key = itop.add("R-9" + String.format("%05d", i), "assigned");
            keys.add(key);
            db.sql("""
                            INSERT INTO task (id, card_id, kind, title, request_number, line_id, owner_agent_id, due,
                                ticket_id, ticket_state)
                            VALUES (:id, :card, 'REQUEST_RESULT', :title, :number, 'lab380', :owner, DATE '2027-01-11',
                                :key, 'OPEN')""")
                    .bind("id", UUID.randomUUID())
                    .bind("card", card)
                    .bind("title", "Сообщить результат по заявке R-9" + i)
                    .bind("number", "R-9" + String.format("%05d", i))
                    .bind("owner", agent.id())
                    .bind("key", key)
                    .then()
                    .block(Duration.ofSeconds(10));
        }
        itop.resolve(keys.get(7), "Готово");
        itop.resolve(keys.get(119), "Готово тоже");
        int getsBefore = itop.calls("core/get").size();
        StepVerifier.create(poller.pass())
                .expectNext(new TicketPoller.Pass(3, 2))
                .expectComplete()
                .verify(Duration.ofSeconds(30));
        List<FakeItop.Call> gets = itop.calls("core/get").subList(getsBefore, itop.calls("core/get").size());
        assertThat(gets).hasSize(3);
        assertThat(gets).allSatisfy(call -> assertThat(call.data().path("key").asString())
                .matches("SELECT UserRequest WHERE id IN \\([0-9,]+\\)"));
        assertThat(Checks.text(db, "SELECT count(*)::text AS v FROM task WHERE card_id = '" + card
                + "' AND state = 'DONE'")).isEqualTo("2");
    }

    @Test
    void aNumberTypedWhileTheDeskIsDownIsCheckedAndFollowedOnceItIsBack() {
        Agent agent = Staff.agent(agents, "lab580", 5);
        String number = "R-58" + String.format("%04d", System.nanoTime() % 10_000);
        String unknown = "R-59" + number.substring(4);
        long known = itop.add(number, "assigned");
        itop.down();
        String typed;
        String mistyped;
        try {
            typed = closedDialog(agent, "lab580", Map.of("appealType", "SERVICE_REQUEST", "requestNumber",
                    number), id -> { });
            mistyped = closedDialog(agent, "lab580", Map.of("appealType", "CHANGE_REQUEST", "requestNumber",
                    unknown), id -> { });
            for (String dialogId : List.of(typed, mistyped)) {
                assertThat(Checks.eventually(() -> Checks.text(db, "SELECT coalesce(ticket_state, '-') || ' ' || "
                        + "coalesce(ticket_id::text, '-') AS v FROM task WHERE dialog_id = '" + dialogId + "'"),
                        "the task of " + dialogId)).isEqualTo("UNCHECKED -");
            }
            StepVerifier.create(poller.pass())
                    .expectErrorMatches(error -> error.getMessage().contains("HTTP 503"))
                    .verify(Duration.ofSeconds(30));
            assertThat(Checks.text(db, "SELECT ticket_state AS v FROM task WHERE dialog_id = '" + typed + "'"))
                    .as("still unchecked while the desk is down").isEqualTo("UNCHECKED");
        }
        finally {
            itop.up();
        }

        poller.pass().block(Duration.ofSeconds(30));
        assertThat(Checks.text(db, "SELECT ticket_state || ' ' || ticket_id || ' ' || state AS v FROM task "
                + "WHERE dialog_id = '" + typed + "'")).isEqualTo("OPEN " + known + " OPEN");
        assertThat(Checks.text(db, "SELECT ticket_state || ' ' || state AS v FROM task WHERE dialog_id = '"
                + mistyped + "'")).as("a number the desk does not know: completed by hand").isEqualTo("UNKNOWN OPEN");
        assertThat(Checks.text(db, "SELECT h.detail AS v FROM task_history h JOIN task t ON t.id = h.task_id "
                + "WHERE t.dialog_id = '" + mistyped + "' AND h.event = 'TICKET_UNKNOWN'")).contains(unknown);
        assertThat(Checks.text(db, "SELECT payload->>'subject' AS v FROM outbox WHERE dedup_key LIKE "
                + "'ticket-desk-unknown:lab580:" + agent.id() + ":%'"))
                .as("the line's supervisor learns who typed a number the desk does not know").contains(unknown);

        itop.resolve(known, "<p>Выполнено</p>");
        poller.pass().block(Duration.ofSeconds(30));
        assertThat(Checks.text(db, "SELECT state || '|' || result || '|' || ticket_state AS v FROM task "
                + "WHERE dialog_id = '" + typed + "'")).isEqualTo("DONE|Выполнено|RESOLVED");
        assertThat(Checks.text(db, "SELECT string_agg(h.event, ',' ORDER BY h.id) AS v FROM task_history h "
                + "JOIN task t ON t.id = h.task_id WHERE t.dialog_id = '" + typed + "'"))
                .as("the result is then sent to the person (RESULT_SENT)")
                .startsWith("CREATED,TICKET_CHECKED,COMPLETED");
        assertThat(itop.calls("core/get").stream().filter(call -> call.data().path("key").isString())
                .map(call -> call.data().path("key").asString()))
                .as("typed numbers are looked up by a field hash, never in OQL").noneMatch(key -> key.contains("R-"));
    }

    @Test
    void aRequestWhoseAnswerIsTooLargeToReadDoesNotHoldUpTheOthers() {
        onlyTheseOpen();
        Agent agent = Staff.agent(agents, "lab580", 5);
        UUID card = UUID.randomUUID();
        db.sql("INSERT INTO card (id, kind, name) VALUES (:id, 'LEAD', 'Опрос')").bind("id", card).then()
                .block(Duration.ofSeconds(10));
        long small = itop.add("R-000591", "assigned");
        long huge = itop.add("R-000592", "assigned");
        for (long key : List.of(small, huge)) {
            db.sql("""
                            INSERT INTO task (id, card_id, kind, title, request_number, line_id, owner_agent_id, due,
                                ticket_id, ticket_state)
                            VALUES (:id, :card, 'REQUEST_RESULT', 'Сообщить результат', :number, 'lab580', :owner,
                                DATE '2027-01-11', :key, 'OPEN')""")
                    .bind("id", UUID.randomUUID())
                    .bind("card", card)
                    .bind("number", "R-00059" + (key == small ? 1 : 2))
                    .bind("owner", agent.id())
                    .bind("key", key)
                    .then()
                    .block(Duration.ofSeconds(10));
        }
        itop.resolve(small, "Готово");
        itop.resolve(huge, "<p>" + "очень длинное решение ".repeat(200_000) + "</p>");
        StepVerifier.create(poller.pass())
                .expectNext(new TicketPoller.Pass(3, 1))
                .expectComplete()
                .verify(Duration.ofSeconds(60));
        assertThat(Checks.text(db, "SELECT string_agg(request_number || ' ' || state, ',' ORDER BY request_number) "
                + "AS v FROM task WHERE card_id = '" + card + "'")).isEqualTo("R-000591 DONE,R-000592 OPEN");
    }

    /** Only the tasks a test makes are open at the desk. */
    private void onlyTheseOpen() {
        db.sql("UPDATE task SET state = 'DONE', result = 'earlier test', completed_at = now() "
                + "WHERE state = 'OPEN' AND (ticket_id IS NOT NULL OR ticket_state = 'UNCHECKED')").then()
                .block(Duration.ofSeconds(10));
    }

    /** The person's card as an agent would have filled it in. */
    private void fillCard(String dialogId) {
        UUID card = binding.cardOf(UUID.fromString(dialogId)).block(Duration.ofSeconds(10));
        db.sql("""
                        UPDATE card SET name = 'Иванова Мария Петровна', study_group = 'ЭКб-2101',
                            phones = ARRAY['+79171234567'], emails = ARRAY['maria@example.org'] WHERE id = :id""")
                .bind("id", card)
                .then()
                .block(Duration.ofSeconds(10));
    }

    private String assigned(WsClient console, WsClient visitor) {
        visitor.send("{\"type\":\"hello\"}");
        visitor.awaitType("welcome");
        visitor.send("{\"type\":\"open\"}");
        String dialogId = visitor.awaitType("opened").path("dialog").path("dialogId").asString();
        visitor.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "v-1", "text",
                "Нужна <b>справка</b> об обучении"));
        console.await(frame -> frame.path("dialog").path("dialogId").asString().equals(dialogId)
                && frame.path("dialog").path("state").asString().equals("ASSIGNED"), "assigned");
        return dialogId;
    }

    /** A dialog on the site's line that the agent gets and closes with the classification. */
    private String closedDialog(Agent agent, String site, Map<String, Object> classification,
            Consumer<String> beforeClose) {
        try (WsClient console = Staff.online(port, agent);
                WsClient visitor = WsClient.visitor(port, site, "https://" + site + ".test")) {
            String dialogId = assigned(console, visitor);
            beforeClose.accept(dialogId);
            Map<String, Object> frame = new HashMap<>(classification);
            frame.put("type", "close");
            frame.put("dialogId", dialogId);
            console.send(frame);
            console.await(f -> f.path("dialog").path("dialogId").asString().equals(dialogId)
                    && f.path("dialog").path("appealType").isString(), "classified");
            return dialogId;
        }
    }

    /** The dialog's task once its request is known (the number, iTop's key). */
    private Map<String, String> taskWithTicket(String dialogId) {
        return Checks.eventually(() -> db.sql("""
                        SELECT id::text, title, request_number, ticket_id::text, ticket_state FROM task
                        WHERE dialog_id = :d AND ticket_state = 'OPEN'""")
                .bind("d", UUID.fromString(dialogId))
                .map(row -> {
                    Map<String, String> task = new HashMap<>();
                    for (String column : List.of("id", "title", "request_number", "ticket_id", "ticket_state")) {
                        task.put(column, row.get(column, String.class));
                    }
                    return task;
                })
                .one()
                .block(Duration.ofSeconds(10)), "the request of the task of " + dialogId);
    }
}
