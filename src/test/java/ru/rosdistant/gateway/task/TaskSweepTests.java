package ru.rosdistant.gateway.task;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.card.CardFixtures;

import static org.assertj.core.api.Assertions.assertThat;
import static ru.rosdistant.gateway.task.ServiceRequestFixtures.taskTitleOf;

/**
 * The task check's sweep (the tasks the classification event missed) reads only the classified dialogs of its
 * window, by the partial index of V70; the first check after a start reads them all; a dialog whose task fails at
 * every try does not keep newer ones from theirs. Lines lab860, lab861, lab900, lab901.
 */
@GatewayTest
class TaskSweepTests {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Autowired
    Tasks tasks;

    @Autowired
    TaskProperties properties;

    @Test
    void aDialogWhoseTaskWasMissedGetsItFromTheNextCheckWithinTheWindowAndFromTheFirstCheckAfterAStartBeyondIt() {
        Checks.eventually(() -> tasks.caughtUp() ? true : null, "the first check after the start");
        Agent agent = Staff.agent(agents, "lab860", 5);
        UUID card = CardFixtures.card(db, "Сроки 860", List.of("sweep860@example.org"), List.of());
        UUID recent = classifiedWithoutTask(agent, card, "lab860", "R-860-1", Duration.ofDays(2));
        UUID old = classifiedWithoutTask(agent, card, "lab860", "R-860-2", properties.sweepWindow().plusDays(16));

        tasks.sweep(properties.sweepWindow()).block(WAIT);
        assertThat(taskTitleOf(db, recent)).isEqualTo("Сообщить результат по заявке R-860-1");
        // beyond the window a check of a running gateway leaves it (its event and every check of the window missed
        // it: a fault the log tells at each of them), ...
        assertThat(taskTitleOf(db, old)).isNull();

        // ... the first check after a start (all classified dialogs) gives it its task, due from its classification
        tasks.sweep(null).block(WAIT);
        assertThat(taskTitleOf(db, old)).isEqualTo("Сообщить результат по заявке R-860-2");
        assertThat(Checks.text(db, "SELECT count(*)::text AS v FROM task WHERE dialog_id IN ('" + recent + "', '"
                + old + "')")).isEqualTo("2");
    }

    @Test
    void theSweepOfTheWindowReadsThePartialIndexNotTheWholeDialogTable() {
        // 4,000 closed dialogs of one visitor over two years, one in four a service request, all classified
        // before the window; then the planner's statistics
        UUID visitor = closedDialogs("lab861", 4000, "CASE WHEN i % 4 = 0 THEN 'SERVICE_REQUEST' ELSE 'CONSULTATION' END",
                "interval '30 days' + i * interval '4 hours'");
        try {
            db.sql("ANALYZE dialog").then().block(WAIT);

            assertThat(planOfTheWindow(Tasks.UNTASKED)).contains("dialog_task_sweep")
                    .doesNotContain("Seq Scan on dialog").doesNotContain("Seq Scan on offline_appeal");
        } finally {
            deleteDialogsOf(visitor);
        }
    }

    @Test
    void dialogsWhoseTaskFailsAtEveryTryDoNotKeepANewerDialogFromItsTask() {
        // 201 classified dialogs older than the good one, within the window, whose task fails at every try (no one
        // classified them: the task has no owner), more than a sweep's page of 200
        UUID visitor = closedDialogs("lab901", 201, "'SERVICE_REQUEST'", "interval '5 days' + i * interval '1 minute'");
        try {
            Agent agent = Staff.agent(agents, "lab900", 5);
            UUID card = CardFixtures.card(db, "Сроки 900", List.of("sweep900@example.org"), List.of());
            UUID good = classifiedWithoutTask(agent, card, "lab900", "R-900-1", Duration.ofDays(1));

            // the first pass takes the 200 oldest, which fail; the next takes the last failing one and the good one
            // (on this shared 2-core machine a failure may take a fifth of a second: a pass of 200 gets minutes)
            for (int pass = 0; pass < 2 && taskTitleOf(db, good) == null; pass++) {
                tasks.sweep(properties.sweepWindow()).block(Duration.ofMinutes(3));
            }
            assertThat(taskTitleOf(db, good)).as("the good dialog's task, within two passes")
                    .isEqualTo("Сообщить результат по заявке R-900-1");
            assertThat(Checks.text(db, """
                    SELECT count(*) || ' ' || min(r.attempts) || ' ' || bool_and(r.next_try > now() + interval '10 minutes')
                        AS v FROM task_sweep_retry r JOIN dialog d ON d.id = r.source_id
                    WHERE d.visitor_id = '%s'""".formatted(visitor)))
                    .as("each failing dialog recorded, to be tried again a check interval later")
                    .isEqualTo("201 1 true");
        } finally {
            deleteDialogsOf(visitor);
        }
    }

    /**
     * {@code count} closed dialogs of a visitor of their own on site and line {@code line}: the i-th (from 1) of
     * appeal type {@code appealType} (an SQL expression of {@code i}), with number R-line-i unless a consultation,
     * opened, closed and classified {@code age} (an SQL interval of {@code i}) ago, by no one. Their visitor's id.
     */
    private UUID closedDialogs(String line, int count, String appealType, String age) {
        UUID visitor = UUID.randomUUID();
        db.sql("INSERT INTO visitor (id, site_id, token_hash) VALUES (:id, :site, decode(md5(random()::text), 'hex'))")
                .bind("id", visitor)
                .bind("site", line)
                .then()
                .block(WAIT);
        db.sql("""
                        INSERT INTO dialog (id, visitor_id, site_id, line_id, state, opened_at, closed_at, closed_by,
                            appeal_type, request_number, classified_at)
                        SELECT gen_random_uuid(), :visitor, :line, :line, 'CLOSED', t, t, 'VISITOR', type,
                            CASE WHEN type <> 'CONSULTATION' THEN 'R-' || :line || '-' || i END, t
                        FROM generate_series(1, :count) AS i,
                            LATERAL (SELECT now() - (%s) AS t, %s AS type) AS made""".formatted(age, appealType))
                .bind("visitor", visitor)
                .bind("line", line)
                .bind("count", count)
                .then()
                .block(WAIT);
        return visitor;
    }

    /** Deletes the dialogs of {@link #closedDialogs} and the sweep's record of them. */
    private void deleteDialogsOf(UUID visitor) {
        db.sql("DELETE FROM task_sweep_retry WHERE source_id IN (SELECT id FROM dialog WHERE visitor_id = :visitor)")
                .bind("visitor", visitor)
                .then()
                .block(WAIT);
        db.sql("DELETE FROM dialog WHERE visitor_id = :visitor").bind("visitor", visitor).then().block(WAIT);
    }

    /** The planner's plan of a sweep query over the window that ends now. */
    private String planOfTheWindow(String sweep) {
        return String.join("\n", db.sql("EXPLAIN " + sweep)
                .bind("since", Instant.now().minus(properties.sweepWindow()).atOffset(ZoneOffset.UTC))
                .map(row -> row.get(0, String.class))
                .all()
                .collectList()
                .block(WAIT));
    }

    /** A closed dialog classified {@code ago} as a service request, whose task the event did not create. */
    private UUID classifiedWithoutTask(Agent agent, UUID card, String line, String number, Duration ago) {
        UUID dialog = CardFixtures.closedDialog(db, card, line, "заявка " + number);
        ServiceRequestFixtures.classified(db, dialog, agent, number, ago);
        return dialog;
    }
}
