package ru.rosdistant.gateway.task;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.env.Environment;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.RowLock;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.card.CardFixtures;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ticket desk's answer delivered twice at once (the outbox delivers at least once): the request's number is
 * written on the task once, and the task's history says so once. Line and site lab522.
 */
@GatewayTest
class TicketRegistrationRaceTests {

    private static final String LINE = "lab522";

    private static final Duration WAIT = Duration.ofSeconds(20);

    @Autowired
    DatabaseClient db;

    @Autowired
    AgentDirectory agents;

    @Autowired
    Tasks tasks;

    @Autowired
    TaskTickets tickets;

    @Autowired
    Environment environment;

    @Test
    void twoDeliveriesOfOneRegistrationAtOnceWriteTheNumberAndItsHistoryOnce() throws Exception {
        UUID task = creating(Staff.agent(agents, LINE, 5));
        TicketDesk.Request request = new TicketDesk.Request("R-522-1", 5221L);

        CompletableFuture<Task> first;
        CompletableFuture<Task> second;
        try (RowLock lock = RowLock.of(environment, "task", task)) {
            first = tickets.created(task, request).toFuture();
            second = tickets.created(task, request).toFuture();
            lock.awaitWaiting(List.of(first, second));
        }
        assertThat(first.get(WAIT.toMillis(), TimeUnit.MILLISECONDS).requestNumber()).isEqualTo("R-522-1");
        assertThat(second.get(WAIT.toMillis(), TimeUnit.MILLISECONDS).requestNumber()).isEqualTo("R-522-1");
        assertThat(Checks.text(db, "SELECT count(*)::text AS v FROM task_history WHERE task_id = '" + task
                + "' AND event = 'TICKET_CREATED'")).isEqualTo("1");
        assertThat(Checks.text(db, "SELECT ticket_state || ' ' || ticket_id AS v FROM task WHERE id = '" + task + "'"))
                .isEqualTo("OPEN 5221");
    }

    @Test
    void aRegistrationArrivingAfterTheDeskRefusedForGoodWritesNothing() {
        UUID task = creating(Staff.agent(agents, LINE, 5));
        tickets.failed(task, "the account is not let in").block(WAIT);

        Task answered = tickets.created(task, new TicketDesk.Request("R-522-2", 5222L)).block(WAIT);

        assertThat(answered.requestNumber()).isNull();
        assertThat(Checks.text(db, "SELECT count(*)::text AS v FROM task_history WHERE task_id = '" + task
                + "' AND event = 'TICKET_CREATED'")).isEqualTo("0");
        assertThat(Checks.text(db, "SELECT ticket_state AS v FROM task WHERE id = '" + task + "'")).isEqualTo("FAILED");
    }

    /** A service request's task waiting for the desk to register its request (as one classified without a number). */
    private UUID creating(Agent agent) {
        UUID card = CardFixtures.card(db, "Пётр Иванов", List.of(), List.of());
        UUID dialog = CardFixtures.closedDialog(db, card, LINE, "Посетитель: нужна справка");
        db.sql("UPDATE dialog SET appeal_type = 'SERVICE_REQUEST', request_number = 'TEMP', classified_by = :agent, "
                        + "classified_at = now() WHERE id = :id")
                .bind("agent", agent.id())
                .bind("id", dialog)
                .then()
                .block(WAIT);
        UUID task = tasks.createFor(dialog).block(WAIT).id();
        // the number typed at classification stands in for none: the task waits for the desk's
        db.sql("UPDATE task SET request_number = NULL, ticket_id = NULL, ticket_state = 'CREATING' WHERE id = :id")
                .bind("id", task)
                .then()
                .then(db.sql("UPDATE dialog SET request_number = NULL, ticket_wanted = true WHERE id = :id")
                        .bind("id", dialog)
                        .then())
                .block(WAIT);
        return task;
    }
}
