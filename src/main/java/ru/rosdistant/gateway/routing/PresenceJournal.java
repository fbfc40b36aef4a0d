package ru.rosdistant.gateway.routing;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;

/**
 * Writes each change of an agent's presence to {@code agent_presence_log}, for the reports' time online and away.
 * The log is a record of what happened, not a decision: a row that fails to be written is logged and lost, and
 * routing goes on. Presence lives in this node's memory, so a start closes whatever the log still shows as online.
 */
@Component
class PresenceJournal {

    private static final Logger log = LoggerFactory.getLogger(PresenceJournal.class);

    private final DatabaseClient db;

    private final AtomicLong lastStampMicros = new AtomicLong();

    PresenceJournal(DatabaseClient db) {
        this.db = db;
    }

    /**
     * Stamps the change with the moment it happened here, not when its row reaches the database: the rows are
     * written without waiting, over any pooled connection, so two quick changes may be inserted in either order
     * and only the stamp taken now keeps the log in the order the agent made them. Stamps rise by at least a
     * microsecond (the column's resolution), so two changes within one never tie.
     */
    void record(long agentId, Presence status) {
        OffsetDateTime at = nextStamp();
        db.sql("INSERT INTO agent_presence_log (agent_id, status, at) VALUES (:agent, :status, :at)")
                .bind("agent", agentId)
                .bind("status", status.name())
                .bind("at", at)
                .then()
                .subscribe(null, error -> log.warn("Could not log the presence {} of agent {}", status, agentId, error));
    }

    private OffsetDateTime nextStamp() {
        Instant now = Instant.now();
        long nowMicros = now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
        long micros = lastStampMicros.updateAndGet(last -> Math.max(last + 1, nowMicros));
        return OffsetDateTime.ofInstant(Instant.EPOCH.plus(micros, ChronoUnit.MICROS), ZoneOffset.UTC);
    }

    @EventListener(ApplicationReadyEvent.class)
    void closeWhatTheLastRunLeftOpen() {
        db.sql("""
                        INSERT INTO agent_presence_log (agent_id, status)
                        SELECT agent_id, 'OFFLINE'
                        FROM (SELECT DISTINCT ON (agent_id) agent_id, status
                              FROM agent_presence_log
                              ORDER BY agent_id, at DESC, id DESC) last
                        WHERE status <> 'OFFLINE'""")
                .then()
                .subscribe(null, error -> log.warn("Could not close the presence log of the last run", error));
    }
}
