package ru.rosdistant.gateway.report;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.Parameter;
import ru.rosdistant.gateway.GatewayTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The facts the reports read per dialog, kept on the dialog row by {@code append_message} as the messages are
 * stored (V59), and the same facts computed from the messages by {@code fill_dialog_facts} (the migration's
 * back-fill). Line lab640; the dialogs are written through the SQL function the gateway calls.
 */
@GatewayTest
class DialogFactsTests {

    private static final String FORWARDED = "00000640-0000-0000-0000-0000000000d1";

    private static final String MISSED = "00000640-0000-0000-0000-0000000000d2";

    @Autowired
    DatabaseClient db;

    long anna;

    long boris;

    @BeforeEach
    void dialogs() {
        run("""
                DELETE FROM message WHERE dialog_id::text LIKE '00000640-%';
                -- the card sweep may have saved a transcript of a closed dialog of an earlier test
                DELETE FROM transcript WHERE dialog_id::text LIKE '00000640-%';
                DELETE FROM dialog WHERE id::text LIKE '00000640-%';
                DELETE FROM visitor WHERE id::text LIKE '00000640-%';
                INSERT INTO agent (login, display_name, password_hash, roles, lines)
                VALUES ('lab640-anna', 'Анна Lab640', '{noop}x', ARRAY['AGENT'], ARRAY['lab640']),
                       ('lab640-boris', 'Борис Lab640', '{noop}x', ARRAY['AGENT'], ARRAY['lab640'])
                ON CONFLICT (login) DO NOTHING;
                INSERT INTO visitor (id, site_id, token_hash, name)
                VALUES ('00000640-0000-0000-0000-00000000f001', 'lab640', decode(md5('lab640-1'), 'hex'), 'Lab640'),
                       ('00000640-0000-0000-0000-00000000f002', 'lab640', decode(md5('lab640-2'), 'hex'), 'Lab640');
                INSERT INTO dialog (id, visitor_id, site_id, line_id, channel, state, last_seq)
                VALUES ('00000640-0000-0000-0000-0000000000d1', '00000640-0000-0000-0000-00000000f001', 'lab640',
                        'lab640', 'WIDGET', 'WAITING', 0),
                       ('00000640-0000-0000-0000-0000000000d2', '00000640-0000-0000-0000-00000000f002', 'lab640',
                        'lab640', 'WIDGET', 'WAITING', 0)""");
        anna = agent("lab640-anna");
        boris = agent("lab640-boris");
    }

    /** Closed, so that no sweep of waiting dialogs takes them up between runs. */
    @AfterEach
    void close() {
        run("UPDATE dialog SET state = 'CLOSED', closed_at = now() WHERE id::text LIKE '00000640-%'");
    }

    @Test
    void aDialogForwardedBeforeItsFirstReplyKeepsItsFirstAgentAndTheReplyOfTheSecond() {
        append(FORWARDED, "VISITOR", null, null, "Здравствуйте");
        hold(FORWARDED, anna);
        OffsetDateTime assigned = append(FORWARDED, "SYSTEM", anna, "assigned", "Анна");
        hold(FORWARDED, boris);
        append(FORWARDED, "SYSTEM", boris, "forwarded", "Борис");
        OffsetDateTime reply = append(FORWARDED, "AGENT", boris, null, "Ответ");
        append(FORWARDED, "VISITOR", null, null, "Спасибо");
        append(FORWARDED, "AGENT", boris, null, "Пожалуйста");

        Map<String, Object> facts = facts(FORWARDED);
        assertThat(facts.get("first_assigned_at")).isEqualTo(assigned);
        assertThat(facts.get("first_agent_id")).isEqualTo(anna);
        assertThat(facts.get("first_reply_at")).isEqualTo(reply);
        // two of the visitor, two of the agent; the waiting notice, the assignment and the forward are not counted
        assertThat(facts.get("message_count")).isEqualTo(4L);
        assertThat(facts.get("offline_reason")).isNull();
        assertThat(refilled(FORWARDED)).isEqualTo(facts);
    }

