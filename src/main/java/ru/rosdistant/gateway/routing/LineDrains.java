package ru.rosdistant.gateway.routing;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.cluster.AgentPresenceRows;
import ru.rosdistant.gateway.cluster.LineLocks;
import ru.rosdistant.gateway.cluster.SingletonJobs;
import ru.rosdistant.gateway.dialog.Dialog;
import ru.rosdistant.gateway.dialog.DialogClosed;
import ru.rosdistant.gateway.dialog.DialogForwarded;
import ru.rosdistant.gateway.dialog.DialogManagement;
import ru.rosdistant.gateway.dialog.DialogQueries;
import ru.rosdistant.gateway.dialog.DialogOpened;
import ru.rosdistant.gateway.dialog.DialogQueued;
import ru.rosdistant.gateway.site.Sites;
import ru.rosdistant.gateway.site.WorkingCalendar;

/**
 * The waiting lines' drains. A line is drained whenever something changes (a dialog opens or closes, an agent comes
 * online, an offer is declined or expires) and on a periodic sweep; all drains run in one serial pipeline. Who gets
 * a dialog is {@link Assignment}'s decision under the line's {@link Strategy}; the assignment itself is a conditional
 * UPDATE in PostgreSQL, so a dialog never goes to two agents even when two accept an offer at the same moment. After
 * a restart the dialogs are still waiting or assigned in the database and are offered again.
 */
@Component
class LineDrains {

    private static final Logger log = LoggerFactory.getLogger(LineDrains.class);

    /**
     * A drain is given up after this (a database that stopped answering), so that the drains waiting behind it (one
     * runs at a time) start at most this late.
     */
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(15);

    /** Whether the last drain failed: its trace is logged once per run of failures. */
    private final AtomicBoolean routingFails = new AtomicBoolean();

    /** The agent who got the line's last dialog, for taking turns. */
    private final Map<String, Long> lastAgentByLine = new ConcurrentHashMap<>();

    private final Set<String> sweepDue = ConcurrentHashMap.newKeySet();

    private final DrainRequests drains;

    private final PresentAgents present;

    private final AgentPresences presences;

    private final OfferRounds offerRounds;

    private final Offers offers;

    private final QueuePositions positions;

    private final DialogManagement dialogs;

    private final DialogQueries dialogQueries;

    private final Sites sites;

    private final RoutingProperties properties;

    private final WorkingCalendar calendar;

    /** With several nodes: presence in PostgreSQL, read by every node's drains. */
    private final AgentPresenceRows presenceRows;

    private final LineLocks lineLocks;

    private final SingletonJobs jobs;

    private Disposable pipeline;

    LineDrains(DrainRequests drains, PresentAgents present, AgentPresences presences, OfferRounds offerRounds,
            Offers offers, QueuePositions positions, DialogManagement dialogs, DialogQueries dialogQueries, Sites sites,
            RoutingProperties properties, WorkingCalendar calendar, AgentPresenceRows presenceRows,
            LineLocks lineLocks, SingletonJobs jobs) {
        this.drains = drains;
        this.present = present;
        this.presences = presences;
        this.offerRounds = offerRounds;
        this.offers = offers;
        this.positions = positions;
        this.dialogs = dialogs;
        this.dialogQueries = dialogQueries;
        this.sites = sites;
        this.properties = properties;
        this.calendar = calendar;
        this.presenceRows = presenceRows;
        this.lineLocks = lineLocks;
        this.jobs = jobs;
    }

    // --- events -----------------------------------------------------------------------------------

    @EventListener
    void on(DialogOpened opened) {
        drains.request(opened.dialog().lineId());
    }

    @EventListener
    void on(DialogQueued queued) {
        drains.request(queued.dialog().lineId());
    }

    @EventListener
    void on(DialogClosed closed) {
        offerRounds.dialogClosed(closed.dialog().id());
        drains.request(closed.dialog().lineId());
        Long agentId = closed.dialog().agentId();
        PresentAgents.PresentAgent agent = agentId == null ? null : present.get(agentId);
        if (agent != null) {
            agent.agent.lines().forEach(drains::request);
        }
    }

