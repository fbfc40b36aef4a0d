package ru.rosdistant.gateway.cluster;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
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
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.dialog.Dialog;
import ru.rosdistant.gateway.dialog.DialogAssigned;
import ru.rosdistant.gateway.dialog.DialogClosed;
import ru.rosdistant.gateway.dialog.DialogForwarded;
import ru.rosdistant.gateway.dialog.DialogQueries;
import ru.rosdistant.gateway.dialog.MessageAppended;
import ru.rosdistant.gateway.shared.LiveEvent;

/**
 * Carries the live events of one node to the others through one Redis pub/sub channel; each node hands them to its
 * own sockets. Redis may lose anything, so every event carries its node's sequence number, and every node sends a
 * heartbeat with its latest number: a receiver that sees a number skipped (or a heartbeat ahead of what it got) fills
 * from PostgreSQL with the sockets' own gap filler: it hands each socket the latest stored message of every dialog it
 * follows (a socket behind reads what it missed; one up to date drops it) and each agent's socket the dialogs that
 * became, or stopped being, theirs. A node whose own heartbeat does not come back within
 * {@code gateway.cluster.redis-silence} takes Redis for down and does the same every {@code poll-interval} until it
 * does. Typing and queue positions are not stored: while Redis is down they pause.
 */
@Component
class LiveFanOut implements NodeSockets.Relay {

    private static final Logger log = LoggerFactory.getLogger(LiveFanOut.class);

    static final String CHANNEL = "gateway:live";

    /** Dialogs asked at once for their latest message. */
    private static final int CHUNK = 500;

    private final ClusterProperties properties;

    private final ObjectProvider<ReactiveStringRedisTemplate> redis;

    private final NodeSockets sockets;

    private final DialogQueries dialogs;

    private final JsonMapper json;

    /** The kinds of live events by the simple names they travel under: those the sockets take. */
    private final Map<String, Class<? extends LiveEvent>> types = new HashMap<>();

    /** The last number this node published; guarded by {@code this}, so numbers reach Redis in order. */
    private long published;

    /** The last number received from each other node. */
    private final Map<String, Long> received = new ConcurrentHashMap<>();

    /** The open dialogs of each followed agent as the last fill saw them. */
    private final Map<Long, Set<UUID>> agentDialogs = new ConcurrentHashMap<>();

    private volatile long ownHeartbeatBackNanos = System.nanoTime();

    private volatile boolean polling;

    /** Whether the connection to Redis was made once (Lettuce keeps it and reconnects it from then on). */
    private volatile boolean redisReady;

    private final AtomicBoolean publishFails = new AtomicBoolean();

    private final AtomicBoolean filling = new AtomicBoolean();

    private final AtomicBoolean fillAgain = new AtomicBoolean();

    private Disposable running;

    LiveFanOut(ClusterProperties properties, ObjectProvider<ReactiveStringRedisTemplate> redis, NodeSockets sockets,
            DialogQueries dialogs, JsonMapper json) {
        this.properties = properties;
        this.redis = redis;
        this.sockets = sockets;
        this.dialogs = dialogs;
        this.json = json.rebuild().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
        for (Class<? extends LiveEvent> type : sockets.eventTypes()) {
            Class<? extends LiveEvent> before = types.put(type.getSimpleName(), type);
            if (before != null) {
                throw new IllegalStateException("Two live events travel as " + type.getSimpleName() + ": "
                        + before.getName() + " and " + type.getName());
            }
        }
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        if (!properties.enabled() || running != null) {
            return;
        }
        ReactiveStringRedisTemplate template = redis.getObject();
        ownHeartbeatBackNanos = System.nanoTime();
        Disposable listener = RedisConnection.listen(template, CHANNEL, () -> redisReady = true)
                .subscribe(message -> receive(message.getMessage()));
        Disposable heartbeat = Flux.interval(properties.heartbeatInterval(), properties.heartbeatInterval())
                .onBackpressureDrop()
                .subscribe(tick -> heartbeat());
        Disposable poller = Flux.interval(properties.pollInterval(), properties.pollInterval())
                .onBackpressureDrop()
                .subscribe(tick -> checkRedis());
        running = Disposables.composite(listener, heartbeat, poller);
        sockets.relayTo(this);
        log.info("Node {} carries live events through Redis channel {}", properties.nodeId(), CHANNEL);
    }

    @EventListener(ContextClosedEvent.class)
    void stop() {
        sockets.relayTo(null);
        if (running != null) {
            running.dispose();
        }
    }

    boolean polling() {
        return polling;
    }

    /** Whether this node has connected to Redis once (before that a command would connect, blocking its thread). */
    boolean redisReady() {
        return redisReady;
    }

    @Override
    public void publish(LiveEvent event) {
        Map<String, Object> envelope = new HashMap<>();
        envelope.put("n", properties.nodeId());
        envelope.put("k", "e");
        envelope.put("t", event.getClass().getSimpleName());
        envelope.put("p", event);
        ReactiveStringRedisTemplate template = redis.getObject();
        synchronized (this) {
            envelope.put("s", ++published);
            send(template, json.writeValueAsString(envelope));
        }
    }

    private void heartbeat() {
        ReactiveStringRedisTemplate template = redis.getObject();
        synchronized (this) {
            send(template, json.writeValueAsString(Map.of("n", properties.nodeId(), "k", "h", "s", published)));
        }
    }