    @Test
    void aMissedDialogKeepsWhyTheOfflineFormWasOfferedAndNoAgent() {
        append(MISSED, "VISITOR", null, null, "Есть кто?");
        append(MISSED, "SYSTEM", null, "offline_offered", "busy");
        append(MISSED, "VISITOR", null, null, "Жаль");

        Map<String, Object> facts = facts(MISSED);
        assertThat(facts.get("first_assigned_at")).isNull();
        assertThat(facts.get("first_agent_id")).isNull();
        assertThat(facts.get("first_reply_at")).isNull();
        assertThat(facts.get("message_count")).isEqualTo(2L);
        assertThat(facts.get("offline_reason")).isEqualTo("busy");
        assertThat(refilled(MISSED)).isEqualTo(facts);
    }

    /** The facts as the back-fill computes them from the messages, after clearing what append_message kept. */
    private Map<String, Object> refilled(String dialog) {
        db.sql("""
                        UPDATE dialog SET first_assigned_at = NULL, first_agent_id = NULL, first_reply_at = NULL,
                                          message_count = 0, offline_reason = NULL
                        WHERE id = CAST(:id AS uuid)""")
                .bind("id", dialog)
                .then()
                .block(Duration.ofSeconds(10));
        assertThat(facts(dialog).get("message_count")).isEqualTo(0L);
        Long filled = db.sql("SELECT fill_dialog_facts(ARRAY[CAST(:id AS uuid)]) AS n")
                .bind("id", dialog)
                .map(row -> row.get("n", Long.class))
                .one()
                .block(Duration.ofSeconds(10));
        assertThat(filled).isEqualTo(1L);
        return facts(dialog);
    }

    private Map<String, Object> facts(String dialog) {
        return db.sql("""
                        SELECT first_assigned_at, first_agent_id, first_reply_at, message_count, offline_reason
                        FROM dialog WHERE id = CAST(:id AS uuid)""")
                .bind("id", dialog)
                .map(row -> {
                    Map<String, Object> facts = new java.util.HashMap<>();
                    facts.put("first_assigned_at", row.get("first_assigned_at", OffsetDateTime.class));
                    facts.put("first_agent_id", row.get("first_agent_id", Long.class));
                    facts.put("first_reply_at", row.get("first_reply_at", OffsetDateTime.class));
                    facts.put("message_count", row.get("message_count", Long.class));
                    facts.put("offline_reason", row.get("offline_reason", String.class));
                    return facts;
                })
                .one()
                .block(Duration.ofSeconds(10));
    }

    /** As routing and forwarding do before they store their system message: the dialog is the agent's. */
    private void hold(String dialog, long agent) {
        db.sql("UPDATE dialog SET state = 'ASSIGNED', agent_id = :agent WHERE id = CAST(:id AS uuid)")
                .bind("agent", agent)
                .bind("id", dialog)
                .then()
                .block(Duration.ofSeconds(10));
    }

    /** Stores a message as the gateway does; gives its time. */
    private OffsetDateTime append(String dialog, String sender, Long agent, String event, String text) {
        String author = event == null ? null : text;
        List<Object> row = db.sql("""
                        SELECT status, created_at
                        FROM append_message(CAST(:dialog AS uuid), :sender,
                                            (SELECT visitor_id FROM dialog WHERE id = CAST(:dialog AS uuid)),
                                            :agent, :author, NULL, :event, :body, false)""")
                .bind("dialog", dialog)
                .bind("sender", sender)
                .bind("agent", Parameter.fromOrEmpty(agent, Long.class))
                .bind("author", Parameter.fromOrEmpty(author, String.class))
                .bind("event", Parameter.fromOrEmpty(event, String.class))
                .bind("body", text)
                .map(r -> List.<Object>of(r.get("status", String.class), r.get("created_at", OffsetDateTime.class)))
                .one()
                .block(Duration.ofSeconds(10));
        assertThat(row.get(0)).isIn("STORED", "QUEUED");
        return (OffsetDateTime) row.get(1);
    }

    private long agent(String login) {
        return db.sql("SELECT id FROM agent WHERE login = :login")
                .bind("login", login)
                .map(row -> row.get("id", Long.class))
                .one()
                .block(Duration.ofSeconds(10));
    }

    private void run(String sql) {
        db.sql(sql).then().block(Duration.ofSeconds(10));
    }
}
