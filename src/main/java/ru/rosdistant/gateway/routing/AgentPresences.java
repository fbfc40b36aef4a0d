package ru.rosdistant.gateway.routing;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.cluster.AgentPresenceRows;
import ru.rosdistant.gateway.dialog.Dialog;
import ru.rosdistant.gateway.dialog.DialogManagement;
import ru.rosdistant.gateway.dialog.DialogQueries;

/**
 * Agent presence on this node: consoles that open and close, the status an agent (or a supervisor) sets, and the
 * grace period after an agent's last console closed, at the end of which their dialogs go back to the head of the
 * waiting line. Presence lives in memory (with several nodes also in PostgreSQL, through {@link AgentPresenceRows}).
 */
@Component
public class AgentPresences {

    private static final Logger log = LoggerFactory.getLogger(AgentPresences.class);

    private final PresentAgents present;

    private final Map<Long, Disposable> graceTimers = new ConcurrentHashMap<>();

    private final OfferRounds offers;

    private final DrainRequests drains;

    private final PresenceJournal journal;

    private final DialogManagement dialogs;

    private final DialogQueries dialogQueries;

    private final RoutingProperties properties;

    /** With several nodes: presence in PostgreSQL, read by every node's drains. */
    private final AgentPresenceRows presenceRows;

    private final ApplicationEventPublisher events;

    AgentPresences(PresentAgents present, OfferRounds offers, DrainRequests drains, PresenceJournal journal,
            DialogManagement dialogs, DialogQueries dialogQueries, RoutingProperties properties,
            AgentPresenceRows presenceRows, ApplicationEventPublisher events) {
        this.present = present;
        this.offers = offers;
        this.drains = drains;
        this.journal = journal;
        this.dialogs = dialogs;
        this.dialogQueries = dialogQueries;
        this.properties = properties;
        this.presenceRows = presenceRows;
        this.events = events;
        presenceRows.reportFrom(() -> present.all()
                .stream()
                .map(agent -> new AgentPresenceRows.LocalAgent(agent.agent.id(), agent.status.name(),
                        agent.connections, agent.agent.maxDialogs()))
                .toList());
    }

    /** Several nodes: this node's presence rows follow a change at once, not only at the next heartbeat. */
    private void presenceChanged() {
        if (presenceRows.enabled()) {
            presenceRows.changed();
            presenceRows.write()
                    .subscribe(null, error -> log.warn("Could not write the agents' presence: {}", error.toString()));
        }
    }

    /** An agent's socket opened; a drop within the grace period is forgiven. */
    public void connected(Agent agent) {
        Disposable timer = graceTimers.remove(agent.id());
        if (timer != null) {
            timer.dispose();
        }
        present.compute(agent.id(), (id, known) -> known == null ? new PresentAgents.PresentAgent(agent)
                : known.connect(agent));
        presenceChanged();
    }

    /**
     * An agent's socket closed. With no socket left the agent gets no offers; after the grace period their
     * dialogs go back to the head of the waiting line.
     */
    public void disconnected(long agentId) {
        PresentAgents.PresentAgent agent = present.computeIfPresent(agentId, (id, known) -> known.disconnect());
        presenceChanged();
        if (agent != null && agent.connections == 0) {
            offers.withdrawFrom(agentId);
            startGrace(agentId);
            agent.agent.lines().forEach(drains::request);
        }
    }

    public Presence presenceOf(long agentId) {
        PresentAgents.PresentAgent agent = present.get(agentId);
        return agent == null ? Presence.OFFLINE : agent.status;
    }

    public void setPresence(long agentId, Presence status) {
        Presence[] before = new Presence[1];
        PresentAgents.PresentAgent agent = present.computeIfPresent(agentId, (id, known) -> {
            before[0] = known.status;
            return known.withStatus(status);
        });
        if (agent == null) {
            return;
        }
        if (before[0] != status) {
            journal.record(agentId, status);
        }
        presenceChanged();
        if (status != Presence.ONLINE) {
            offers.withdrawFrom(agentId);
        }
        // online: the agent may take waiting dialogs; either way the line's visitors hear whether anyone is online
        agent.agent.lines().forEach(drains::request);
    }

    /**
     * A supervisor sets an agent's presence on this node as the agent's own choice would, and
     * {@link PresenceSetBySupervisor} tells whoever listens (the agent's consoles here) who did it. False, and nothing
     * changes, when the agent has no console on this node (nor is within the grace period of one).
     */
    public boolean setBySupervisor(long agentId, Presence status, String supervisorName) {
        if (present.get(agentId) == null) {
            return false;
        }
        setPresence(agentId, status);
        events.publishEvent(new PresenceSetBySupervisor(agentId, status, supervisorName));
        return true;
    }

    /** A read-only snapshot of the agents routing knows (connected, or within the grace period). */
    public List<AgentPresence> presentAgents() {
        return present.all().stream()
                .map(agent -> new AgentPresence(agent.agent.id(), agent.agent.displayName(), agent.agent.lines(),
                        agent.status, agent.connections > 0, agent.agent.maxDialogs()))
                .toList();
    }

    /** How many agents of the line have a console open and are ONLINE now (on this node). */
    public int agentsOnline(String line) {
        return present.onlineFor(line);
    }

    /** At start: agents who had dialogs before a restart get the same grace as a dropped connection. */
    void graceForAgentsWithOpenDialogs() {
        dialogQueries.agentsWithOpenDialogs()
                .filter(agentId -> !present.contains(agentId))
                .doOnNext(this::startGrace)
                .subscribe(null, error -> log.warn("Could not look up agents with open dialogs", error));
    }

    /**
     * Several nodes: an agent with dialogs and no fresh presence row anywhere lost their node; this node gives them
     * the grace of a dropped connection (every node may: the re-queue is a conditional UPDATE).
     */
    void graceForAgentsOfDeadNodes() {
        if (!presenceRows.enabled()) {
            return;
        }
        presenceRows.assignedWithoutPresence()
                .filter(agentId -> !present.contains(agentId) && !graceTimers.containsKey(agentId))
                .doOnNext(this::startGrace)
                .subscribe(null, error -> log.warn("Could not look up agents of lost nodes: {}", error.toString()));
    }

    private void startGrace(long agentId) {
        Disposable timer = Mono.delay(properties.agentGracePeriod())
                .flatMapMany(tick -> graceExpired(agentId))
                .subscribe(null, error -> log.warn("Could not re-queue the dialogs of agent {}", agentId, error));
        Disposable previous = graceTimers.put(agentId, timer);
        if (previous != null) {
            previous.dispose();
        }
    }

    private Flux<Dialog> graceExpired(long agentId) {
        PresentAgents.PresentAgent agent = present.get(agentId);
        if (agent != null && agent.connections > 0) {
            return Flux.empty();
        }
        graceTimers.remove(agentId);
        PresentAgents.PresentAgent gone = present.remove(agentId);
        if (gone != null && gone.status != Presence.OFFLINE) {
            journal.record(agentId, Presence.OFFLINE);
        }
        presenceChanged();
        return presenceRows.connectedElsewhere(agentId)
                .flatMapMany(elsewhere -> elsewhere ? Flux.empty() : dialogs.requeueAll(agentId))
                .doOnNext(dialog -> drains.request(dialog.lineId()));
    }

    @EventListener(ContextClosedEvent.class)
    void stop() {
        graceTimers.values().forEach(Disposable::dispose);
    }
}
