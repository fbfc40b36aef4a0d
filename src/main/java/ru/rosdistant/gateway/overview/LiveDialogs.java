package ru.rosdistant.gateway.overview;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.UUID;

import reactor.core.publisher.Flux;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;

/**
 * The live dialogs of every line for the supervisor's live view: those waiting in a line and those an agent has,
 * the longest waiting first, at most {@code perLine} of each line (the figures count them all).
 */
@Component
class LiveDialogs {

    private final DatabaseClient db;

    LiveDialogs(DatabaseClient db) {
        this.db = db;
    }

    Flux<SupervisorOverview.LiveDialog> byLine(int perLine) {
        return db.sql("""
                        SELECT * FROM (
                            SELECT d.id, d.line_id, d.state, d.agent_id, a.display_name AS agent_name,
                                   v.name AS visitor_name, d.site_id, d.channel, d.opened_at, d.queued_at,
                                   d.assigned_at, d.waiting_since,
                                   row_number() OVER (PARTITION BY d.line_id
                                       ORDER BY d.state DESC, coalesce(d.queued_at, d.opened_at), d.id) AS n
                            FROM dialog d JOIN visitor v ON v.id = d.visitor_id LEFT JOIN agent a ON a.id = d.agent_id
                            WHERE d.state = 'ASSIGNED' OR (d.state = 'WAITING' AND d.queued_at IS NOT NULL)
                        ) live
                        WHERE n <= :perLine
                        ORDER BY line_id, n""")
                .bind("perLine", perLine)
                .map(row -> new SupervisorOverview.LiveDialog(row.get("id", UUID.class), row.get("line_id", String.class),
                        row.get("state", String.class), row.get("agent_id", Long.class),
                        row.get("agent_name", String.class), row.get("visitor_name", String.class),
                        row.get("site_id", String.class), row.get("channel", String.class),
                        instant(row.get("opened_at", OffsetDateTime.class)),
                        instant(row.get("queued_at", OffsetDateTime.class)),
                        instant(row.get("assigned_at", OffsetDateTime.class)),
                        instant(row.get("waiting_since", OffsetDateTime.class))))
                .all();
    }

    private static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }
}
