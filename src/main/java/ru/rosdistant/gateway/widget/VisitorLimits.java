package ru.rosdistant.gateway.widget;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.dialog.DialogClosed;
import ru.rosdistant.gateway.web.ClientBuckets;
import ru.rosdistant.gateway.live.ErrorCode;
import ru.rosdistant.gateway.live.FrameException;

/**
 * What one client address may do on the visitor socket ({@link VisitorLimitsProperties}): new visitors and new
 * dialogs per minute, dialogs open at once, transcript mails per hour. A refusal is a {@code CLIENT_LIMITED}
 * error frame. The open dialogs are counted in memory, per node, from their {@code open} to their close. And how
 * many messages one dialog takes a minute from the widget ({@code RATE_LIMITED}). New visitors and the messages of a
 * dialog are counted by all nodes together ({@code cluster.SharedBuckets}), the rest per node.
 */
@Component
class VisitorLimits {

    private final VisitorLimitsProperties properties;

    private final Set<String> unlimited;

    private final ru.rosdistant.gateway.cluster.SharedBuckets.Bucket newVisitors;

    private final ClientBuckets newDialogs;

    private final ClientBuckets transcripts;

    /**
     * Messages per dialog (keyed by its id): one visitor on twenty sockets, on any nodes, is still one dialog's rate.
     */
    private final ru.rosdistant.gateway.cluster.SharedBuckets.Bucket messages;

    /** Per client address: dialogs opened from it and not closed, and opens under way. Guarded by itself. */
    private final Map<String, Slots> open = new HashMap<>();

    private final Map<UUID, String> openedFrom = new java.util.concurrent.ConcurrentHashMap<>();

    VisitorLimits(VisitorLimitsProperties properties, ru.rosdistant.gateway.cluster.SharedBuckets shared) {
        this.properties = properties;
        this.unlimited = Set.copyOf(properties.unlimitedAddresses());
        // shared by the nodes: a visitor refused here would be a new visitor on the next node
        this.newVisitors = shared.bucket("new-visitors", properties.newPerMinute() / 60, properties.newBurst(),
                properties.trackedClients());
        this.newDialogs = new ClientBuckets(properties.dialogsPerMinute() / 60, properties.dialogsBurst(),
                properties.trackedClients());
        this.transcripts = new ClientBuckets(properties.transcriptsPerHour() / 3600, properties.transcriptsBurst(),
                properties.trackedClients());
        // shared too: without sticky sessions a visitor's sockets may sit on every node
        this.messages = shared.bucket("widget-messages", properties.messagesPerMinute() / 60,
                properties.messagesBurst(), properties.trackedClients());
    }

    /**
     * A message into the dialog; refused {@code RATE_LIMITED} (retryable: the widget sends it again after a few
     * seconds, with the same client id) past the dialog's rate, whichever socket, address or node it comes from
     * (with several nodes the answer may come from Redis); a socket from an unlimited address is not counted.
     */
    reactor.core.publisher.Mono<Void> message(String client, UUID dialogId) {
        if (unlimited.contains(client)) {
            return reactor.core.publisher.Mono.empty();
        }
        return messages.tryAcquire(dialogId.toString())
                .flatMap(wait -> wait.isPresent()
                        ? reactor.core.publisher.Mono.error(new FrameException(ErrorCode.RATE_LIMITED,
                                "Too many messages in this dialog; try again in "
                                        + Math.max(1, (wait.get().toMillis() + 999) / 1000) + " s"))
                        : reactor.core.publisher.Mono.empty());
    }

    /** A {@code hello} that makes a new visitor; refused past the client's rate (counted on all nodes). */
    reactor.core.publisher.Mono<Void> newVisitor(String client) {
        if (unlimited.contains(client)) {
            return reactor.core.publisher.Mono.empty();
        }
        return newVisitors.tryAcquire(client)
                .flatMap(wait -> wait.isPresent()
                        ? reactor.core.publisher.Mono.error(refused("Too many new visitors from your address", wait.get()))
                        : reactor.core.publisher.Mono.empty());
    }

    /**
     * Reserves room for a new dialog from the client, refused when too many of its dialogs are open or it opened
     * too many lately; {@link #opened} or {@link #release} settles the reservation.
     */
    void reserveDialog(String client) {
        if (unlimited.contains(client)) {
            return;
        }
        synchronized (open) {
            Slots slots = open.computeIfAbsent(client, key -> new Slots());
            if (slots.dialogs.size() + slots.reserved >= properties.openDialogs()) {
                dropIfEmpty(client, slots);
                throw new FrameException(ErrorCode.CLIENT_LIMITED, "Too many open dialogs from your address ("
                        + properties.openDialogs() + "); close one or try again later");
            }
            newDialogs.tryAcquire(client).ifPresent(wait -> {
                dropIfEmpty(client, slots);
                throw refused("Too many new dialogs from your address", wait);
            });
            slots.reserved++;
        }
    }

    /** The reserved dialog was opened (or the visitor's open one was answered). */
    void opened(String client, UUID dialogId) {
        if (unlimited.contains(client)) {
            return;
        }
        synchronized (open) {
            Slots slots = open.computeIfAbsent(client, key -> new Slots());
            slots.reserved = Math.max(0, slots.reserved - 1);
            if (openedFrom.putIfAbsent(dialogId, client) == null) {
                slots.dialogs.add(dialogId);
            }
            dropIfEmpty(client, slots);
        }
    }

    /** The reserved dialog was not opened. */
    void release(String client) {
        if (unlimited.contains(client)) {
            return;
        }
        synchronized (open) {
            Slots slots = open.get(client);
            if (slots != null) {
                slots.reserved = Math.max(0, slots.reserved - 1);
                dropIfEmpty(client, slots);
            }
        }
    }

    /** A copy of a transcript by mail; refused past the client's rate. */
    void transcript(String client) {
        if (!unlimited.contains(client)) {
            transcripts.tryAcquire(client).ifPresent(wait -> {
                throw refused("Too many transcripts requested from your address", wait);
            });
        }
    }

    @EventListener
    void on(DialogClosed closed) {
        UUID dialogId = closed.dialog().id();
        String client = openedFrom.remove(dialogId);
        if (client == null) {
            return;
        }
        synchronized (open) {
            Slots slots = open.get(client);
            if (slots != null) {
                slots.dialogs.remove(dialogId);
                dropIfEmpty(client, slots);
            }
        }
    }

    private void dropIfEmpty(String client, Slots slots) {
        if (slots.dialogs.isEmpty() && slots.reserved == 0) {
            open.remove(client);
        }
    }

    private static FrameException refused(String what, Duration wait) {
        return new FrameException(ErrorCode.CLIENT_LIMITED, what + "; try again in "
                + Math.max(1, (wait.toMillis() + 999) / 1000) + " s");
    }

    private static final class Slots {

        final Set<UUID> dialogs = new HashSet<>();

        int reserved;
    }
}
