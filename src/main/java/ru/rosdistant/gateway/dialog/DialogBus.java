package ru.rosdistant.gateway.dialog;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

import org.springframework.stereotype.Component;

/**
 * Hands live dialog events to the sockets that follow a dialog or an agent on this node, and, with several nodes,
 * to the {@link Relay} that carries them to the others. A listener that throws is logged and skipped: one broken
 * socket never stops the others.
 */
@Component
public class DialogBus {

    private static final Logger log = LoggerFactory.getLogger(DialogBus.class);

    private final Map<UUID, List<Consumer<DialogEvent>>> byDialog = new ConcurrentHashMap<>();

    private final Map<Long, List<Consumer<DialogEvent>>> byAgent = new ConcurrentHashMap<>();

    public Disposable followDialog(UUID dialogId, Consumer<DialogEvent> listener) {
        return add(byDialog, dialogId, listener);
    }

    public Disposable followAgent(long agentId, Consumer<DialogEvent> listener) {
        return add(byAgent, agentId, listener);
    }

    /**
     * Where every event published here goes besides this node's sockets: the other nodes (cluster.LiveFanOut).
     * Set once at start; a single node has none.
     */
    public interface Relay {

        void publish(DialogEvent event, Long toAgent);
    }

    private volatile Relay relay;

    public void relayTo(Relay relay) {
        this.relay = relay;
    }

    /** The dialogs some socket of this node follows now. */
    public java.util.Set<UUID> followedDialogs() {
        return java.util.Set.copyOf(byDialog.keySet());
    }

    /** The agents some socket of this node follows now. */
    public java.util.Set<Long> followedAgents() {
        return java.util.Set.copyOf(byAgent.keySet());
    }

    public void publish(DialogEvent event) {
        deliverHere(event);
        Relay to = relay;
        if (to != null) {
            to.publish(event, null);
        }
    }

    /** Hands an event to this node's sockets only: one that another node published, or one read again from PostgreSQL. */
    public void deliverHere(DialogEvent event) {
        deliver(byDialog.get(event.dialogId()), event);
        if (event instanceof DialogEvent.DialogChanged changed) {
            Long agent = changed.dialog().agentId();
            if (agent != null) {
                deliver(byAgent.get(agent), event);
            }
            Long previous = changed.previousAgentId();
            if (previous != null && !previous.equals(agent)) {
                deliver(byAgent.get(previous), event);
            }
        }
    }

    /** Delivers an event only to the sockets of one agent (offers). */
    public void publishToAgent(long agentId, DialogEvent event) {
        deliverToAgentHere(agentId, event);
        Relay to = relay;
        if (to != null) {
            to.publish(event, agentId);
        }
    }

    /** Delivers an event only to the sockets of one agent on this node. */
    public void deliverToAgentHere(long agentId, DialogEvent event) {
        deliver(byAgent.get(agentId), event);
    }

    private static <K> Disposable add(Map<K, List<Consumer<DialogEvent>>> map, K key,
            Consumer<DialogEvent> listener) {
        map.compute(key, (k, list) -> {
            List<Consumer<DialogEvent>> listeners = list == null ? new CopyOnWriteArrayList<>() : list;
            listeners.add(listener);
            return listeners;
        });
        return () -> map.computeIfPresent(key, (k, list) -> {
            list.remove(listener);
            return list.isEmpty() ? null : list;
        });
    }

    private static void deliver(List<Consumer<DialogEvent>> listeners, DialogEvent event) {
        if (listeners == null) {
            return;
        }
        for (Consumer<DialogEvent> listener : listeners) {
            try {
                listener.accept(event);
            }
            catch (RuntimeException ex) {
                log.warn("A listener of dialog {} failed", event.dialogId(), ex);
            }
        }
    }
}
