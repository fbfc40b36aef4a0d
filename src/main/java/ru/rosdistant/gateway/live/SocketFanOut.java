package ru.rosdistant.gateway.live;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.ToLongFunction;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.cluster.NodeSockets;
import ru.rosdistant.gateway.dialog.DialogChanged;
import ru.rosdistant.gateway.dialog.DialogEvent;
import ru.rosdistant.gateway.dialog.DialogEvents;
import ru.rosdistant.gateway.dialog.DialogRead;
import ru.rosdistant.gateway.dialog.MessageAppended;
import ru.rosdistant.gateway.dialog.TypingChanged;
import ru.rosdistant.gateway.routing.OfferWithdrawn;
import ru.rosdistant.gateway.routing.Offered;
import ru.rosdistant.gateway.routing.QueueChanged;
import ru.rosdistant.gateway.shared.LiveEvent;
import ru.rosdistant.gateway.task.PersonWroteAgain;

/**
 * Hands the live facts to the sockets of this node that follow a dialog or an agent, and, with several nodes, to the
 * {@link NodeSockets.Relay} that carries them to the others. Dialog events arrive synchronously on the thread that
 * stored them ({@link DialogEvents.Listener}); offers, queue places and card notices as Spring events. It carries only
 * {@link LiveEvent}s, and {@link #ROUTES} says who hears each kind: a dialog's followers its messages, typing, queue
 * places and changes; an agent the changes of dialogs that became or stopped being theirs, their read marks, offers
 * and card notices. A listener that throws is logged and skipped: one broken socket never stops the others.
 */
@Component
public class SocketFanOut implements DialogEvents.Listener, NodeSockets {

    private static final Logger log = LoggerFactory.getLogger(SocketFanOut.class);

    /**
     * Where each kind of live event goes: the one list of what the fan-out carries, and the relay's table of the types
     * it reads back from the other nodes ({@link #eventTypes}). Every change {@link DialogChanged} permits is added
     * from the sealed type. Looked up by the event's class: one map read per event, nothing allocated.
     */
    private static final Map<Class<? extends LiveEvent>, Route> ROUTES = routes(
            toDialog(MessageAppended.class, MessageAppended::dialogId),
            toDialog(TypingChanged.class, TypingChanged::dialogId),
            toDialog(QueueChanged.class, QueueChanged::dialogId),
            toAgent(DialogRead.class, DialogRead::agentId),
            toAgent(Offered.class, Offered::agentId),
            toAgent(OfferWithdrawn.class, OfferWithdrawn::agentId),
            toAgent(PersonWroteAgain.class, PersonWroteAgain::agentId));

    /** How one kind of event finds its listeners on this node. */
    @FunctionalInterface
    private interface Route {

        void deliver(SocketFanOut fanOut, LiveEvent event);
    }

    /**
     * The listeners of each dialog and agent: one {@code Consumer} (a visitor's dialog has one socket) or an array of
     * them, replaced whole on every change (copy on write): a followed dialog costs one map entry, not a list.
     */
    private final Map<UUID, Object> byDialog = new ConcurrentHashMap<>();

    private final Map<Long, Object> byAgent = new ConcurrentHashMap<>();

    private volatile Relay relay;

    public Disposable followDialog(UUID dialogId, Consumer<LiveEvent> listener) {
        add(byDialog, dialogId, listener);
        return () -> remove(byDialog, dialogId, listener);
    }

    /** Like {@link #followDialog}, for a listener that keeps its own registration: ended by {@link #unfollowDialog}. */
    void addDialogListener(UUID dialogId, Consumer<LiveEvent> listener) {
        add(byDialog, dialogId, listener);
    }

    void unfollowDialog(UUID dialogId, Consumer<LiveEvent> listener) {
        remove(byDialog, dialogId, listener);
    }

    public Disposable followAgent(long agentId, Consumer<LiveEvent> listener) {
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
    public Collection<Class<? extends LiveEvent>> eventTypes() {
        return ROUTES.keySet();
    }

    /** The dialog events that are live go on; the others ({@code DialogOpened}, say) concern no socket. */
    @Override
    public void on(DialogEvent event) {
        if (event instanceof LiveEvent live) {
            publish(live);
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

    private void publish(LiveEvent event) {
        deliverHere(event);
        Relay to = relay;
        if (to != null) {
            to.publish(event);
        }
    }

    @Override
    public void deliverHere(LiveEvent event) {
        Route route = ROUTES.get(event.getClass());
        if (route == null) {
            // ArchitectureTests keeps every live event in ROUTES; one left out would be lost here, so say so
            log.warn("No route for the live event {}; it is dropped", event.getClass().getName());
            return;
        }
        route.deliver(this, event);
    }

    @Override
    public void deliverToAgentHere(long agentId, LiveEvent event) {
        deliver(byAgent.get(agentId), event);
    }

    /** The routes, one per kind, with one for every change {@link DialogChanged} permits (to its followers). */
    @SafeVarargs
    @SuppressWarnings("unchecked")
    private static Map<Class<? extends LiveEvent>, Route> routes(
            Map.Entry<Class<? extends LiveEvent>, Route>... routes) {
        Map<Class<? extends LiveEvent>, Route> all = new HashMap<>();
        for (Map.Entry<Class<? extends LiveEvent>, Route> route : routes) {
            all.put(route.getKey(), route.getValue());
        }
        for (Class<?> change : DialogChanged.class.getPermittedSubclasses()) {
            all.put((Class<? extends LiveEvent>) change,
                    (fanOut, event) -> deliver(fanOut.followersOf((DialogChanged) event), event));
        }
        return Map.copyOf(all);
    }

    /** Events of this kind go to the listeners of their dialog. */
    private static <E extends LiveEvent> Map.Entry<Class<? extends LiveEvent>, Route> toDialog(Class<E> type,
            Function<E, UUID> dialog) {
        return Map.entry(type, (fanOut, event) -> deliver(fanOut.byDialog.get(dialog.apply(type.cast(event))), event));
    }

    /** Events of this kind go to the listeners of their agent. */
    private static <E extends LiveEvent> Map.Entry<Class<? extends LiveEvent>, Route> toAgent(Class<E> type,
            ToLongFunction<E> agent) {
        return Map.entry(type,
                (fanOut, event) -> fanOut.deliverToAgentHere(agent.applyAsLong(type.cast(event)), event));
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

    private static <K> void add(Map<K, Object> map, K key, Consumer<LiveEvent> listener) {
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

    private static <K> void remove(Map<K, Object> map, K key, Consumer<LiveEvent> listener) {
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
    private static void deliver(Object listeners, LiveEvent event) {
        if (listeners instanceof Object[] many) {
            for (Object listener : many) {
                deliverTo((Consumer<LiveEvent>) listener, event);
            }
        }
        else if (listeners != null) {
            deliverTo((Consumer<LiveEvent>) listeners, event);
        }
    }

    private static void deliverTo(Consumer<LiveEvent> listener, LiveEvent event) {
        try {
            listener.accept(event);
        }
        catch (RuntimeException ex) {
            log.warn("A socket listener failed on {}", event.getClass().getSimpleName(), ex);
        }
    }
}