    @EventListener
    void on(DialogForwarded forwarded) {
        drains.request(forwarded.dialog().lineId());
        Long previous = forwarded.previousAgentId();
        PresentAgents.PresentAgent agent = previous == null ? null : present.get(previous);
        if (agent != null) {
            agent.agent.lines().forEach(drains::request);
        }
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        Duration sweep = properties.sweepInterval();
        // one drain at a time: drains of lines that share agents must not both count an agent's last free slot, and
        // the sweep asks for every line at once, which side by side would take every pooled connection
        Disposable drainer = drains.lines()
                .concatMap(line -> drain(line)
                        .then(Mono.defer(() -> positions.publish(line)))
                        .timeout(DRAIN_TIMEOUT)
                        .doOnSuccess(done -> {
                            if (routingFails.getAndSet(false)) {
                                log.info("Routing works again (line {})", line);
                            }
                        })
                        .onErrorResume(error -> {
                            // during a database outage every line fails every sweep: the trace once, then a line
                            if (!routingFails.getAndSet(true)) {
                                log.warn("Could not route the waiting line {}; retrying in {}", line, sweep, error);
                            }
                            else {
                                log.warn("Could not route the waiting line {}; retrying in {}: {}", line, sweep,
                                        String.valueOf(error));
                            }
                            return Mono.empty();
                        }))
                .subscribe();
        // The sweep only asks for drains; requests for a line already pending are merged, so a slow
        // database makes the sweep skip, never pile up. It looks at every line and every node's agents, so with
        // several nodes one node at a time sweeps; drains asked for by what happens on a node stay on that node.
        Disposable sweeper = Flux.interval(sweep, sweep)
                .onBackpressureDrop()
                .concatMap(tick -> jobs.runAlone("routing.sweep", sweep, () -> Mono.fromRunnable(this::sweep))
                        .onErrorResume(error -> Mono.empty()), 1)
                .subscribe();
        pipeline = Disposables.composite(drainer, sweeper);
        presences.graceForAgentsWithOpenDialogs();
    }

    private void sweep() {
        sites.lines().forEach(line -> {
            sweepDue.add(line.id());
            drains.request(line.id());
        });
        presences.graceForAgentsOfDeadNodes();
        if (!properties.offersAnywhere()) {
            return;
        }
        offerRounds.expireDue();
    }

    @EventListener(ContextClosedEvent.class)
    void stop() {
        if (pipeline != null) {
            pipeline.dispose();
        }
    }

    /** Offers the offline form to whoever waited past the line's maximum; part of the serial pipeline. */
    private Mono<Void> offerOfflineAfterMaxWait(String line) {
        if (!sweepDue.remove(line)) {
            return Mono.empty();
        }
        Instant now = Instant.now();
        Instant cutoff = now.minus(properties.policy(line).maxWait());
        return dialogQueries.waitingLongerThan(line, cutoff)
                .concatMap(wait -> wait.fromMessenger() ? dialogs.keepOffline(wait.dialogId(), busyText(line, now))
                        : dialogs.offerOfflineForm(wait.dialogId(), "busy"))
                .then();
    }

    /**
     * What the bot says to a messenger user nobody took in time: everyone is busy, the question is kept, and the
     * answer comes within one working day (regulation 4.3.2c), by the date said.
     */
    private String busyText(String line, Instant now) {
        java.time.LocalDate today = now.atZone(calendar.zone(line)).toLocalDate();
        java.time.LocalDate by = calendar.plusWorkingDays(today, 1);
        return "Все специалисты сейчас заняты. Ваш вопрос сохранён: если никто не освободится раньше, мы ответим "
                + "здесь не позднее " + by.format(java.time.format.DateTimeFormatter.ofPattern("dd.MM.yyyy")) + ".";
    }

    // --- the drain --------------------------------------------------------------------------------

    private Mono<Void> drain(String line) {
        drains.started(line);
        Mono<Void> work = offerOfflineAfterMaxWait(line).then(Mono.defer(() -> availableFor(line)))
                .flatMap(available -> assignWaiting(line, available));
        return lineLocks.drainAlone(line, work)
                .doOnNext(ran -> {
                    if (!ran) {
                        // another node drains it now and may have read the line before what asked for this drain
                        Mono.delay(Duration.ofMillis(100)).subscribe(tick -> drains.request(line));
                    }
                })
                .then();
    }

    /**
     * Who may take the line's dialogs: this node's agents, or with several nodes every node's (presence rows,
     * this node's written first when it changed since its last write, so that a change here is seen).
     */
    private Mono<List<PresentAgents.PresentAgent>> availableFor(String line) {
        if (!presenceRows.enabled()) {
            return Mono.just(present.all().stream()
                    .filter(agent -> agent.availableFor(line))
                    .toList());
        }
        return presenceRows.writeIfChanged()
                .thenMany(presenceRows.availableFor(line))
                .map(row -> {
                    PresentAgents.PresentAgent known = present.get(row.agentId());
                    PresentAgents.PresentAgent agent = new PresentAgents.PresentAgent(new Agent(row.agentId(), "",
                            row.displayName(), null, Set.of(), List.of(line), row.maxDialogs(), true), 1,
                            Presence.ONLINE);
                    agent.lastAssignedNanos = known == null ? 0 : known.lastAssignedNanos;
                    return agent;
                })
                .collectList();
    }

