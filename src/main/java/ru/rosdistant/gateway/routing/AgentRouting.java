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
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.cluster.AgentPresenceRows;
import ru.rosdistant.gateway.cluster.LineLocks;
import ru.rosdistant.gateway.dialog.Dialog;
import ru.rosdistant.gateway.dialog.DialogBus;
import ru.rosdistant.gateway.dialog.DialogClosed;
import ru.rosdistant.gateway.dialog.DialogEvent;
import ru.rosdistant.gateway.dialog.DialogForwarded;
import ru.rosdistant.gateway.dialog.DialogManagement;
import ru.rosdistant.gateway.dialog.DialogOpened;
import ru.rosdistant.gateway.dialog.DialogQueued;
import ru.rosdistant.gateway.site.Sites;

/**
 * Agent presence and the waiting lines. A line is drained whenever something changes (a dialog opens or
 * closes, an agent comes online, an offer is declined or expires) and on a periodic sweep; all drains run
 * in one serial pipeline. Who gets a dialog is {@link Assignment}'s decision under the line's
 * {@link Strategy}; the assignment itself is a conditional UPDATE in PostgreSQL, so a dialog never goes to
 * two agents even when two accept an offer at the same moment. Offers are rows ({@link Offers}) any node answers;
 * presence and grace timers live in memory (with several nodes, presence also in PostgreSQL): after a restart the
 * dialogs are still waiting or assigned in the database and are offered again.
 */
@Component
public class AgentRouting {

    private static final Logger log = LoggerFactory.getLogger(AgentRouting.class);

    /** Whether the last drain failed: its trace is logged once per run of failures. */
    private final java.util.concurrent.atomic.AtomicBoolean routingFails = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * A drain is given up after this (a database that stopped answering), so that the drains waiting behind it (one
     * runs at a time) start at most this late.
     */
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(15);

    private final DialogManagement dialogs;

    private final DialogBus bus;

    private final Sites sites;

    private final RoutingProperties properties;

    private final PresenceJournal journal;

    private final Map<Long, PresentAgent> present = new ConcurrentHashMap<>();

    private final Map<Long, Disposable> graceTimers = new ConcurrentHashMap<>();

    /** The timers of the offers this node made, by dialog. */
    private final Map<UUID, Disposable> offerTimers = new ConcurrentHashMap<>();

    private final Map<String, LineStats> stats = new ConcurrentHashMap<>();

    private final Set<String> pendingLines = ConcurrentHashMap.newKeySet();

    private final Set<String> sweepDue = ConcurrentHashMap.newKeySet();

    private final Sinks.Many<String> drains = Sinks.many().unicast().onBackpressureBuffer();

    private Disposable pipeline;

    private final ru.rosdistant.gateway.site.WorkingCalendar calendar;

    /** With several nodes: presence in PostgreSQL, read by every node's drains. */
    private final AgentPresenceRows presenceRows;

    private final LineLocks lineLocks;

    private final ru.rosdistant.gateway.cluster.SingletonJobs jobs;

    private final Offers offers;

