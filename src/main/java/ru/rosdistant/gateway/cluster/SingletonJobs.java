package ru.rosdistant.gateway.cluster;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Runs a pass of a database-wide periodic job (a sweep, an escalation pass, a purge) on one node at a time: before
 * each pass the node takes or renews the job's lease ({@link JobLeases}) for three of the job's intervals (at least
 * {@link #SHORTEST_LEASE}), and skips the pass when another node holds it. The holder renews at every pass and keeps the job; when it stops, it gives its
 * leases up, and when it dies they expire, so the job moves to another node within one time to live. A job that
 * touches only this node's sockets or memory does not belong here. A single node runs every pass without a lease.
 */
@Component
public class SingletonJobs {

    private static final Logger log = LoggerFactory.getLogger(SingletonJobs.class);

    /** A lease lives this many of the job's intervals: a holder late by one pass keeps it. */
    static final int INTERVALS_PER_LEASE = 3;

    /**
     * ... and never less than this: a job run every second or faster would otherwise change hands at every pause of
     * its holder (a collection, a slow connection), with passes on two nodes at once while it does.
     */
    static final Duration SHORTEST_LEASE = Duration.ofSeconds(10);

    private final JobLeases leases;

    private final ClusterProperties properties;

    private final MeterRegistry registry;

    private final Map<String, JobLeases.Lease> held = new ConcurrentHashMap<>();

    private final Map<String, Counter> passes = new ConcurrentHashMap<>();

    private volatile boolean stopping;

    public SingletonJobs(JobLeases leases, ClusterProperties properties, MeterRegistry registry) {
        this.leases = leases;
        this.properties = properties;
        this.registry = registry;
    }

    /**
     * One pass of {@code job}, run every {@code interval}: {@code pass} runs when this node holds (or gets) the
     * lease, else the pass is skipped (empty). A failure to reach the lease table fails the pass like the job's own
     * failures would.
     */
    public <T> Flux<T> runAlone(String job, Duration interval, Supplier<? extends org.reactivestreams.Publisher<T>> pass) {
        if (!properties.enabled()) {
            return Flux.defer(pass).doOnSubscribe(subscription -> counted(job));
        }
        if (stopping) {
            return Flux.empty();
        }
        Duration ttl = interval.multipliedBy(INTERVALS_PER_LEASE);
        return leases.acquire(job, ttl.compareTo(SHORTEST_LEASE) < 0 ? SHORTEST_LEASE : ttl)
                .doOnNext(lease -> took(job, lease))
                .switchIfEmpty(Mono.fromRunnable(() -> lost(job)))
                .flatMapMany(lease -> Flux.defer(pass).doOnSubscribe(subscription -> counted(job)));
    }

    /** Whether this node held the job's lease at its last pass (always, for a single node). */
    public boolean holds(String job) {
        return !properties.enabled() || held.containsKey(job);
    }

    private void took(String job, JobLeases.Lease lease) {
        JobLeases.Lease before = held.put(job, lease);
        if (before == null || before.token() != lease.token()) {
            log.info("Node {} runs the job '{}' (lease token {})", lease.holder(), job, lease.token());
        }
    }

    private void lost(String job) {
        if (held.remove(job) != null) {
            log.info("The job '{}' runs on another node now", job);
        }
    }

    private void counted(String job) {
        passes.computeIfAbsent(job, name -> Counter.builder("gateway.jobs.passes")
                        .description("Passes of database-wide jobs run on this node")
                        .tag("job", name)
                        .register(registry))
                .increment();
    }

    /** Gives this node's leases up as it stops, so that another node takes the jobs at its next pass. */
    @EventListener(ContextClosedEvent.class)
    void stop() {
        stopping = true;
        if (held.isEmpty()) {
            return;
        }
        try {
            Flux.fromIterable(held.values())
                    .concatMap(leases::release)
                    .then()
                    .toFuture()
                    .get(5, TimeUnit.SECONDS);
        }
        catch (Exception ex) {
            log.warn("Could not give up the leases of node {}; they expire", properties.nodeId(), ex);
        }
        held.clear();
    }
}
