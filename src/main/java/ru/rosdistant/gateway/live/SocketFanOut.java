package ru.rosdistant.gateway.live;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
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

    /**
     * The listeners of each dialog and agent: one {@code Consumer} (a visitor's dialog has one socket) or an array of
     * them, replaced whole on every change (copy on write): a followed dialog costs one map entry, not a list.
     */
    private final Map<UUID, Object> byDialog = new ConcurrentHashMap<>();

    private final Map<Long, Object> byAgent = new ConcurrentHashMap<>();

    private volatile Relay relay;

    public Disposable followDialog(UUID dialogId, Consumer<Object> listener) {
        add(byDialog, dialogId, listener);
        return () -> remove(byDialog, dialogId, listener);
    }

    /** Like {@link #followDialog}, for a listener that keeps its own registration: ended by {@link #unfollowDialog}. */
    void addDialogListener(UUID dialogId, Consumer<Object> listener) {
        add(byDialog, dialogId, listener);
    }

    void unfollowDialog(UUID dialogId, Consumer<Object> listener) {
        remove(byDialog, dialogId, listener);
    }

    public Disposable followAgent(long agentId, Consumer<Object> listener) {
        Long key = agentId;
        add(byAgent, key, listener);
        return () -> remove(byAgent, key, listener);
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
     * (the {@link SocketConnection} itself), and hears it once. One listener or an array, as the maps hold them.
     */
    private Object followersOf(DialogChanged changed) {
        Object ofDialog = byDialog.get(changed.dialogId());
        Long agent = changed.dialog().agentId();
        Long previous = changed.previousAgentId();
        Object ofAgent = agent == null ? null : byAgent.get(agent);
        Object ofPrevious = previous == null || previous.equals(agent) ? null : byAgent.get(previous);
        if (ofAgent == null && ofPrevious == null) {
            return ofDialog;
        }
        Set<Object> once = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Object> all = new ArrayList<>();
        for (Object listeners : new Object[] {ofDialog, ofAgent, ofPrevious}) {
            if (listeners instanceof Object[] many) {
                for (Object listener : many) {
                    if (once.add(listener)) {
                        all.add(listener);
                    }
                }
            }
            else if (listeners != null && once.add(listeners)) {
                all.add(listeners);
            }
        }
        return all.toArray();
    }

    private static <K> void add(Map<K, Object> map, K key, Consumer<Object> listener) {
        map.compute(key, (k, listeners) -> {
            if (listeners == null) {
                return listener;
            }
            Object[] before = listeners instanceof Object[] many ? many : new Object[] {listeners};
            Object[] after = java.util.Arrays.copyOf(before, before.length + 1);
            after[before.length] = listener;
            return after;
        });
    }

    private static <K> void remove(Map<K, Object> map, K key, Consumer<Object> listener) {
        map.computeIfPresent(key, (k, listeners) -> {
            if (listeners == listener) {
                return null;
            }
            if (!(listeners instanceof Object[] many)) {
                return listeners;
            }
            int at = -1;
            for (int i = 0; i < many.length && at < 0; i++) {
                if (many[i] == listener) {
                    at = i;
                }
            }
            if (at < 0) {
                return listeners;
            }
            if (many.length == 2) {
                return many[1 - at];
            }
            Object[] after = new Object[many.length - 1];
            System.arraycopy(many, 0, after, 0, at);
            System.arraycopy(many, at + 1, after, at, many.length - at - 1);
            return after;
        });
    }

    @SuppressWarnings("unchecked")
    private static void deliver(Object listeners, Object event) {
        if (listeners instanceof Object[] many) {
            for (Object listener : many) {
                deliverTo((Consumer<Object>) listener, event);
            }
        }
        else if (listeners != null) {
            deliverTo((Consumer<Object>) listeners, event);
        }
    }

    private static void deliverTo(Consumer<Object> listener, Object event) {
        try {
            listener.accept(event);
        }
        catch (RuntimeException ex) {
            log.warn("A socket listener failed on {}", event.getClass().getSimpleName(), ex);
        }
    }
}
