package ru.rosdistant.gateway.routing;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.dialog.Dialog;
import ru.rosdistant.gateway.dialog.DialogManagement;
import ru.rosdistant.gateway.dialog.DialogQueries;

/**
 * Offers of waiting dialogs to agents: made by a drain, accepted or declined by an agent, withdrawn when the agent
 * goes away or the dialog closes, ended by this node's timer. Offers are rows ({@link Offers}) any node answers;
 * the targets hear of them ({@link Offered}, {@link OfferWithdrawn}) wherever their consoles are.
 */
@Component
public class OfferRounds {

    private static final Logger log = LoggerFactory.getLogger(OfferRounds.class);

    private final Offers offers;

    private final PresentAgents present;

    private final DialogManagement dialogs;

    private final DialogQueries dialogQueries;

    private final ApplicationEventPublisher events;

    private final DrainRequests drains;

    private final QueuePositions positions;

    /** The timers of the offers this node made, by dialog. */
    private final Map<UUID, Disposable> offerTimers = new ConcurrentHashMap<>();

    OfferRounds(Offers offers, PresentAgents present, DialogManagement dialogs, DialogQueries dialogQueries,
            ApplicationEventPublisher events, DrainRequests drains,
            QueuePositions positions) {
        this.offers = offers;
        this.present = present;
        this.dialogs = dialogs;
        this.dialogQueries = dialogQueries;
        this.events = events;
        this.drains = drains;
        this.positions = positions;
    }

    /**
     * An agent takes a dialog offered to them, on whichever node the offer was made; fails with
     * {@link OfferGoneException} when it is gone. Taking the offer is a conditional DELETE: of two agents who accept
     * at once one takes it, the other finds it gone. The assignment that follows still checks that the dialog waits
     * and the agent has room; should it fail, the line is drained again and the dialog offered anew.
     */
    public Mono<Dialog> accept(long agentId, UUID dialogId) {
        PresentAgents.PresentAgent agent = present.get(agentId);
        if (agent == null) {
            return Mono.error(new OfferGoneException());
        }
        return offers.openTo(dialogId, agentId)
                .switchIfEmpty(Mono.error(OfferGoneException::new))
                .flatMap(offer -> dialogQueries.loads(List.of(agentId))
                        .filter(loads -> loads.getOrDefault(agentId, 0) - (offer.reserved() ? 1 : 0)
                                < agent.agent.maxDialogs())
                        .switchIfEmpty(Mono.error(new OfferGoneException("You have no free slot for another dialog"))))
                .then(offers.take(dialogId, agentId))
                .switchIfEmpty(Mono.error(OfferGoneException::new))
                .flatMap(offer -> dialogs.assign(dialogId, agentId, agent.agent.displayName())
                        .switchIfEmpty(Mono.error(() -> {
                            drains.request(offer.line());
                            return new OfferGoneException();
                        }))
                        .doOnNext(dialog -> assigned(dialog, offer)));
    }

    /** An agent passes on an offer; the dialog goes to the next available agent. */
    public void decline(long agentId, UUID dialogId) {
        offers.decline(dialogId, agentId)
                .doOnNext(offer -> {
                    if (offer.targets().isEmpty()) {
                        stopTimer(dialogId);
                    }
                    drains.request(offer.line());
                })
                .subscribe(null, error -> log.warn("Could not record that agent {} passed on dialog {}: {}", agentId,
                        dialogId, error.toString()));
    }

    private void assigned(Dialog dialog, Offers.Changed offer) {
        stopTimer(dialog.id());
        offer.targets()
                .stream()
                .filter(target -> !target.equals(dialog.agentId()))
                .forEach(target -> events.publishEvent(new OfferWithdrawn(dialog.id(), target)));
        present.assigned(dialog.agentId());
        positions.assigned(dialog.lineId());
        drains.request(dialog.lineId());
    }

    /** An offer ran out: whoever it was open to is told, and the line is drained again. */
    private void expired(Offers.Changed offer) {
        stopTimer(offer.dialogId());
        offer.targets().forEach(target -> events.publishEvent(new OfferWithdrawn(offer.dialogId(), target)));
        drains.request(offer.line());
    }

    /** The agent takes no offers now (gone, or not ONLINE): theirs go to others. */
    void withdrawFrom(long agentId) {
        offers.withdrawFrom(agentId)
                .doOnNext(offer -> {
                    events.publishEvent(new OfferWithdrawn(offer.dialogId(), agentId));
                    if (offer.targets().isEmpty()) {
                        stopTimer(offer.dialogId());
                    }
                    drains.request(offer.line());
                })
                .subscribe(null, error -> log.warn("Could not withdraw the offers of agent {}: {}", agentId,
                        error.toString()));
    }

    /** The dialog closed: its offer ends, and whoever it was open to is told. */
    void dialogClosed(UUID dialogId) {
        stopTimer(dialogId);
        offers.drop(dialogId)
                .subscribe(offer -> offer.targets().forEach(target -> events.publishEvent(
                        new OfferWithdrawn(offer.dialogId(), target))), error -> log.warn(
                        "Could not end the offer of closed dialog {}: {}", dialogId, error.toString()));
    }

    /** The offers of a node that stopped before their timers ran out. */
    void expireDue() {
        offers.expireDue()
                .subscribe(this::expired, error -> log.warn("Could not end the offers past their time: {}",
                        error.toString()));
    }

    /**
     * Opens the offer in PostgreSQL, then tells its targets wherever their consoles are (the live fan-out); this
     * node's timer ends it, or any node's sweep when this node stops first.
     */
    Mono<UUID> offer(Dialog dialog, Set<Long> targets, Duration timeout, boolean reserved, boolean freshRound) {
        Instant expiresAt = Instant.now().plus(timeout);
        return offers.open(dialog.id(), dialog.lineId(), targets, timeout, reserved, freshRound)
                .doOnNext(round -> {
                    Disposable timer = Mono.delay(timeout)
                            .flatMap(tick -> offers.expire(dialog.id(), round))
                            .subscribe(this::expired, error -> log.warn("Could not end the offer of dialog {}: {}",
                                    dialog.id(), error.toString()));
                    Disposable previous = offerTimers.put(dialog.id(), timer);
                    if (previous != null) {
                        previous.dispose();
                    }
                    targets.forEach(target -> events.publishEvent(new Offered(dialog, target, expiresAt)));
                });
    }

    private void stopTimer(UUID dialogId) {
        Disposable timer = offerTimers.remove(dialogId);
        if (timer != null) {
            timer.dispose();
        }
    }

    @EventListener(ContextClosedEvent.class)
    void stop() {
        offerTimers.values().forEach(Disposable::dispose);
    }
}
