package ru.rosdistant.gateway.dialog;

import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Component;

/**
 * Publishes each {@link DialogEvent} once, on the thread that stored it: first to every {@link Listener} (the live
 * fan-out to sockets implements it), then as a Spring event for the modules that react with {@code @EventListener}.
 * The facts of the hot path (a message, a read mark, typing) go to the listeners only: no Spring listener lookup per
 * message. A listener that throws is logged and skipped.
 */
@Component
public class DialogEvents {

    private static final Logger log = LoggerFactory.getLogger(DialogEvents.class);

    /** Hears every dialog event, synchronously and in order; must not block and should return quickly. */
    public interface Listener {

        void on(DialogEvent event);
    }

    private final List<Listener> listeners;

    private final ApplicationEventPublisher spring;

    DialogEvents(ObjectProvider<Listener> listeners, ApplicationEventPublisher spring) {
        this.listeners = listeners.orderedStream().toList();
        this.spring = spring;
    }

    void publish(DialogEvent event) {
        for (Listener listener : listeners) {
            try {
                listener.on(event);
            }
            catch (RuntimeException ex) {
                log.warn("A listener of dialog {} failed", event.dialogId(), ex);
            }
        }
        if (!(event instanceof MessageAppended || event instanceof DialogRead || event instanceof TypingChanged)) {
            spring.publishEvent(event);
        }
    }
}
