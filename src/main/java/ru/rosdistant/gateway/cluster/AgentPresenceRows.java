package ru.rosdistant.gateway.cluster;

import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;

/**
 * The presence of this node's agents in PostgreSQL (table {@code agent_presence}), so that any node routes to any
 * node's agents. The owner of the in-memory presence (routing) names what to write; this class writes it when asked
 * and on every heartbeat, and reads who is available on a line across all nodes. An agent is present while a row of
 * theirs is fresher than {@code gateway.cluster.presence-timeout}: a node that dies stops refreshing, and its agents
 * drop out within that bound. With a single node nothing is written or read.
 */
@Component
public class AgentPresenceRows {

    private static final Logger log = LoggerFactory.getLogger(AgentPresenceRows.class);

    /** What this node knows of one of its agents. */
    public record LocalAgent(long agentId, String status, int connections, int maxDialogs) {
    }

    /** An agent available for new dialogs on a line, somewhere among the nodes. */
    public record AvailableAgent(long agentId, String displayName, int maxDialogs) {
    }

    private final DatabaseClient db;

    private final ClusterProperties properties;

    private volatile Supplier<List<LocalAgent>> local = List::of;

    private volatile boolean failing;

    /** The nodes with a fresh heartbeat, this one included, as the last heartbeat counted them. */
    private volatile int liveNodes = 1;

    private Disposable heartbeat;

    /** Counts the changes of this node's agents; {@link #written} is the count the last write succeeded with. */
    private final java.util.concurrent.atomic.AtomicLong changes = new java.util.concurrent.atomic.AtomicLong();

    private final java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong(-1);

    private final java.util.concurrent.atomic.AtomicLong skipped = new java.util.concurrent.atomic.AtomicLong();

    AgentPresenceRows(DatabaseClient db, ClusterProperties properties) {
        this.db = db;
        this.properties = properties;
    }

    public boolean enabled() {
        return properties.enabled();
    }

    public String nodeId() {
        return properties.nodeId();
    }

    /** How many nodes are alive (fresh heartbeats in cluster_node); 1 for a single node. */
    public int liveNodes() {
        return liveNodes;
    }

    /** Names this node's agents; called once by the owner of the in-memory presence. */
    public void reportFrom(Supplier<List<LocalAgent>> local) {
        this.local = local;
    }

    /** This node's agents changed (connected, left, changed status): the next {@link #writeIfChanged} writes. */
    public void changed() {
        changes.incrementAndGet();
    }

    /**
     * Writes this node's agents unless nothing changed since the last write that succeeded: a drain reads every
     * node's rows after this, and a change made here must be among them, but an unchanged node need not write for
     * every drain (the heartbeat keeps its rows fresh).
     */
    public Mono<Void> writeIfChanged() {
        if (!enabled()) {
            return Mono.empty();
        }
        if (written.get() >= changes.get()) {
            skipped.incrementAndGet();
            return Mono.empty();
        }
        return write();
    }

    /** How many writes asked for by drains were skipped, nothing having changed. */
    public long skippedWrites() {
        return skipped.get();
    }

    /**
     * Writes this node's agents now: their rows are replaced by what {@link #reportFrom} names, with a fresh
     * heartbeat, in one transaction-free pair of statements (a crash between them leaves rows that time out).
     */
    public Mono<Void> write() {
        if (!enabled()) {
            return Mono.empty();
        }
        long version = changes.get();
        List<LocalAgent> agents = local.get();
        Long[] ids = agents.stream().map(LocalAgent::agentId).toArray(Long[]::new);
        return db.sql("""
                        INSERT INTO agent_presence (agent_id, node_id, status, connections, max_dialogs, heartbeat_at)
                        SELECT a.agent_id, :node, a.status, a.connections, a.max_dialogs, now()
                        FROM unnest(:ids::bigint[], :statuses::text[], :connections::int[], :max::int[])
                            AS a (agent_id, status, connections, max_dialogs)
                        WHERE EXISTS (SELECT 1 FROM agent WHERE agent.id = a.agent_id)
                        ON CONFLICT (agent_id, node_id) DO UPDATE SET status = excluded.status,
                            connections = excluded.connections, max_dialogs = excluded.max_dialogs,
                            heartbeat_at = excluded.heartbeat_at""")
                .bind("node", nodeId())
                .bind("ids", ids)
                .bind("statuses", agents.stream().map(LocalAgent::status).toArray(String[]::new))
                .bind("connections", agents.stream().map(LocalAgent::connections).toArray(Integer[]::new))
                .bind("max", agents.stream().map(LocalAgent::maxDialogs).toArray(Integer[]::new))
                .fetch()
                .rowsUpdated()
                .then(db.sql("DELETE FROM agent_presence WHERE node_id = :node AND NOT (agent_id = ANY(:ids))")
                        .bind("node", nodeId())
                        .bind("ids", ids)
                        .fetch()
                        .rowsUpdated())
                .doOnSuccess(done -> written.accumulateAndGet(version, Math::max))
                .then();
    }