    private Mono<Void> assignWaiting(String line, List<PresentAgents.PresentAgent> available) {
        if (available.isEmpty()) {
            return Mono.empty();
        }
        Map<Long, PresentAgents.PresentAgent> byId = new java.util.HashMap<>();
        available.forEach(agent -> byId.put(agent.agent.id(), agent));
        RoutingProperties.LinePolicy policy = properties.policy(line);
        Mono<Offers.Around> around = properties.offersAnywhere() ? offers.around(line) : Mono.just(Offers.Around.NONE);
        return Mono.zip(dialogQueries.loads(available.stream().map(agent -> agent.agent.id()).toList()), around)
                .flatMap(found -> {
                    Offers.Around offered = found.getT2();
                    List<Assignment.Candidate> candidates = candidates(available, found.getT1(), offered.reserved());
                    int room = candidates.stream().mapToInt(c -> Math.max(0, c.maxDialogs - c.load)).sum();
                    if (room == 0) {
                        return Mono.empty();
                    }
                    return dialogQueries.waiting(line, room + offered.open().size())
                            .filter(dialog -> !offered.open().contains(dialog.id()))
                            .concatMap(dialog -> route(dialog, policy, candidates, byId,
                                    offered.passedOver(dialog.id())))
                            .then();
                });
    }

    private List<Assignment.Candidate> candidates(List<PresentAgents.PresentAgent> available, Map<Long, Integer> loads,
            Map<Long, Integer> reserved) {
        return available.stream()
                .map(agent -> new Assignment.Candidate(agent.agent.id(), agent.agent.maxDialogs(),
                        loads.getOrDefault(agent.agent.id(), 0) + reserved.getOrDefault(agent.agent.id(), 0),
                        agent.lastAssignedNanos))
                .toList();
    }

    private Mono<Dialog> route(Dialog dialog, RoutingProperties.LinePolicy policy,
            List<Assignment.Candidate> candidates, Map<Long, PresentAgents.PresentAgent> available, Set<Long> skipped) {
        if (policy.strategy() == Strategy.OFFER_TO_ALL) {
            return offerToAll(dialog, policy, candidates, skipped).then(Mono.empty());
        }
        long lastAgentId = lastAgentByLine.getOrDefault(dialog.lineId(), Long.MIN_VALUE);
        boolean[] freshRound = new boolean[1];
        Assignment.Candidate chosen = Assignment.pick(policy.strategy(), candidates, skipped, lastAgentId)
                .or(() -> {
                    // everyone was passed over once: start the round again
                    freshRound[0] = true;
                    return skipped.isEmpty() ? java.util.Optional.empty()
                            : Assignment.pick(policy.strategy(), candidates, Set.of(), lastAgentId);
                })
                .orElse(null);
        if (chosen == null) {
            return Mono.empty();
        }
        chosen.load++;
        chosen.lastAssignedNanos = System.nanoTime();
        lastAgentByLine.put(dialog.lineId(), chosen.agentId);
        if (policy.offerTimeout().isZero()) {
            PresentAgents.PresentAgent agent = available.get(chosen.agentId);
            if (agent == null) {
                return Mono.empty();
            }
            return dialogs.assign(dialog.id(), chosen.agentId, agent.agent.displayName())
                    .doOnNext(assigned -> {
                        present.assigned(assigned.agentId());
                        positions.assigned(assigned.lineId());
                    });
        }
        return offerRounds.offer(dialog, Set.of(chosen.agentId), policy.offerTimeout(), true, freshRound[0])
                .then(Mono.empty());
    }

    private Mono<UUID> offerToAll(Dialog dialog, RoutingProperties.LinePolicy policy,
            List<Assignment.Candidate> candidates, Set<Long> skipped) {
        Set<Long> targets = new java.util.HashSet<>();
        candidates.stream()
                .filter(c -> c.hasRoom() && !skipped.contains(c.agentId))
                .forEach(c -> targets.add(c.agentId));
        boolean freshRound = targets.isEmpty() && !skipped.isEmpty();
        if (freshRound) {
            candidates.stream().filter(Assignment.Candidate::hasRoom).forEach(c -> targets.add(c.agentId));
        }
        if (targets.isEmpty()) {
            return Mono.empty();
        }
        Duration timeout = policy.offerTimeout().isZero() ? Duration.ofSeconds(60) : policy.offerTimeout();
        return offerRounds.offer(dialog, targets, timeout, false, freshRound);
    }
}
