package ru.rosdistant.gateway.routing;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The routing decision alone, free of I/O so that it can be tested and measured: which of the available
 * agents of a line gets the next dialog.
 */
final class Assignment {

    /** An available agent as the decision sees it; {@code load} counts open dialogs and reserved offers. */
    static final class Candidate {

        final long agentId;

        final int maxDialogs;

        int load;

        long lastAssignedNanos;

        Candidate(long agentId, int maxDialogs, int load, long lastAssignedNanos) {
            this.agentId = agentId;
            this.maxDialogs = maxDialogs;
            this.load = load;
            this.lastAssignedNanos = lastAssignedNanos;
        }

        boolean hasRoom() {
            return load < maxDialogs;
        }
    }

    private static final Comparator<Candidate> LEAST_BUSY = Comparator.<Candidate>comparingInt(c -> c.load)
            .thenComparingLong(c -> c.lastAssignedNanos)
            .thenComparingLong(c -> c.agentId);

    private Assignment() {
    }

    /**
     * The agent for the next dialog, skipping those in {@code passedOver}; for round robin,
     * {@code lastAgentId} is the agent the line chose last time.
     */
    static Optional<Candidate> pick(Strategy strategy, List<Candidate> candidates, Set<Long> passedOver,
            long lastAgentId) {
        if (strategy == Strategy.ROUND_ROBIN) {
            return nextInTurn(candidates, passedOver, lastAgentId);
        }
        Candidate best = null;
        for (Candidate candidate : candidates) {
            if (candidate.hasRoom() && !passedOver.contains(candidate.agentId)
                    && (best == null || LEAST_BUSY.compare(candidate, best) < 0)) {
                best = candidate;
            }
        }
        return Optional.ofNullable(best);
    }

    private static Optional<Candidate> nextInTurn(List<Candidate> candidates, Set<Long> passedOver, long lastAgentId) {
        Candidate after = null;
        Candidate first = null;
        for (Candidate candidate : candidates) {
            if (!candidate.hasRoom() || passedOver.contains(candidate.agentId)) {
                continue;
            }
            if (first == null || candidate.agentId < first.agentId) {
                first = candidate;
            }
            if (candidate.agentId > lastAgentId && (after == null || candidate.agentId < after.agentId)) {
                after = candidate;
            }
        }
        return Optional.ofNullable(after != null ? after : first);
    }
}
