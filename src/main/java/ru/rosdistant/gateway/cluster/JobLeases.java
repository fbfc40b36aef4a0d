package ru.rosdistant.gateway.cluster;

import java.time.Duration;

import reactor.core.publisher.Mono;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;

/**
 * Leases for singleton jobs, held in PostgreSQL (table {@code job_lease}), so that a sweep, an escalation pass, a
 * mailbox reader or a poller of an outside service runs on one node at a time. Time is PostgreSQL's ({@code now()}),
 * never a node's clock, so nodes whose clocks differ agree on who holds a lease.
 * <p>
 * A job asks {@link #acquire} before each pass; the holder renews by asking again (its token stays the same) and
 * keeps the job while it does so within the time to live; when it stops (crash, pause, lost database), another node
 * gets the lease after {@code expires_at} with a higher token. A job whose writes must never come from a node that lost
 * its lease checks the token in the same statement ({@link #FENCE}) or with {@link #holds} before an outside call.
 * A single node takes every lease at once; the table costs one row per job.
 */
@Component
public class JobLeases {

    /**
     * An SQL condition that is true while the lease is held with the given token; binds {@code :leaseJob},
     * {@code :leaseHolder} and {@code :leaseToken}, e.g. {@code UPDATE mailbox_cursor SET uid = :uid WHERE mailbox = :m
     * AND } + {@code FENCE}.
     */
    public static final String FENCE = "EXISTS (SELECT 1 FROM job_lease WHERE job = :leaseJob AND holder = :leaseHolder"
            + " AND token = :leaseToken AND expires_at > now())";

    /** A held lease: the job, this node, and the fencing token of this tenure. */
    public record Lease(String job, String holder, long token) {

        /** Binds the parameters of {@link #FENCE}. */
        public DatabaseClient.GenericExecuteSpec bindTo(DatabaseClient.GenericExecuteSpec spec) {
            return spec.bind("leaseJob", job).bind("leaseHolder", holder).bind("leaseToken", token);
        }
    }

    private static final String ACQUIRE = """
            INSERT INTO job_lease (job, holder, token, expires_at)
            VALUES (:job, :holder, 1, now() + make_interval(secs => :ttl))
            ON CONFLICT (job) DO UPDATE
               SET holder = EXCLUDED.holder,
                   token = CASE WHEN job_lease.holder = EXCLUDED.holder AND job_lease.expires_at > now()
                                THEN job_lease.token ELSE job_lease.token + 1 END,
                   expires_at = EXCLUDED.expires_at
             WHERE job_lease.holder = EXCLUDED.holder OR job_lease.expires_at <= now()
            RETURNING token
            """;

    private final DatabaseClient db;

    private final String nodeId;

    @Autowired
    JobLeases(DatabaseClient db, ClusterProperties properties) {
        this(db, properties.nodeId());
    }

    /** A lease keeper for the named node; the application has one, for its own node id. */
    public JobLeases(DatabaseClient db, String nodeId) {
        if (nodeId == null || nodeId.isBlank() || nodeId.length() > 100) {
            throw new IllegalArgumentException("a node id is 1 to 100 characters");
        }
        this.db = db;
        this.nodeId = nodeId;
    }

    public String nodeId() {
        return nodeId;
    }

    /**
     * Takes or renews the lease of {@code job} for {@code ttl}: the lease when this node holds it now, empty when
     * another node holds an unexpired one. A renewal keeps the token; a change of holder (or a lease taken again after
     * it expired) raises it.
     */
    public Mono<Lease> acquire(String job, Duration ttl) {
        if (job == null || job.isBlank() || job.length() > 200) {
            return Mono.error(new IllegalArgumentException("a job name is 1 to 200 characters"));
        }
        if (ttl.compareTo(Duration.ofMillis(100)) < 0) {
            return Mono.error(new IllegalArgumentException("a lease lives at least 100 ms"));
        }
        return db.sql(ACQUIRE)
                .bind("job", job)
                .bind("holder", nodeId)
                .bind("ttl", ttl.toMillis() / 1000.0)
                .map(row -> row.get("token", Long.class))
                .one()
                .map(token -> new Lease(job, nodeId, token));
    }

    /** Whether the lease is still held with its token (an outside call may follow; a write should use FENCE). */
    public Mono<Boolean> holds(Lease lease) {
        return lease.bindTo(db.sql("SELECT " + FENCE + " AS held"))
                .map(row -> Boolean.TRUE.equals(row.get("held", Boolean.class)))
                .one()
                .defaultIfEmpty(false);
    }

    /** Gives the lease up at once (a node that stops), so that another node need not wait for it to expire. */
    public Mono<Void> release(Lease lease) {
        return lease.bindTo(db.sql("UPDATE job_lease SET expires_at = now() WHERE job = :leaseJob"
                + " AND holder = :leaseHolder AND token = :leaseToken"))
                .then();
    }
}
