package ru.rosdistant.gateway.cluster;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;

/**
 * With several nodes, which visitors have sockets on which node ({@code visitor_presence}), so that a node closes a
 * waiting dialog as abandoned only when its visitor is gone from every live node (one whose {@code cluster_node}
 * heartbeat is fresh). A socket opened or closed is one +1/-1 write; with a single node nothing is written.
 */
@Component
public class VisitorPresenceRows {

    private static final Logger log = LoggerFactory.getLogger(VisitorPresenceRows.class);

    private final DatabaseClient db;

    private final ClusterProperties properties;

    VisitorPresenceRows(DatabaseClient db, ClusterProperties properties) {
        this.db = db;
        this.properties = properties;
    }

    public void connected(UUID visitorId) {
        change(visitorId, 1);
    }

    public void disconnected(UUID visitorId) {
        change(visitorId, -1);
    }

    private void change(UUID visitorId, int by) {
        if (!properties.enabled()) {
            return;
        }
        db.sql("""
                        INSERT INTO visitor_presence (visitor_id, node_id, sockets, changed_at)
                        VALUES (:visitor, :node, greatest(:by, 0), now())
                        ON CONFLICT (visitor_id, node_id) DO UPDATE
                            SET sockets = greatest(visitor_presence.sockets + :by, 0), changed_at = now()""")
                .bind("visitor", visitorId)
                .bind("node", properties.nodeId())
                .bind("by", by)
                .fetch()
                .rowsUpdated()
                .subscribe(null, error -> log.warn("Could not record the socket of visitor {} ({})", visitorId,
                        error.toString()));
    }

    /**
     * Of these visitors (gone from this node), those gone from every other live node too for at least
     * {@code period}. A single node returns them all.
     */
    public Flux<UUID> goneElsewhere(List<UUID> visitors, Duration period) {
        if (!properties.enabled() || visitors.isEmpty()) {
            return Flux.fromIterable(visitors);
        }
        return db.sql("""
                        SELECT v.id FROM unnest(:visitors::uuid[]) AS v (id) WHERE NOT EXISTS (
                            SELECT 1 FROM visitor_presence p JOIN cluster_node n ON n.node_id = p.node_id
                            WHERE p.visitor_id = v.id AND p.node_id <> :node
                              AND n.heartbeat_at > now() - make_interval(secs => :timeout)
                              AND (p.sockets > 0 OR p.changed_at > now() - make_interval(secs => :period)))""")
                .bind("visitors", visitors.toArray(UUID[]::new))
                .bind("node", properties.nodeId())
                .bind("timeout", properties.presenceTimeout().toMillis() / 1000.0)
                .bind("period", period.toMillis() / 1000.0)
                .map(row -> row.get("id", UUID.class))
                .all();
    }
}
