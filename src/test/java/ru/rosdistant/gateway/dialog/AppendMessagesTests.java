package ru.rosdistant.gateway.dialog;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.r2dbc.spi.Connection;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.GatewayTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The group commit's {@code append_messages} (V68) gives every append of a batch what {@code append_message}, called
 * once per append in the batch's order, gives it, and leaves the same dialog rows and messages behind, while it
 * rewrites a dialog's row once a batch. Two copies of the same two dialogs (lab840), one written by each; everything
 * in one transaction that is rolled back, so that no sweep sees the dialogs.
 */
@GatewayTest
class AppendMessagesTests {

    @Autowired
    DatabaseClient db;

    private static final String SET_UP = """
            INSERT INTO agent (login, display_name, password_hash, roles, lines)
            VALUES ('lab840-anna', 'Анна Lab840', '{noop}x', ARRAY['AGENT'], ARRAY['lab840'])
            ON CONFLICT (login) DO NOTHING;
            INSERT INTO visitor (id, site_id, token_hash, name)
            SELECT ('00000840-0000-0000-0000-00000000f00' || k)::uuid, 'lab840', decode(md5('lab840-' || k), 'hex'),
                   'Lab840'
            FROM generate_series(1, 4) k;
            -- a1/b1: assigned to anna, two messages in; a2/b2: waiting, not yet in the line
            INSERT INTO dialog (id, visitor_id, site_id, line_id, channel, state, agent_id, assigned_at, queued_at,
                                last_seq, visitor_count, message_count, preview)
            SELECT d.id::uuid, d.visitor::uuid, 'lab840', 'lab840', 'WIDGET', 'ASSIGNED',
                   (SELECT id FROM agent WHERE login = 'lab840-anna'), now(), now() - interval '1 minute', 3, 1, 1,
                   'раньше'
            FROM (VALUES ('00000840-0000-0000-0000-0000000000a1', '00000840-0000-0000-0000-00000000f001'),
                         ('00000840-0000-0000-0000-0000000000b1', '00000840-0000-0000-0000-00000000f003')) d(id, visitor);
            INSERT INTO dialog (id, visitor_id, site_id, line_id, channel, state, last_seq)
            VALUES ('00000840-0000-0000-0000-0000000000a2', '00000840-0000-0000-0000-00000000f002', 'lab840', 'lab840',
                    'WIDGET', 'WAITING', 0),
                   ('00000840-0000-0000-0000-0000000000b2', '00000840-0000-0000-0000-00000000f004', 'lab840', 'lab840',
                    'WIDGET', 'WAITING', 0)""";

    /**
     * The batch, for copy X (a or b) with visitors V1/V2: the waiting dialog's first message (queued), a dialog that
     * comes back after another, duplicates inside the batch, the agent's reply, a stranger, the wrong agent, a
     * dialog that does not exist.
     */
    private static String batch(String x, String v1, String v2) {
        String d1 = "00000840-0000-0000-0000-0000000000" + x + "1";
        String d2 = "00000840-0000-0000-0000-0000000000" + x + "2";
        String anna = "(SELECT id FROM agent WHERE login = 'lab840-anna')";
        return """
                SELECT ARRAY['%2$s', '%2$s', '%1$s', '%1$s', '%1$s', '%1$s', '%2$s', '%1$s', '%2$s',
                             '00000840-0000-0000-0000-0000000000ff', '%1$s', '%2$s']::uuid[] AS dialogs,
                       ARRAY['VISITOR', 'VISITOR', 'VISITOR', 'AGENT', 'AGENT', 'VISITOR', 'VISITOR', 'VISITOR',
                             'AGENT', 'VISITOR', 'VISITOR', 'VISITOR'] AS senders,
                       ARRAY['%4$s', '%4$s', '%3$s', NULL, NULL, '%4$s', '%4$s', '%3$s', NULL, '%3$s', '%3$s',
                             '%4$s']::uuid[] AS visitors,
                       ARRAY[NULL, NULL, NULL, %5$s, 0, NULL, NULL, NULL, %5$s, NULL, NULL, NULL]::int8[] AS agents,
                       ARRAY[NULL, NULL, NULL, 'Анна', 'Никто', NULL, NULL, NULL, 'Анна', NULL, NULL, NULL] AS authors,
                       ARRAY['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c1', 'c3', 'c7', 'c8', 'c9', 'c10'] AS clients,
                       ARRAY[E'  Здравствуйте \\nвторая строка', 'ещё', 'вопрос', 'ответ', 'не мой', 'чужой',
                             'повтор', 'повтор', 'не назначен', 'нет диалога', E'\\tпосле ответа ', 'третье'] AS bodies
                """.formatted(d1, d2, v1, v2, anna);
    }

    private static final String BY_BATCH = """
            WITH b AS (%s)
            SELECT r.ord, r.status, r.seq, r.created_at IS NOT NULL AS stamped
            FROM b, append_messages(b.dialogs, b.senders, b.visitors, b.agents, b.authors, b.clients, b.bodies) r
            ORDER BY r.ord""";

