package ru.rosdistant.gateway.routing;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;

import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.agent.Agent;

/**
 * The agents this node knows (a console connected, or within the grace period after the last one closed): the state
 * that presence, offers, positions and the drain read, and only {@link AgentPresences} changes.
 */
@Component
class PresentAgents {

    private final Map<Long, PresentAgent> present = new ConcurrentHashMap<>();

    PresentAgent get(long agentId) {
        return present.get(agentId);
    }

    boolean contains(long agentId) {
        return present.containsKey(agentId);
    }

    Collection<PresentAgent> all() {
        return present.values();
    }

    PresentAgent compute(long agentId, BiFunction<Long, PresentAgent, PresentAgent> change) {
        return present.compute(agentId, change);
    }

    PresentAgent computeIfPresent(long agentId, BiFunction<Long, PresentAgent, PresentAgent> change) {
        return present.computeIfPresent(agentId, change);
    }

    PresentAgent remove(long agentId) {
        return present.remove(agentId);
    }

    /** How many agents of the line have a console open and are ONLINE now (on this node). */
    int onlineFor(String line) {
        return (int) present.values()
                .stream()
                .filter(agent -> agent.connections > 0 && agent.status == Presence.ONLINE && agent.agent.serves(line))
                .count();
    }

    /** An agent was given a dialog: they take their turn (the longest since their last assignment goes first). */
    void assigned(Long agentId) {
        PresentAgent agent = agentId == null ? null : present.get(agentId);
        if (agent != null) {
            agent.lastAssignedNanos = System.nanoTime();
        }
    }

    /** What routing knows of a connected agent; replaced as a whole, except the last assignment time. */
    static final class PresentAgent {

        final Agent agent;

        final int connections;

        final Presence status;

        volatile long lastAssignedNanos;

        PresentAgent(Agent agent) {
            this(agent, 1, Presence.OFFLINE);
        }

        PresentAgent(Agent agent, int connections, Presence status) {
            this.agent = agent;
            this.connections = connections;
            this.status = status;
        }

        PresentAgent connect(Agent fresh) {
            return copy(fresh, connections + 1, status);
        }

        PresentAgent disconnect() {
            return copy(agent, Math.max(0, connections - 1), status);
        }

        PresentAgent withStatus(Presence next) {
            return copy(agent, connections, next);
        }

        private PresentAgent copy(Agent agent, int connections, Presence status) {
            PresentAgent copy = new PresentAgent(agent, connections, status);
            copy.lastAssignedNanos = lastAssignedNanos;
            return copy;
        }

        boolean availableFor(String line) {
            return connections > 0 && status == Presence.ONLINE && agent.enabled() && agent.serves(line);
        }
    }
}
