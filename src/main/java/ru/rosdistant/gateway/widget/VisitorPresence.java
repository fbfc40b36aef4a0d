package ru.rosdistant.gateway.widget;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.stereotype.Component;

/**
 * Which visitors have a socket on this node, and since when a visitor has had none. A visitor this node has not
 * seen since it started counts as gone since the start. Per node, like the sockets themselves.
 */
@Component
class VisitorPresence {

    private final long startedNanos = System.nanoTime();

    private final Map<UUID, Seen> visitors = new ConcurrentHashMap<>();

    /** With several nodes, the same in PostgreSQL for the other nodes to read. */
    private final ru.rosdistant.gateway.cluster.VisitorPresenceRows rows;

    VisitorPresence(ru.rosdistant.gateway.cluster.VisitorPresenceRows rows) {
        this.rows = rows;
    }

    void connected(UUID visitorId) {
        visitors.compute(visitorId, (id, seen) -> new Seen(seen == null ? 1 : seen.sockets + 1, System.nanoTime()));
        rows.connected(visitorId);
    }

    void disconnected(UUID visitorId) {
        Seen after = visitors.computeIfPresent(visitorId,
                (id, seen) -> new Seen(Math.max(0, seen.sockets - 1), System.nanoTime()));
        if (after != null) {
            rows.disconnected(visitorId);
        }
    }

    /** Of these visitors gone from this node for {@code period}, those gone from every other node too. */
    reactor.core.publisher.Flux<UUID> goneElsewhere(java.util.List<UUID> visitorIds, Duration period) {
        return rows.goneElsewhere(visitorIds, period);
    }

    /** Whether the visitor has had no socket here for at least {@code period}. */
    boolean goneFor(UUID visitorId, Duration period) {
        Seen seen = visitors.get(visitorId);
        if (seen != null && seen.sockets > 0) {
            return false;
        }
        long since = seen == null ? startedNanos : seen.sinceNanos;
        return System.nanoTime() - since >= period.toNanos();
    }

    /** Forgets the visitors gone for longer than {@code period}: they count as gone since the start from now on. */
    void forgetGone(Duration period) {
        long cutoff = System.nanoTime() - period.toNanos();
        visitors.values().removeIf(seen -> seen.sockets == 0 && seen.sinceNanos - cutoff < 0);
    }

    /** How many sockets, and since when that number last changed. */
    private record Seen(int sockets, long sinceNanos) {
    }
}