    /** The group commit's statement before V68: append_message once per append. */
    private static final String ONE_BY_ONE = """
            WITH b AS (%s)
            SELECT t.ord, r.status, r.seq, r.created_at IS NOT NULL AS stamped
            FROM b, unnest(b.dialogs, b.senders, b.visitors, b.agents, b.authors, b.clients, b.bodies)
                    WITH ORDINALITY AS t(dialog, sender, visitor, agent, author, client, body, ord)
            CROSS JOIN LATERAL append_message(t.dialog, t.sender, t.visitor, t.agent, t.author, t.client, NULL, t.body,
                                              false) r
            ORDER BY t.ord""";

    private static final String DIALOGS = """
            SELECT right(id::text, 1) AS k, last_seq, state, queued_at IS NOT NULL AS queued, preview,
                   waiting_since IS NOT NULL AS waiting, visitor_count, message_count,
                   first_reply_at IS NOT NULL AS replied, first_assigned_at, first_agent_id, offline_reason
            FROM dialog WHERE id::text LIKE '00000840-%%-0000000000%s_' ORDER BY id""";

    private static final String MESSAGES = """
            SELECT right(dialog_id::text, 1) AS k, seq, sender, agent_id, author_name, client_msg_id, event, body
            FROM message WHERE dialog_id::text LIKE '00000840-%%-0000000000%s_' ORDER BY dialog_id, seq""";

    @Test
    void aBatchGetsWhatAppendMessageGivesOneByOneAndLeavesTheSameRows() {
        List<String> queries = List.of(
                BY_BATCH.formatted(batch("a", "00000840-0000-0000-0000-00000000f001",
                        "00000840-0000-0000-0000-00000000f002")),
                ONE_BY_ONE.formatted(batch("b", "00000840-0000-0000-0000-00000000f003",
                        "00000840-0000-0000-0000-00000000f004")),
                DIALOGS.formatted("a"), DIALOGS.formatted("b"), MESSAGES.formatted("a"), MESSAGES.formatted("b"));
        List<String> names = List.of("batch", "single", "dialogsA", "dialogsB", "messagesA", "messagesB");
        // one after the other on one connection, in a transaction that is always rolled back
        List<List<Map<String, Object>>> results = db.inConnection(connection -> run(connection, "BEGIN")
                        .then(run(connection, SET_UP))
                        .thenMany(Flux.fromIterable(queries).concatMap(sql -> rows(connection, sql)))
                        .collectList()
                        .flatMap(all -> run(connection, "ROLLBACK").thenReturn(all))
                        .onErrorResume(error -> run(connection, "ROLLBACK").then(Mono.error(error))))
                .block(Duration.ofSeconds(30));
        Map<String, List<Map<String, Object>>> got = new java.util.HashMap<>();
        for (int i = 0; i < names.size(); i++) {
            got.put(names.get(i), results.get(i));
        }

        assertThat(got.get("batch")).hasSize(12).isEqualTo(got.get("single"));
        assertThat(got.get("batch")).extracting(row -> row.get("status")).containsExactly("QUEUED", "STORED", "STORED",
                "STORED", "FORBIDDEN", "NO_DIALOG", "DUPLICATE", "DUPLICATE", "FORBIDDEN", "NO_DIALOG", "STORED",
                "STORED");
        assertThat(got.get("batch")).extracting(row -> row.get("seq")).containsExactly(1L, 3L, 4L, 5L, null, null, 1L,
                4L, null, null, 6L, 4L);
        // the dialog rows and the messages: the same in both copies (the copies differ in the last letter of the id)
        assertThat(got.get("dialogsA")).hasSize(2).isEqualTo(got.get("dialogsB"));
        assertThat(got.get("messagesA")).hasSize(7).isEqualTo(got.get("messagesB"));
        assertThat(got.get("dialogsA").get(0)).containsEntry("last_seq", 6L).containsEntry("visitor_count", 3L)
                .containsEntry("message_count", 4L).containsEntry("preview", "после ответа")
                .containsEntry("waiting", true).containsEntry("replied", true);
        assertThat(got.get("dialogsA").get(1)).containsEntry("last_seq", 4L).containsEntry("queued", true)
                .containsEntry("visitor_count", 3L).containsEntry("preview", "третье");
    }

    private static Mono<Void> run(Connection connection, String sql) {
        return Flux.from(connection.createStatement(sql).execute()).flatMap(result -> result.getRowsUpdated()).then();
    }

    private static Mono<List<Map<String, Object>>> rows(Connection connection, String sql) {
        return Flux.from(connection.createStatement(sql).execute())
                .flatMap(result -> result.map((row, meta) -> {
                    Map<String, Object> out = new java.util.LinkedHashMap<>();
                    for (var column : meta.getColumnMetadatas()) {
                        String name = column.getName();
                        Object value = row.get(name);
                        out.put(name, value instanceof Integer i ? Long.valueOf(i) : value);
                    }
                    return out;
                }))
                .collectList();
    }
}
