package ru.rosdistant.gateway.routing;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import reactor.core.publisher.Mono;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.dialog.DialogQueries;

/**
 * The waiting line as the visitor sees it: their place, the estimated wait (the place times the line's recent pace)
 * and how many agents are online, told when it changes ({@link QueueChanged}).
 */
@Component
public class QueuePositions {

    private final Map<String, LineStats> stats = new ConcurrentHashMap<>();

    private final PresentAgents present;

    private final DialogQueries dialogs;

    private final ApplicationEventPublisher events;

    private final RoutingProperties properties;

    QueuePositions(PresentAgents present, DialogQueries dialogs, ApplicationEventPublisher events,
            RoutingProperties properties) {
        this.present = present;
        this.dialogs = dialogs;
        this.events = events;
        this.properties = properties;
    }

    /** Whether a widget dialog of the line joins the waiting line at open, not with the first message. */
    public boolean queuesOnOpen(String line) {
        return properties.policy(line).queueOnOpen();
    }

    /**
     * Tells a dialog's followers its last known place in the waiting line again: for a socket that has just
     * started following it, since positions are otherwise published only when they change.
     */
    public void repeatPosition(UUID dialogId, String line) {
        LineStats lineStats = stats.get(line);
        Integer position = lineStats == null ? null : lineStats.positions.get(dialogId);
        if (position != null) {
            events.publishEvent(new QueueChanged(dialogId, position, lineStats.estimate(position),
                    present.onlineFor(line)));
        }
    }

    /** A dialog of the line was assigned: the line's pace. */
    void assigned(String line) {
        stats.computeIfAbsent(line, id -> new LineStats()).assigned();
    }

    /**
     * Tells each waiting visitor of the line their place when it moved forward, or when the line gained its first
     * agent online or lost its last. A place never goes back: a dialog put at the head of the line (its agent was
     * lost, or it was forwarded here) does not push those already waiting back; the place they were told holds until
     * the line reaches it.
     */
    Mono<Void> publish(String line) {
        LineStats lineStats = stats.computeIfAbsent(line, id -> new LineStats());
        int online = present.onlineFor(line);
        boolean staffingChanged = lineStats.staffingChanged(online);
        return dialogs.waitingOrder(line)
                .index()
                .doOnNext(entry -> {
                    int position = (int) (entry.getT1() + 1);
                    UUID dialogId = entry.getT2();
                    Integer told = lineStats.tell(dialogId, position);
                    if (told != null || staffingChanged) {
                        int shown = told != null ? told : lineStats.positions.get(dialogId);
                        events.publishEvent(new QueueChanged(dialogId, shown,
                                online == 0 ? null : lineStats.estimate(shown), online));
                    }
                })
                .map(entry -> entry.getT2())
                .collectList()
                .doOnNext(lineStats::retainOnly)
                .then();
    }

    /** What the line remembers to tell places and estimate waits. */
    private static final class LineStats {

        /** an estimate needs this many recent paces of the line ... */
        private static final int ENOUGH = 3;

        /** ... none older than this */
        private static final long RECENT_NANOS = Duration.ofMinutes(30).toNanos();

        /** the place each waiting dialog was last told */
        private final Map<UUID, Integer> positions = new ConcurrentHashMap<>();

        /** when recent assignments came, each after the previous one while people were waiting: {at, seconds} */
        private final java.util.ArrayDeque<long[]> paces = new java.util.ArrayDeque<>();

        private long lastAssignmentNanos;

        private boolean waitingAtLastAssignment;

        private int lastOnline = -1;

        /**
         * A dialog of the line was assigned. The time since the previous assignment is the line's pace only when
         * people were waiting all along (it measures how fast agents take them, not how seldom people come).
         */
        synchronized void assigned() {
            long now = System.nanoTime();
            if (lastAssignmentNanos != 0 && waitingAtLastAssignment) {
                paces.addLast(new long[] { now, Math.max(1, Math.round((now - lastAssignmentNanos) / 1e9)) });
                while (paces.size() > 10) {
                    paces.removeFirst();
                }
            }
            lastAssignmentNanos = now;
            // this dialog is still counted among the positions until the next publication
            waitingAtLastAssignment = positions.size() > 1;
        }

        /** The wait for a place: the place times the median recent pace, or null without enough recent figures. */
        synchronized Long estimate(int position) {
            long now = System.nanoTime();
            long[] recent = paces.stream()
                    .filter(pace -> now - pace[0] < RECENT_NANOS)
                    .mapToLong(pace -> pace[1])
                    .sorted()
                    .toArray();
            if (recent.length < ENOUGH) {
                return null;
            }
            return position * recent[recent.length / 2];
        }

        /** The place to tell a dialog now (never further back than it was told), or null when that is unchanged. */
        Integer tell(UUID dialogId, int position) {
            Integer previous = positions.get(dialogId);
            if (previous != null && previous <= position) {
                return null;
            }
            positions.put(dialogId, position);
            return position;
        }

        /** Whether the line got its first agent online or lost its last since the previous publication. */
        synchronized boolean staffingChanged(int online) {
            boolean changed = lastOnline >= 0 && (lastOnline == 0) != (online == 0);
            lastOnline = online;
            return changed;
        }

        void retainOnly(List<UUID> waiting) {
            positions.keySet().retainAll(new java.util.HashSet<>(waiting));
        }
    }
}
