package ru.rosdistant.gateway.routing;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.dialog.Dialog;
import ru.rosdistant.gateway.dialog.DialogClosed;
import ru.rosdistant.gateway.dialog.DialogManagement;
import ru.rosdistant.gateway.dialog.DialogOpened;
import ru.rosdistant.gateway.site.Line;
import ru.rosdistant.gateway.site.Sites;

/**
 * Presence of agents and the assignment of waiting dialogs: a new dialog goes to the least busy online
 * agent of its line with a free slot; with none it waits and is taken as soon as an agent comes online or
 * frees a slot. Decisions are made one line at a time, in one serial pipeline, and the assignment itself
 * is a conditional UPDATE, so a dialog never goes to two agents.
 */
@Component
public class AgentRouting {

    private static final Logger log = LoggerFactory.getLogger(AgentRouting.class);

    private static final Duration SWEEP = Duration.ofSeconds(5);

    private final DialogManagement dialogs;

    private final Sites sites;

    private final Map<Long, PresentAgent> present = new ConcurrentHashMap<>();

    private final Set<String> pendingLines = ConcurrentHashMap.newKeySet();

    private final Sinks.Many<String> drains = Sinks.many().unicast().onBackpressureBuffer();

    private Disposable pipeline;

    AgentRouting(DialogManagement dialogs, Sites sites) {
        this.dialogs = dialogs;
        this.sites = sites;
    }

    /** An agent's socket opened. */
    public void connected(Agent agent) {
        present.compute(agent.id(), (id, known) -> known == null ? new PresentAgent(agent) : known.connect(agent));
    }

    /** An agent's socket closed; with no socket left the agent is offline and gets no new dialogs. */
    public void disconnected(long agentId) {
        present.computeIfPresent(agentId, (id, known) -> known.disconnect());
    }

    public Presence presenceOf(long agentId) {
        PresentAgent agent = present.get(agentId);
        return agent == null ? Presence.OFFLINE : agent.status;
    }

    public void setPresence(long agentId, Presence status) {
        PresentAgent agent = present.computeIfPresent(agentId, (id, known) -> known.withStatus(status));
        if (agent != null && status == Presence.ONLINE) {
            agent.agent.lines().forEach(this::requestDrain);
        }
    }

    public int onlineAgents() {
        return (int) present.values().stream().filter(agent -> agent.status == Presence.ONLINE).count();
    }

    @EventListener
    void on(DialogOpened opened) {
        requestDrain(opened.dialog().lineId());
    }

    @EventListener
    void on(DialogClosed closed) {
        Long agentId = closed.dialog().agentId();
        PresentAgent agent = agentId == null ? null : present.get(agentId);
        if (agent != null) {
            agent.agent.lines().forEach(this::requestDrain);
        }
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        pipeline = Flux.merge(drains.asFlux(), Flux.interval(SWEEP, SWEEP).flatMapIterable(tick -> lineIds()))
                .concatMap(line -> drain(line)
                        .onErrorResume(error -> {
                            log.warn("Could not route the waiting line {}; retrying in {}", line, SWEEP, error);
                            return Mono.empty();
                        }))
                .subscribe();
    }

    @EventListener(ContextClosedEvent.class)
    void stop() {
        if (pipeline != null) {
            pipeline.dispose();
        }
    }

    private List<String> lineIds() {
        return sites.lines().stream().map(Line::id).toList();
    }

    private void requestDrain(String line) {
        if (pendingLines.add(line)) {
            synchronized (drains) {
                drains.tryEmitNext(line);
            }
        }
    }

    private Mono<Void> drain(String line) {
        pendingLines.remove(line);
        List<PresentAgent> candidates = present.values().stream()
                .filter(agent -> agent.availableFor(line))
                .toList();
        if (candidates.isEmpty()) {
            return Mono.empty();
        }
        return dialogs.loads(candidates.stream().map(agent -> agent.agent.id()).toList())
                .flatMap(loads -> assignWaiting(line, candidates, new ConcurrentHashMap<>(loads)));
    }

    private Mono<Void> assignWaiting(String line, List<PresentAgent> candidates, Map<Long, Integer> loads) {
        int free = candidates.stream()
                .mapToInt(agent -> Math.max(0, agent.agent.maxDialogs() - loads.getOrDefault(agent.agent.id(), 0)))
                .sum();
        if (free == 0) {
            return Mono.empty();
        }
        return dialogs.waiting(line, free)
                .concatMap(dialog -> assign(dialog, candidates, loads))
                .then();
    }

    private Mono<Dialog> assign(Dialog dialog, List<PresentAgent> candidates, Map<Long, Integer> loads) {
        return candidates.stream()
                .filter(agent -> loads.getOrDefault(agent.agent.id(), 0) < agent.agent.maxDialogs())
                .min(Comparator.<PresentAgent>comparingInt(agent -> loads.getOrDefault(agent.agent.id(), 0))
                        .thenComparing(agent -> agent.lastAssigned))
                .map(agent -> dialogs.assign(dialog.id(), agent.agent.id(), agent.agent.displayName())
                        .doOnNext(assigned -> {
                            loads.merge(agent.agent.id(), 1, Integer::sum);
                            agent.lastAssigned = Instant.now();
                        }))
                .orElse(Mono.empty());
    }

    /** What routing knows of a connected agent; replaced as a whole, except the last assignment time. */
    private static final class PresentAgent {

        final Agent agent;

        final int connections;

        final Presence status;

        volatile Instant lastAssigned = Instant.EPOCH;

        PresentAgent(Agent agent) {
            this(agent, 1, Presence.OFFLINE);
        }

        private PresentAgent(Agent agent, int connections, Presence status) {
            this.agent = agent;
            this.connections = connections;
            this.status = status;
        }

        PresentAgent connect(Agent fresh) {
            return copy(fresh, connections + 1, status);
        }

        PresentAgent disconnect() {
            return connections <= 1 ? null : copy(agent, connections - 1, status);
        }

        PresentAgent withStatus(Presence next) {
            return copy(agent, connections, next);
        }

        private PresentAgent copy(Agent agent, int connections, Presence status) {
            PresentAgent copy = new PresentAgent(agent, connections, status);
            copy.lastAssigned = lastAssigned;
            return copy;
        }

        boolean availableFor(String line) {
            return status == Presence.ONLINE && agent.enabled() && agent.serves(line);
        }
    }
}