    /**
     * Called in number order (under the lock): Lettuce writes commands to its one connection in call order. Nothing
     * is sent before the first connection is made (by the listener, off the event loops): a first connect blocks.
     * The others see the numbers skipped and fill.
     */
    private void send(ReactiveStringRedisTemplate template, String envelope) {
        if (!redisReady) {
            return;
        }
        template.convertAndSend(CHANNEL, envelope)
                .subscribe(receivers -> {
                    if (publishFails.getAndSet(false)) {
                        log.info("Node {} publishes to Redis again", properties.nodeId());
                    }
                }, error -> {
                    if (!publishFails.getAndSet(true)) {
                        log.warn("Node {} could not publish to Redis ({}); the other nodes fill from PostgreSQL",
                                properties.nodeId(), error.toString());
                    }
                });
    }

    private void receive(String text) {
        JsonNode envelope;
        try {
            envelope = json.readTree(text);
        }
        catch (RuntimeException ex) {
            log.warn("An unreadable message on {} is ignored", CHANNEL);
            return;
        }
        String node = envelope.path("n").asString();
        long seq = envelope.path("s").asLong();
        boolean heartbeat = "h".equals(envelope.path("k").asString());
        if (node.equals(properties.nodeId())) {
            if (heartbeat) {
                ownHeartbeatBackNanos = System.nanoTime();
            }
            return;
        }
        Long last = received.get(node);
        if (last == null) {
            // a node heard for the first time (it or this one just started): what it said before is unknown
            log.info("Node {} hears node {}", properties.nodeId(), node);
            received.put(node, seq);
            fill();
            if (!heartbeat) {
                deliver(envelope);
            }
            return;
        }
        if (heartbeat) {
            if (seq > last) {
                received.put(node, seq);
                log.info("Events of node {} after {} were lost; filling from PostgreSQL", node, last);
                fill();
            }
            return;
        }
        received.put(node, seq);
        if (seq != last + 1) {
            // skipped numbers were lost; lower ones mean the node started again with the same id
            log.info("Events of node {} between {} and {} were lost; filling from PostgreSQL", node, last, seq);
            fill();
        }
        deliver(envelope);
    }

    private void deliver(JsonNode envelope) {
        Class<? extends LiveEvent> type = types.get(envelope.path("t").asString());
        if (type == null) {
            return;
        }
        LiveEvent event;
        try {
            event = json.treeToValue(envelope.path("p"), type);
        }
        catch (RuntimeException ex) {
            log.warn("An event of type {} could not be read; it is ignored", type.getSimpleName(), ex);
            return;
        }
        sockets.deliverHere(event);
    }

    private void checkRedis() {
        boolean silent = System.nanoTime() - ownHeartbeatBackNanos > properties.redisSilence().toNanos();
        if (silent && !polling) {
            polling = true;
            log.warn("Node {} has not heard its own heartbeat through Redis for {}; polling PostgreSQL every {}",
                    properties.nodeId(), properties.redisSilence(), properties.pollInterval());
        }
        else if (!silent && polling) {
            polling = false;
            log.info("Node {} hears Redis again; live events come from it", properties.nodeId());
            fill();
        }
        if (polling) {
            fill();
        }
    }

    /** Fills every socket of this node from PostgreSQL; fills asked for while one runs are merged into one more. */
    void fill() {
        if (!filling.compareAndSet(false, true)) {
            fillAgain.set(true);
            return;
        }
        fillAgain.set(false);
        latestMessages()
                .then(Mono.defer(this::agentsDialogs))
                .doFinally(signal -> {
                    filling.set(false);
                    if (fillAgain.getAndSet(false)) {
                        fill();
                    }
                })
                .subscribe(null, error -> log.warn("Could not fill the sockets of node {} from PostgreSQL: {}",
                        properties.nodeId(), error.toString()));
    }

    private Mono<Void> latestMessages() {
        List<UUID> followed = List.copyOf(sockets.followedDialogs());
        return Flux.range(0, (followed.size() + CHUNK - 1) / CHUNK)
                .concatMap(chunk -> dialogs.latestMessages(
                        followed.subList(chunk * CHUNK, Math.min(followed.size(), (chunk + 1) * CHUNK))))
                .doOnNext(message -> sockets.deliverHere(new MessageAppended(message)))
                .then();
    }

    /** Tells each followed agent of the dialogs that became theirs, and of those that left them, since the last fill. */
    private Mono<Void> agentsDialogs() {
        Set<Long> agents = sockets.followedAgents();
        agentDialogs.keySet().retainAll(agents);
        return Flux.fromIterable(agents)
                .concatMap(agentId -> dialogs.openDialogsOf(agentId)
                        .collectList()
                        .flatMapMany(open -> changesFor(agentId, open)))
                .then();
    }

    private Flux<Dialog> changesFor(long agentId, List<Dialog> open) {
        Set<UUID> now = new HashSet<>();
        open.forEach(dialog -> now.add(dialog.id()));
        Set<UUID> before = agentDialogs.put(agentId, now);
        open.stream()
                .filter(dialog -> before == null || !before.contains(dialog.id()))
                .forEach(dialog -> sockets.deliverToAgentHere(agentId, new DialogAssigned(dialog)));
        if (before == null) {
            return Flux.empty();
        }
        return Flux.fromIterable(before)
                .filter(id -> !now.contains(id))
                .concatMap(dialogs::find)
                .doOnNext(dialog -> sockets.deliverToAgentHere(agentId, left(dialog, agentId)));
    }

    /** How a dialog that left an agent since the last fill is told to them, as the change that took it away. */
    private static LiveEvent left(Dialog dialog, long agentId) {
        if (dialog.isClosed()) {
            return new DialogClosed(dialog);
        }
        return new DialogForwarded(dialog, agentId, null, null);
    }
}
