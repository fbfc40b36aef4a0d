package ru.rosdistant.gateway.routing;

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

    PresenceJournal(DatabaseClient db) {
        this.db = db;
    }

    void record(long agentId, Presence status) {
        db.sql("INSERT INTO agent_presence_log (agent_id, status) VALUES (:agent, :status)")
                .bind("agent", agentId)
                .bind("status", status.name())
                .then()
                .subscribe(null, error -> log.warn("Could not log the presence {} of agent {}", status, agentId, error));
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
