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
 * Hands live dialog events to the sockets that follow a dialog or an agent on this node. It is the one
 * seam for several nodes later (a Redis channel per node behind the same methods). A listener that throws
 * is logged and skipped: one broken socket never stops the others.
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

    public void publish(DialogEvent event) {
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