    /**
     * The agents of the line with a console open somewhere and ONLINE there, whose row is fresh; an agent with
     * consoles on two nodes is one candidate.
     */
    public Flux<AvailableAgent> availableFor(String line) {
        return db.sql("""
                        SELECT a.id, a.display_name, a.max_dialogs FROM agent a
                        WHERE a.enabled AND :line = ANY(a.lines) AND EXISTS (
                            SELECT 1 FROM agent_presence p WHERE p.agent_id = a.id AND p.status = 'ONLINE'
                              AND p.connections > 0 AND p.heartbeat_at > now() - make_interval(secs => :timeout))
                        ORDER BY a.id""")
                .bind("line", line)
                .bind("timeout", (double) properties.presenceTimeout().toMillis() / 1000)
                .map(row -> new AvailableAgent(row.get("id", Long.class), row.get("display_name", String.class),
                        row.get("max_dialogs", Integer.class)))
                .all();
    }

    /** Whether the agent has a console open on another node (fresh row): their dialogs are not theirs to lose. */
    public Mono<Boolean> connectedElsewhere(long agentId) {
        if (!enabled()) {
            return Mono.just(false);
        }
        return db.sql("""
                        SELECT EXISTS (SELECT 1 FROM agent_presence WHERE agent_id = :agent AND node_id <> :node
                          AND connections > 0 AND heartbeat_at > now() - make_interval(secs => :timeout)) AS elsewhere""")
                .bind("agent", agentId)
                .bind("node", nodeId())
                .bind("timeout", (double) properties.presenceTimeout().toMillis() / 1000)
                .map(row -> row.get("elsewhere", Boolean.class))
                .one();
    }

    /** Agents with dialogs assigned and no fresh presence on any node: a node that held them died. */
    public Flux<Long> assignedWithoutPresence() {
        return db.sql("""
                        SELECT DISTINCT d.agent_id FROM dialog d WHERE d.state = 'ASSIGNED' AND NOT EXISTS (
                            SELECT 1 FROM agent_presence p WHERE p.agent_id = d.agent_id AND p.connections > 0
                              AND p.heartbeat_at > now() - make_interval(secs => :timeout))""")
                .bind("timeout", (double) properties.presenceTimeout().toMillis() / 1000)
                .map(row -> row.get("agent_id", Long.class))
                .all();
    }

    @org.springframework.context.event.EventListener(org.springframework.boot.context.event.ApplicationReadyEvent.class)
    void startHeartbeat() {
        if (!enabled() || heartbeat != null) {
            return;
        }
        Duration every = properties.heartbeatInterval();
        heartbeat = Flux.interval(Duration.ZERO, every)
                .onBackpressureDrop()
                .concatMap(tick -> write()
                        .then(nodeAlive())
                        .then(removeStale())
                        .doOnSuccess(done -> failing = false)
                        .onErrorResume(error -> {
                            if (!failing) {
                                failing = true;
                                log.warn("Could not write the presence of node {}'s agents", nodeId(), error);
                            }
                            return Mono.empty();
                        }), 1)
                .subscribe();
    }

    /** This node's own heartbeat (cluster_node): the visitor presence rows of a node without one are ignored. */
    private Mono<Void> nodeAlive() {
        return db.sql("""
                        INSERT INTO cluster_node (node_id, heartbeat_at) VALUES (:node, now())
                        ON CONFLICT (node_id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at""")
                .bind("node", nodeId())
                .fetch()
                .rowsUpdated()
                .then(db.sql("SELECT count(*) AS n FROM cluster_node "
                                + "WHERE heartbeat_at > now() - make_interval(secs => :timeout)")
                        .bind("timeout", (double) properties.presenceTimeout().toMillis() / 1000)
                        .map(row -> row.get("n", Long.class))
                        .one())
                .doOnNext(count -> liveNodes = (int) Math.max(1, count))
                .then();
    }

    /** Rows of nodes long dead (ten timeouts): they would be ignored anyway. */
    private Mono<Void> removeStale() {
        double age = (double) properties.presenceTimeout().toMillis() / 100;
        return db.sql("DELETE FROM agent_presence WHERE heartbeat_at < now() - make_interval(secs => :age)")
                .bind("age", age)
                .fetch()
                .rowsUpdated()
                .then(db.sql("""
                                DELETE FROM visitor_presence p WHERE NOT EXISTS (SELECT 1 FROM cluster_node n
                                    WHERE n.node_id = p.node_id AND n.heartbeat_at > now() - make_interval(secs => :age))""")
                        .bind("age", age)
                        .fetch()
                        .rowsUpdated())
                .then(db.sql("DELETE FROM cluster_node WHERE heartbeat_at < now() - make_interval(secs => :age)")
                        .bind("age", age)
                        .fetch()
                        .rowsUpdated())
                .then();
    }

    /** This node stops: its agents leave at once rather than after the timeout (best effort: else they time out). */
    @org.springframework.context.event.EventListener(org.springframework.context.event.ContextClosedEvent.class)
    void leave() {
        if (heartbeat != null) {
            heartbeat.dispose();
            heartbeat = null;
        }
        if (!enabled()) {
            return;
        }
        try {
            db.sql("DELETE FROM agent_presence WHERE node_id = :node")
                    .bind("node", nodeId())
                    .fetch()
                    .rowsUpdated()
                    .then(db.sql("DELETE FROM visitor_presence WHERE node_id = :node")
                            .bind("node", nodeId())
                            .fetch()
                            .rowsUpdated())
                    .then(db.sql("DELETE FROM cluster_node WHERE node_id = :node")
                            .bind("node", nodeId())
                            .fetch()
                            .rowsUpdated())
                    .toFuture()
                    .get(5, java.util.concurrent.TimeUnit.SECONDS);
        }
        catch (Exception ex) {
            log.warn("Could not remove the presence rows of node {}; they time out", nodeId(), ex);
        }
    }
}
