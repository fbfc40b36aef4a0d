package ru.rosdistant.gateway.cluster;

import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * This node's sockets as the relay between nodes sees them (the live fan-out implements it): the events it hands to
 * the relay, where the events of other nodes are delivered, what is followed here, and the kinds of events relayed.
 */
public interface NodeSockets {

    /** Where this node's live events go besides its own sockets: set at start with several nodes, null otherwise. */
    void relayTo(Relay relay);

    /** Hands an event to this node's sockets only: one another node published, or one read again from PostgreSQL. */
    void deliverHere(Object event);

    /** Hands an event to the sockets of one agent on this node only. */
    void deliverToAgentHere(long agentId, Object event);

    /** The dialogs some socket of this node follows now. */
    Set<UUID> followedDialogs();

    /** The agents some socket of this node follows now. */
    Set<Long> followedAgents();

    /** The kinds of events relayed; the relay reads them back by their simple names. */
    List<Class<?>> eventTypes();

    /** Carries the live events of this node to the others. */
    interface Relay {

        void publish(Object event);
    }
}
