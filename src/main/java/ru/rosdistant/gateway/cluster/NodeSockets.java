package ru.rosdistant.gateway.cluster;

import java.util.Collection;
import java.util.Set;
import java.util.UUID;

import ru.rosdistant.gateway.shared.LiveEvent;

/**
 * This node's sockets as the relay between nodes sees them (the live fan-out implements it): the events it hands to
 * the relay, where the events of other nodes are delivered, what is followed here, and the kinds of events relayed.
 */
public interface NodeSockets {

    /** Where this node's live events go besides its own sockets: set at start with several nodes, null otherwise. */
    void relayTo(Relay relay);

    /** Hands an event to this node's sockets only: one another node published, or one read again from PostgreSQL. */
    void deliverHere(LiveEvent event);

    /** Hands an event to the sockets of one agent on this node only. */
    void deliverToAgentHere(long agentId, LiveEvent event);

    /** The dialogs some socket of this node follows now. */
    Set<UUID> followedDialogs();

    /** The agents some socket of this node follows now. */
    Set<Long> followedAgents();

    /** The kinds of events relayed, every one the sockets take; the relay reads them back by their simple names. */
    Collection<Class<? extends LiveEvent>> eventTypes();

    /** Carries the live events of this node to the others. */
    interface Relay {

        void publish(LiveEvent event);
    }
}
