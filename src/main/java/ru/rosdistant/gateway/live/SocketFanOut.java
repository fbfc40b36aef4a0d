package ru.rosdistant.gateway.live;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.cluster.NodeSockets;
import ru.rosdistant.gateway.dialog.DialogAssigned;
import ru.rosdistant.gateway.dialog.DialogChanged;
import ru.rosdistant.gateway.dialog.DialogClassified;
import ru.rosdistant.gateway.dialog.DialogClosed;
import ru.rosdistant.gateway.dialog.DialogEvent;
import ru.rosdistant.gateway.dialog.DialogEvents;
import ru.rosdistant.gateway.dialog.DialogForwarded;
import ru.rosdistant.gateway.dialog.DialogRead;
import ru.rosdistant.gateway.dialog.DialogRequeued;
import ru.rosdistant.gateway.dialog.DialogTriaged;
import ru.rosdistant.gateway.dialog.MessageAppended;
import ru.rosdistant.gateway.dialog.TypingChanged;
import ru.rosdistant.gateway.routing.OfferWithdrawn;
import ru.rosdistant.gateway.routing.Offered;
import ru.rosdistant.gateway.routing.QueueChanged;
import ru.rosdistant.gateway.task.PersonWroteAgain;

/**
 * Hands the live facts to the sockets of this node that follow a dialog or an agent, and, with several nodes, to the
 * {@link NodeSockets.Relay} that carries them to the others. Dialog events arrive synchronously on the thread that
 * stored them ({@link DialogEvents.Listener}); offers, queue places and card notices as Spring events. Who hears what:
 * a dialog's followers its messages, typing, queue places and changes; an agent the changes of dialogs that became or
 * stopped being theirs, their read marks, offers and card notices. A listener that throws is logged and skipped: one
 * broken socket never stops the others.
 */
@Component
public class SocketFanOut implements DialogEvents.Listener, NodeSockets {

    private static final Logger log = LoggerFactory.getLogger(SocketFanOut.class);

    private static final List<Class<?>> RELAYED = List.of(MessageAppended.class, TypingChanged.class,
            DialogRead.class, DialogAssigned.class, DialogForwarded.class, DialogRequeued.class, DialogTriaged.class,
            DialogClosed.class, DialogClassified.class, Offered.class, OfferWithdrawn.class, QueueChanged.class,
            PersonWroteAgain.class);

    private final Map<UUID, List<Consumer<Object>>> byDialog = new ConcurrentHashMap<>();

    private final Map<Long, List<Consumer<Object>>> byAgent = new ConcurrentHashMap<>();

    private volatile Relay relay;

    public Disposable followDialog(UUID dialogId, Consumer<Object> listener) {
        return add(byDialog, dialogId, listener);
    }

    public Disposable followAgent(long agentId, Consumer<Object> listener) {
        return add(byAgent, agentId, listener);
    }

    @Override
    public void relayTo(Relay relay) {
        this.relay = relay;
    }

    @Override
    public Set<UUID> followedDialogs() {
        return Set.copyOf(byDialog.keySet());
    }

    @Override
    public Set<Long> followedAgents() {
        return Set.copyOf(byAgent.keySet());
    }

    @Override
    public List<Class<?>> eventTypes() {
        return RELAYED;
    }

    @Override
    public void on(DialogEvent event) {
        if (event instanceof MessageAppended || event instanceof TypingChanged || event instanceof DialogRead
                || event instanceof DialogChanged) {
            publish(event);
        }
    }

    @EventListener
    void on(Offered offered) {
        publish(offered);
    }

    @EventListener
    void on(OfferWithdrawn withdrawn) {
        publish(withdrawn);
    }

    @EventListener
    void on(QueueChanged queue) {
        publish(queue);
    }

    @EventListener
    void on(PersonWroteAgain wrote) {
        publish(wrote);
    }

    private void publish(Object event) {
        deliverHere(event);
        Relay to = relay;
        if (to != null) {
            to.publish(event);
        }
    }

    @Override
    public void deliverHere(Object event) {
        if (event instanceof MessageAppended appended) {
            deliver(byDialog.get(appended.dialogId()), event);
        }
        else if (event instanceof TypingChanged typing) {
            deliver(byDialog.get(typing.dialogId()), event);
        }
        else if (event instanceof QueueChanged queue) {
            deliver(byDialog.get(queue.dialogId()), event);
        }
        else if (event instanceof DialogChanged changed) {
            deliver(followersOf(changed), event);
        }
        else if (event instanceof DialogRead read) {
            deliverToAgentHere(read.agentId(), event);
        }
        else if (event instanceof Offered offered) {
            deliverToAgentHere(offered.agentId(), event);
        }
        else if (event instanceof OfferWithdrawn withdrawn) {
            deliverToAgentHere(withdrawn.agentId(), event);
        }
        else if (event instanceof PersonWroteAgain wrote) {
            deliverToAgentHere(wrote.agentId(), event);
        }
    }

    @Override
    public void deliverToAgentHere(long agentId, Object event) {
        deliver(byAgent.get(agentId), event);
    }

    /**
     * Who hears a change: the dialog's followers, its agent and the agent it left, each once. A console follows its
     * agent and, once it asked for their messages, each of their dialogs: it registers the same listener for both
     * (the {@link SocketConnection} itself), and hears it once.
     */
    private List<Consumer<Object>> followersOf(DialogChanged changed) {
        List<Consumer<Object>> ofDialog = byDialog.get(changed.dialogId());
        Long agent = changed.dialog().agentId();
        Long previous = changed.previousAgentId();
        List<Consumer<Object>> ofAgent = agent == null ? null : byAgent.get(agent);
        List<Consumer<Object>> ofPrevious = previous == null || previous.equals(agent) ? null
                : byAgent.get(previous);
        if (ofAgent == null && ofPrevious == null) {
            return ofDialog;
        }
        Set<Consumer<Object>> once = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Consumer<Object>> all = new ArrayList<>();
        for (List<Consumer<Object>> listeners : Arrays.asList(ofDialog, ofAgent, ofPrevious)) {
            if (listeners != null) {
                for (Consumer<Object> listener : listeners) {
                    if (once.add(listener)) {
                        all.add(listener);
                    }
                }
            }
        }
        return all;
    }

    private static <K> Disposable add(Map<K, List<Consumer<Object>>> map, K key, Consumer<Object> listener) {
        map.compute(key, (k, list) -> {
            List<Consumer<Object>> listeners = list == null ? new CopyOnWriteArrayList<>() : list;
            listeners.add(listener);
            return listeners;
        });
        return () -> map.computeIfPresent(key, (k, list) -> {
            list.remove(listener);
            return list.isEmpty() ? null : list;
        });
    }

    private static void deliver(List<Consumer<Object>> listeners, Object event) {
        if (listeners == null) {
            return;
        }
        for (Consumer<Object> listener : listeners) {
            try {
                listener.accept(event);
            }
            catch (RuntimeException ex) {
                log.warn("A socket listener failed on {}", event.getClass().getSimpleName(), ex);
            }
        }
    }
}