    AgentRouting(DialogManagement dialogs, DialogBus bus, Sites sites, RoutingProperties properties,
            PresenceJournal journal, ru.rosdistant.gateway.site.WorkingCalendar calendar,
            AgentPresenceRows presenceRows, LineLocks lineLocks, ru.rosdistant.gateway.cluster.SingletonJobs jobs,
            Offers offers) {
        this.jobs = jobs;
        this.offers = offers;
        this.calendar = calendar;
        this.dialogs = dialogs;
        this.bus = bus;
        this.sites = sites;
        this.properties = properties;
        this.journal = journal;
        this.presenceRows = presenceRows;
        this.lineLocks = lineLocks;
        presenceRows.reportFrom(() -> present.values()
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

    // --- presence ---------------------------------------------------------------------------------

    /** An agent's socket opened; a drop within the grace period is forgiven. */
    public void connected(Agent agent) {
        Disposable timer = graceTimers.remove(agent.id());
        if (timer != null) {
            timer.dispose();
        }
        present.compute(agent.id(), (id, known) -> known == null ? new PresentAgent(agent) : known.connect(agent));
        presenceChanged();
    }

    /**
     * An agent's socket closed. With no socket left the agent gets no offers; after the grace period their
     * dialogs go back to the head of the waiting line.
     */
    public void disconnected(long agentId) {
        PresentAgent agent = present.computeIfPresent(agentId, (id, known) -> known.disconnect());
        presenceChanged();
        if (agent != null && agent.connections == 0) {
            withdrawOffersOf(agentId);
            startGrace(agentId);
            agent.agent.lines().forEach(this::requestDrain);
        }
    }

    public Presence presenceOf(long agentId) {
        PresentAgent agent = present.get(agentId);
        return agent == null ? Presence.OFFLINE : agent.status;
    }

    public void setPresence(long agentId, Presence status) {
        Presence[] before = new Presence[1];
        PresentAgent agent = present.computeIfPresent(agentId, (id, known) -> {
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
            withdrawOffersOf(agentId);
        }
        // online: the agent may take waiting dialogs; either way the line's visitors hear whether anyone is online
        agent.agent.lines().forEach(this::requestDrain);
    }

    /**
     * What routing knows of an agent now: their presence, whether a console is connected (false during the
     * grace period after the last socket closed), the lines they serve and their maximum of open dialogs.
     */
    public record AgentPresence(long agentId, String displayName, List<String> lines, Presence status,
            boolean connected, int maxDialogs) {
    }

    /** A read-only snapshot of the agents routing knows (connected, or within the grace period). */
    public List<AgentPresence> presentAgents() {
        return present.values().stream()
                .map(agent -> new AgentPresence(agent.agent.id(), agent.agent.displayName(), agent.agent.lines(),
                        agent.status, agent.connections > 0, agent.agent.maxDialogs()))
                .toList();
    }

    public int onlineAgents() {
        return (int) present.values().stream().filter(agent -> agent.status == Presence.ONLINE).count();
    }

    // --- offers -----------------------------------------------------------------------------------

    /**
     * An agent takes a dialog offered to them, on whichever node the offer was made; fails with
     * {@link OfferGoneException} when it is gone. Taking the offer is a conditional DELETE: of two agents who accept
     * at once one takes it, the other finds it gone. The assignment that follows still checks that the dialog waits
     * and the agent has room; should it fail, the line is drained again and the dialog offered anew.
     */
    public Mono<Dialog> accept(long agentId, UUID dialogId) {
        PresentAgent agent = present.get(agentId);
        if (agent == null) {
            return Mono.error(new OfferGoneException());
        }
        return offers.openTo(dialogId, agentId)
                .switchIfEmpty(Mono.error(OfferGoneException::new))
                .flatMap(offer -> dialogs.loads(List.of(agentId))
                        .filter(loads -> loads.getOrDefault(agentId, 0) - (offer.reserved() ? 1 : 0)
                                < agent.agent.maxDialogs())
                        .switchIfEmpty(Mono.error(new OfferGoneException("You have no free slot for another dialog"))))
                .then(offers.take(dialogId, agentId))
                .switchIfEmpty(Mono.error(OfferGoneException::new))
                .flatMap(offer -> dialogs.assign(dialogId, agentId, agent.agent.displayName())
                        .switchIfEmpty(Mono.error(() -> {
                            requestDrain(offer.line());
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
                    requestDrain(offer.line());
                })
                .subscribe(null, error -> log.warn("Could not record that agent {} passed on dialog {}: {}", agentId,
                        dialogId, error.toString()));
    }

    private void assigned(Dialog dialog, Offers.Changed offer) {
        stopTimer(dialog.id());
        offer.targets()
                .stream()
                .filter(target -> !target.equals(dialog.agentId()))
                .forEach(target -> bus.publishToAgent(target, new DialogEvent.OfferWithdrawn(dialog.id(), target)));
        noteAssignment(dialog);
        requestDrain(dialog.lineId());
    }

    /** An offer ran out: whoever it was open to is told, and the line is drained again. */
    private void expired(Offers.Changed offer) {
        stopTimer(offer.dialogId());
        offer.targets().forEach(target -> bus.publishToAgent(target,
                new DialogEvent.OfferWithdrawn(offer.dialogId(), target)));
        requestDrain(offer.line());
    }

    private void withdrawOffersOf(long agentId) {
        offers.withdrawFrom(agentId)
                .doOnNext(offer -> {
                    bus.publishToAgent(agentId, new DialogEvent.OfferWithdrawn(offer.dialogId(), agentId));
                    if (offer.targets().isEmpty()) {
                        stopTimer(offer.dialogId());
                    }
                    requestDrain(offer.line());
                })
                .subscribe(null, error -> log.warn("Could not withdraw the offers of agent {}: {}", agentId,
                        error.toString()));
    }

    private void stopTimer(UUID dialogId) {
        Disposable timer = offerTimers.remove(dialogId);
        if (timer != null) {
            timer.dispose();
        }
    }

    // --- events -----------------------------------------------------------------------------------

    @EventListener
    void on(DialogOpened opened) {
        requestDrain(opened.dialog().lineId());
    }

    @EventListener
    void on(DialogQueued queued) {
        requestDrain(queued.dialog().lineId());
    }

    @EventListener
    void on(DialogClosed closed) {
        stopTimer(closed.dialog().id());
        offers.drop(closed.dialog().id())
                .subscribe(offer -> offer.targets().forEach(target -> bus.publishToAgent(target,
                        new DialogEvent.OfferWithdrawn(offer.dialogId(), target))), error -> log.warn(
                        "Could not end the offer of closed dialog {}: {}", closed.dialog().id(), error.toString()));
        requestDrain(closed.dialog().lineId());
        Long agentId = closed.dialog().agentId();
        PresentAgent agent = agentId == null ? null : present.get(agentId);
        if (agent != null) {
            agent.agent.lines().forEach(this::requestDrain);
        }
    }

    @EventListener
    void on(DialogForwarded forwarded) {
        requestDrain(forwarded.dialog().lineId());
        Long previous = forwarded.previousAgentId();
        PresentAgent agent = previous == null ? null : present.get(previous);
        if (agent != null) {
            agent.agent.lines().forEach(this::requestDrain);
        }
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        Duration sweep = properties.sweepInterval();
        // one drain at a time: drains of lines that share agents must not both count an agent's last free slot, and
        // the sweep asks for every line at once, which side by side would take every pooled connection
        Disposable drainer = drains.asFlux()
                .concatMap(line -> drain(line)
                        .then(Mono.defer(() -> publishPositions(line)))
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
        // Agents who had dialogs before a restart get the same grace as a dropped connection.
        dialogs.agentsWithOpenDialogs()
                .filter(agentId -> !present.containsKey(agentId))
                .doOnNext(this::startGrace)
                .subscribe(null, error -> log.warn("Could not look up agents with open dialogs", error));
    }

    private void sweep() {
        sites.lines().forEach(line -> {
            sweepDue.add(line.id());
            requestDrain(line.id());
        });
        graceForAgentsOfDeadNodes();
        if (!properties.offersAnywhere()) {
            return;
        }
        // the offers of a node that stopped before their timers ran out
        offers.expireDue()
                .subscribe(this::expired, error -> log.warn("Could not end the offers past their time: {}",
                        error.toString()));
    }

    /**
     * Several nodes: an agent with dialogs and no fresh presence row anywhere lost their node; this node gives them
     * the grace of a dropped connection (every node may: the re-queue is a conditional UPDATE).
     */
    private void graceForAgentsOfDeadNodes() {
        if (!presenceRows.enabled()) {
            return;
        }
        presenceRows.assignedWithoutPresence()
                .filter(agentId -> !present.containsKey(agentId) && !graceTimers.containsKey(agentId))
                .doOnNext(this::startGrace)
                .subscribe(null, error -> log.warn("Could not look up agents of lost nodes: {}", error.toString()));
    }

    @EventListener(ContextClosedEvent.class)
    void stop() {
        if (pipeline != null) {
            pipeline.dispose();
        }
        graceTimers.values().forEach(Disposable::dispose);
        offerTimers.values().forEach(Disposable::dispose);
    }

    /** Offers the offline form to whoever waited past the line's maximum; part of the serial pipeline. */
    private Mono<Void> offerOfflineAfterMaxWait(String line) {
        if (!sweepDue.remove(line)) {
            return Mono.empty();
        }
        Instant now = Instant.now();
        Instant cutoff = now.minus(properties.policy(line).maxWait());
        return dialogs.waitingLongerThan(line, cutoff)
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
        PresentAgent agent = present.get(agentId);
        if (agent != null && agent.connections > 0) {
            return Flux.empty();
        }
        graceTimers.remove(agentId);
        PresentAgent gone = present.remove(agentId);
        if (gone != null && gone.status != Presence.OFFLINE) {
            journal.record(agentId, Presence.OFFLINE);
        }
        presenceChanged();
        return presenceRows.connectedElsewhere(agentId)
                .flatMapMany(elsewhere -> elsewhere ? Flux.empty() : dialogs.requeueAll(agentId))
                .doOnNext(dialog -> requestDrain(dialog.lineId()));
    }

    // --- the drain --------------------------------------------------------------------------------

    private void requestDrain(String line) {
        if (pendingLines.add(line)) {
            synchronized (drains) {
                drains.tryEmitNext(line);
            }
        }
    }

    private Mono<Void> drain(String line) {
        pendingLines.remove(line);
        Mono<Void> work = offerOfflineAfterMaxWait(line).then(Mono.defer(() -> availableFor(line)))
                .flatMap(available -> assignWaiting(line, available));
        return lineLocks.drainAlone(line, work)
                .doOnNext(ran -> {
                    if (!ran) {
                        // another node drains it now and may have read the line before what asked for this drain
                        Mono.delay(Duration.ofMillis(100)).subscribe(tick -> requestDrain(line));
                    }
                })
                .then();
    }

    /**
     * Who may take the line's dialogs: this node's agents, or with several nodes every node's (presence rows,
     * this node's written first when it changed since its last write, so that a change here is seen).
     */
    private Mono<List<PresentAgent>> availableFor(String line) {
        if (!presenceRows.enabled()) {
            return Mono.just(present.values().stream()
                    .filter(agent -> agent.availableFor(line))
                    .toList());
        }
        return presenceRows.writeIfChanged()
                .thenMany(presenceRows.availableFor(line))
                .map(row -> {
                    PresentAgent known = present.get(row.agentId());
                    PresentAgent agent = new PresentAgent(new Agent(row.agentId(), "", row.displayName(), null,
                            Set.of(), List.of(line), row.maxDialogs(), true), 1, Presence.ONLINE);
                    agent.lastAssignedNanos = known == null ? 0 : known.lastAssignedNanos;
                    return agent;
                })
                .collectList();
    }

    private Mono<Void> assignWaiting(String line, List<PresentAgent> available) {
        if (available.isEmpty()) {
            return Mono.empty();
        }
        Map<Long, PresentAgent> byId = new java.util.HashMap<>();
        available.forEach(agent -> byId.put(agent.agent.id(), agent));
        RoutingProperties.LinePolicy policy = properties.policy(line);
        Mono<Offers.Around> around = properties.offersAnywhere() ? offers.around(line) : Mono.just(Offers.Around.NONE);
        return Mono.zip(dialogs.loads(available.stream().map(agent -> agent.agent.id()).toList()), around)
                .flatMap(found -> {
                    Offers.Around offered = found.getT2();
                    List<Assignment.Candidate> candidates = candidates(available, found.getT1(), offered.reserved());
                    int room = candidates.stream().mapToInt(c -> Math.max(0, c.maxDialogs - c.load)).sum();
                    if (room == 0) {
                        return Mono.empty();
                    }
                    return dialogs.waiting(line, room + offered.open().size())
                            .filter(dialog -> !offered.open().contains(dialog.id()))
                            .concatMap(dialog -> route(dialog, policy, candidates, byId,
                                    offered.passedOver(dialog.id())))
                            .then();
                });
    }

    private List<Assignment.Candidate> candidates(List<PresentAgent> available, Map<Long, Integer> loads,
            Map<Long, Integer> reserved) {
        return available.stream()
                .map(agent -> new Assignment.Candidate(agent.agent.id(), agent.agent.maxDialogs(),
                        loads.getOrDefault(agent.agent.id(), 0) + reserved.getOrDefault(agent.agent.id(), 0),
                        agent.lastAssignedNanos))
                .toList();
    }

    private Mono<Dialog> route(Dialog dialog, RoutingProperties.LinePolicy policy,
            List<Assignment.Candidate> candidates, Map<Long, PresentAgent> available, Set<Long> skipped) {
        if (policy.strategy() == Strategy.OFFER_TO_ALL) {
            return offerToAll(dialog, policy, candidates, skipped).then(Mono.empty());
        }
        LineStats line = stats.computeIfAbsent(dialog.lineId(), id -> new LineStats());
        boolean[] freshRound = new boolean[1];
        Assignment.Candidate chosen = Assignment.pick(policy.strategy(), candidates, skipped, line.lastAgentId)
                .or(() -> {
                    // everyone was passed over once: start the round again
                    freshRound[0] = true;
                    return skipped.isEmpty() ? java.util.Optional.empty()
                            : Assignment.pick(policy.strategy(), candidates, Set.of(), line.lastAgentId);
                })
                .orElse(null);
        if (chosen == null) {
            return Mono.empty();
        }
        chosen.load++;
        chosen.lastAssignedNanos = System.nanoTime();
        line.lastAgentId = chosen.agentId;
        if (policy.offerTimeout().isZero()) {
            PresentAgent agent = available.get(chosen.agentId);
            if (agent == null) {
                return Mono.empty();
            }
            return dialogs.assign(dialog.id(), chosen.agentId, agent.agent.displayName())
                    .doOnNext(this::noteAssignment);
        }
        return offer(dialog, Set.of(chosen.agentId), policy.offerTimeout(), true, freshRound[0]).then(Mono.empty());
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
        return offer(dialog, targets, timeout, false, freshRound);
    }

    /**
     * Opens the offer in PostgreSQL, then tells its targets wherever their consoles are (the live fan-out); this
     * node's timer ends it, or any node's sweep when this node stops first.
     */
    private Mono<UUID> offer(Dialog dialog, Set<Long> targets, Duration timeout, boolean reserved, boolean freshRound) {
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
                    targets.forEach(target -> bus.publishToAgent(target,
                            new DialogEvent.Offered(dialog, target, expiresAt)));
                });
    }

    private void noteAssignment(Dialog dialog) {
        PresentAgent agent = dialog.agentId() == null ? null : present.get(dialog.agentId());
        if (agent != null) {
            agent.lastAssignedNanos = System.nanoTime();
        }
        stats.computeIfAbsent(dialog.lineId(), id -> new LineStats()).assigned();
    }

    // --- the waiting line as the visitor sees it --------------------------------------------------

    /** Whether a widget dialog of the line joins the waiting line at open, not with the first message. */
    public boolean queuesOnOpen(String line) {
        return properties.policy(line).queueOnOpen();
    }

    /**
     * Tells a dialog's followers its last known place in the waiting line again: for a socket that has just
     * started following it, since positions are otherwise published only when they change.
     */
    public void repeatPosition(UUID dialogId, String line) {
        LineStats lineStats = stats.get(line);
        Integer position = lineStats == null ? null : lineStats.positions.get(dialogId);
        if (position != null) {
            bus.publish(new DialogEvent.QueueChanged(dialogId, position, lineStats.estimate(position),
                    agentsOnline(line)));
        }
    }

    /** How many agents of the line have a console open and are ONLINE now (on this node). */
    public int agentsOnline(String line) {
        return (int) present.values()
                .stream()
                .filter(agent -> agent.connections > 0 && agent.status == Presence.ONLINE && agent.agent.serves(line))
                .count();
    }

    /**
     * Tells each waiting visitor of the line their place when it moved forward, or when the line gained its first
     * agent online or lost its last. A place never goes back: a dialog put at the head of the line (its agent was
     * lost, or it was forwarded here) does not push those already waiting back; the place they were told holds until
     * the line reaches it.
     */
    private Mono<Void> publishPositions(String line) {
        LineStats lineStats = stats.computeIfAbsent(line, id -> new LineStats());
        int online = agentsOnline(line);
        boolean staffingChanged = lineStats.staffingChanged(online);
        return dialogs.waitingOrder(line)
                .index()
                .doOnNext(entry -> {
                    int position = (int) (entry.getT1() + 1);
                    UUID dialogId = entry.getT2();
                    Integer told = lineStats.tell(dialogId, position);
                    if (told != null || staffingChanged) {
                        int shown = told != null ? told : lineStats.positions.get(dialogId);
                        bus.publish(new DialogEvent.QueueChanged(dialogId, shown,
                                online == 0 ? null : lineStats.estimate(shown), online));
                    }
                })
                .map(entry -> entry.getT2())
                .collectList()
                .doOnNext(lineStats::retainOnly)
                .then();
    }

    /** What the line remembers to estimate waits and to take turns. */
    private static final class LineStats {

        /** an estimate needs this many recent paces of the line ... */
        private static final int ENOUGH = 3;

        /** ... none older than this */
        private static final long RECENT_NANOS = Duration.ofMinutes(30).toNanos();

        volatile long lastAgentId = Long.MIN_VALUE;

        /** the place each waiting dialog was last told */
        private final Map<UUID, Integer> positions = new ConcurrentHashMap<>();

        /** when recent assignments came, each after the previous one while people were waiting: {at, seconds} */
        private final java.util.ArrayDeque<long[]> paces = new java.util.ArrayDeque<>();

        private long lastAssignmentNanos;

        private boolean waitingAtLastAssignment;

        private int lastOnline = -1;

        /**
         * A dialog of the line was assigned. The time since the previous assignment is the line's pace only when
         * people were waiting all along (it measures how fast agents take them, not how seldom people come).
         */
        synchronized void assigned() {
            long now = System.nanoTime();
            if (lastAssignmentNanos != 0 && waitingAtLastAssignment) {
                paces.addLast(new long[] { now, Math.max(1, Math.round((now - lastAssignmentNanos) / 1e9)) });
                while (paces.size() > 10) {
                    paces.removeFirst();
                }
            }
            lastAssignmentNanos = now;
            // this dialog is still counted among the positions until the next publication
            waitingAtLastAssignment = positions.size() > 1;
        }

        /** The wait for a place: the place times the median recent pace, or null without enough recent figures. */
        synchronized Long estimate(int position) {
            long now = System.nanoTime();
            long[] recent = paces.stream()
                    .filter(pace -> now - pace[0] < RECENT_NANOS)
                    .mapToLong(pace -> pace[1])
                    .sorted()
                    .toArray();
            if (recent.length < ENOUGH) {
                return null;
            }
            return position * recent[recent.length / 2];
        }

        /** The place to tell a dialog now (never further back than it was told), or null when that is unchanged. */
        Integer tell(UUID dialogId, int position) {
            Integer previous = positions.get(dialogId);
            if (previous != null && previous <= position) {
                return null;
            }
            positions.put(dialogId, position);
            return position;
        }

        /** Whether the line got its first agent online or lost its last since the previous publication. */
        synchronized boolean staffingChanged(int online) {
            boolean changed = lastOnline >= 0 && (lastOnline == 0) != (online == 0);
            lastOnline = online;
            return changed;
        }

        void retainOnly(List<UUID> waiting) {
            positions.keySet().retainAll(new java.util.HashSet<>(waiting));
        }
    }

    /** What routing knows of a connected agent; replaced as a whole, except the last assignment time. */
    private static final class PresentAgent {

        final Agent agent;

        final int connections;

        final Presence status;

        volatile long lastAssignedNanos;

        PresentAgent(Agent agent) {
            this(agent, 1, Presence.OFFLINE);
        }

        PresentAgent(Agent agent, int connections, Presence status) {
            this.agent = agent;
            this.connections = connections;
            this.status = status;
        }

        PresentAgent connect(Agent fresh) {
            return copy(fresh, connections + 1, status);
        }

        PresentAgent disconnect() {
            return copy(agent, Math.max(0, connections - 1), status);
        }

        PresentAgent withStatus(Presence next) {
            return copy(agent, connections, next);
        }

        private PresentAgent copy(Agent agent, int connections, Presence status) {
            PresentAgent copy = new PresentAgent(agent, connections, status);
            copy.lastAssignedNanos = lastAssignedNanos;
            return copy;
        }

        boolean availableFor(String line) {
            return connections > 0 && status == Presence.ONLINE && agent.enabled() && agent.serves(line);
        }
    }
}
