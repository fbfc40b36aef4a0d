package ru.rosdistant.gateway.report;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Schedulers;

import org.springframework.stereotype.Component;

/**
 * The places for reports running at once ({@code gateway.report.concurrency}): a report query holds a pooled
 * connection for seconds, so without a bound a few supervisors (or one script) could take every connection and the
 * visitors' messages would wait for one. A report beyond the node's or its user's limit waits in a short queue, in
 * arrival order, for at most {@code max-wait}; then, or when the queue is full, it is refused with
 * {@link ReportBusyException}. Nothing here blocks a thread: a waiting report is a pending {@link Mono}.
 */
@Component
class ReportSlots {

    private final ReportProperties.Concurrency limits;

    private final Map<String, Integer> runningByUser = new HashMap<>();

    private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();

    private int running;

    ReportSlots(ReportProperties properties) {
        this.limits = properties.concurrency();
    }

    /** Runs {@code report} in a place of {@code user}'s, released however the report ends (or is cancelled). */
    <T> Mono<T> run(String user, Mono<T> report) {
        return Mono.usingWhen(take(user), slot -> report, Slot::release, (slot, error) -> slot.release(),
                Slot::release);
    }

    /**
     * Runs {@code report}, a stream of rows, in a place of {@code user}'s, held until the stream ends, fails or is
     * cancelled (a CSV sent as its rows come: the place is the client's until the last row is written).
     */
    <T> Flux<T> stream(String user, Flux<T> report) {
        return Flux.usingWhen(take(user), slot -> report, Slot::release, (slot, error) -> slot.release(),
                Slot::release);
    }

    /** Reports running now on this node. */
    synchronized int running() {
        return running;
    }

    private Mono<Slot> take(String user) {
        return Mono.create(sink -> {
            Waiter waiter = new Waiter(user, sink);
            sink.onCancel(() -> cancel(waiter));
            Slot now;
            ReportBusyException full = null;
            synchronized (this) {
                if (waiter.cancelled) {
                    return;
                }
                now = grant(user);
                if (now == null) {
                    full = full(user);
                }
                if (now == null && full == null) {
                    waiting.add(waiter);
                }
                waiter.slot = now;
            }
            if (now != null) {
                sink.success(now);
            }
            else if (full != null) {
                sink.error(full);
            }
            else {
                sink.onDispose(Schedulers.parallel()
                        .schedule(() -> expire(waiter), limits.maxWait().toMillis(), TimeUnit.MILLISECONDS));
            }
        });
    }

    /**
     * A place for {@code user} if one is free; null otherwise. Whoever still waits when a place is free waits for a
     * place of their own user's, so a free place may go to a later arrival.
     */
    private Slot grant(String user) {
        return free(user) ? occupy(user) : null;
    }

    private boolean free(String user) {
        return running < limits.node() && runningByUser.getOrDefault(user, 0) < limits.perUser();
    }

    private Slot occupy(String user) {
        running++;
        runningByUser.merge(user, 1, Integer::sum);
        return new Slot(user);
    }

    /**
     * Why a report that finds no free place may not even wait: the queue is full. A user's reports may all wait (the
     * Reports screen asks for five at once, and they run one after the other within the user's share).
     */
    private ReportBusyException full(String user) {
        if (waiting.size() >= limits.maxWaiting()) {
            return new ReportBusyException(false, limits.node(), limits.retryAfter());
        }
        return null;
    }

    private void expire(Waiter waiter) {
        boolean mine;
        synchronized (this) {
            if (!dequeue(waiter)) {
                return;
            }
            mine = runningByUser.getOrDefault(waiter.user, 0) >= limits.perUser();
        }
        waiter.sink.error(new ReportBusyException(mine, mine ? limits.perUser() : limits.node(),
                limits.retryAfter()));
    }

    private void cancel(Waiter waiter) {
        Slot granted;
        synchronized (this) {
            waiter.cancelled = true;
            if (dequeue(waiter)) {
                return;
            }
            granted = waiter.slot;
        }
        if (granted != null) {
            // granted as the caller went away: the place would otherwise never be given back
            granted.release();
        }
    }

    private boolean dequeue(Waiter waiter) {
        if (!waiting.remove(waiter)) {
            return false;
        }
        return true;
    }

    private void release(String user) {
        List<Waiter> granted = new ArrayList<>();
        synchronized (this) {
            running--;
            runningByUser.computeIfPresent(user, (key, count) -> count > 1 ? count - 1 : null);
            // in arrival order, skipping those whose own limit is still full
            for (var it = waiting.iterator(); it.hasNext() && running < limits.node();) {
                Waiter next = it.next();
                if (free(next.user)) {
                    it.remove();
                    next.slot = occupy(next.user);
                    granted.add(next);
                }
            }
        }
        granted.forEach(next -> next.sink.success(next.slot));
    }

    private static final class Waiter {

        final String user;

        final MonoSink<Slot> sink;

        Slot slot;

        boolean cancelled;

        Waiter(String user, MonoSink<Slot> sink) {
            this.user = user;
            this.sink = sink;
        }
    }

    /** One running report's place; given back (at once, when asked) once, however often its end is reported. */
    final class Slot {

        private final String user;

        private final AtomicBoolean released = new AtomicBoolean();

        Slot(String user) {
            this.user = user;
        }

        Mono<Void> release() {
            if (released.compareAndSet(false, true)) {
                ReportSlots.this.release(user);
            }
            return Mono.empty();
        }
    }
}
