package ru.rosdistant.gateway.widget;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.card.Transcripts;
import ru.rosdistant.gateway.dialog.DialogClosed;
import ru.rosdistant.gateway.dialog.DialogManagement;
import ru.rosdistant.gateway.dialog.DialogQueries;

/**
 * What the widget's visitors leave behind, on a sweep every {@code gateway.visitors.sweep-interval}: a waiting
 * dialog whose visitor has had no socket for {@code abandon-after} is closed as abandoned (it leaves the waiting
 * line); a transcript the visitor asked for while the dialog was open is mailed once it is closed (at once on
 * the close, and by the sweep should that fail).
 */
@Component
class WaitingVisitors {

    private static final Logger log = LoggerFactory.getLogger(WaitingVisitors.class);

    private static final int BATCH = 500;

    private final DialogManagement dialogs;

    private final DialogQueries dialogQueries;

    private final VisitorPresence presence;

    private final Transcripts transcripts;

    private final VisitorLimitsProperties properties;

    private final AtomicBoolean failing = new AtomicBoolean();

    private final ru.rosdistant.gateway.cluster.SingletonJobs jobs;

    private volatile Disposable sweeper;

    WaitingVisitors(DialogManagement dialogs, DialogQueries dialogQueries, VisitorPresence presence,
            Transcripts transcripts,
            VisitorLimitsProperties properties, ru.rosdistant.gateway.cluster.SingletonJobs jobs) {
        this.jobs = jobs;
        this.dialogs = dialogs;
        this.dialogQueries = dialogQueries;
        this.presence = presence;
        this.transcripts = transcripts;
        this.properties = properties;
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        Duration every = properties.sweepInterval();
        sweeper = Flux.interval(every, every)
                .onBackpressureDrop()
                // what this node remembers of its sockets is forgotten here; the sweep itself is database-wide
                .doOnNext(tick -> presence.forgetGone(properties.abandonAfter()))
                .concatMap(tick -> jobs.runAlone("visitors.sweep", every, this::sweep)
                        .then()
                        .doOnSuccess(done -> failing.set(false))
                        .onErrorResume(error -> {
                            if (!failing.getAndSet(true)) {
                                log.warn("Could not close abandoned dialogs or mail transcripts; retrying", error);
                            }
                            return Mono.empty();
                        }), 1)
                .subscribe();
    }

    @EventListener(ContextClosedEvent.class)
    void stop() {
        Disposable running = sweeper;
        if (running != null) {
            running.dispose();
        }
    }

    @EventListener
    void on(DialogClosed closed) {
        // one line, no trace: during a database outage every close would log one; the sweep retries
        mailDue(closed.dialog().id())
                .subscribe(null, error -> log.warn("Could not queue the transcript of dialog {} ({}); the sweep will",
                        closed.dialog().id(), String.valueOf(error)));
    }

    Mono<Void> sweep() {
        return closeAbandoned().then(mailDue(null));
    }

    private Mono<Void> closeAbandoned() {
        Duration after = properties.abandonAfter();
        return dialogQueries.waitingWidgetDialogsOpenedBefore(Instant.now().minus(after), BATCH)
                .filter(dialog -> presence.goneFor(dialog.getValue(), after))
                .collectList()
                .flatMapMany(gone -> goneEverywhere(gone, after))
                .concatMap(dialog -> dialogs.closeAbandoned(dialog.getKey()))
                .doOnNext(dialog -> log.debug("Dialog {} closed as abandoned", dialog.id()))
                .then();
    }

    /** With several nodes: of the dialogs whose visitor is gone from this node, those whose visitor is gone from all. */
    private Flux<java.util.Map.Entry<UUID, UUID>> goneEverywhere(java.util.List<java.util.Map.Entry<UUID, UUID>> goneHere,
            Duration after) {
        return presence.goneElsewhere(goneHere.stream().map(java.util.Map.Entry::getValue).distinct().toList(), after)
                .collect(java.util.stream.Collectors.toSet())
                .flatMapMany(gone -> Flux.fromIterable(goneHere)
                        .filter(dialog -> gone.contains(dialog.getValue())));
    }

    private Mono<Void> mailDue(UUID dialogId) {
        return dialogQueries.transcriptsDue(dialogId, BATCH)
                .concatMap(due -> transcripts.mailCopy(due.getKey(), due.getValue())
                        .then(dialogs.transcriptQueued(due.getKey())))
                .then();
    }
}
