package ru.rosdistant.gateway.cluster;

import java.util.HashMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.agent.AgentAccessChanged;
import ru.rosdistant.gateway.agent.ConsoleSessionEnded;

/**
 * A logout, a disabled agent, a new password or changed roles on one node reach every node at once: the event is
 * published on the Redis channel {@code gateway:revocations} and each other node publishes it again in its own
 * context, where its sessions and sockets end as for a change made there. Redis may lose it: the nodes' own checks
 * against PostgreSQL (the security stamp, the session records) still end them, later.
 */
@Component
class Revocations {

    private static final Logger log = LoggerFactory.getLogger(Revocations.class);

    static final String CHANNEL = "gateway:revocations";

    /** Set while an event from another node is published here, so that it is not sent back. */
    private static final ThreadLocal<Boolean> replaying = new ThreadLocal<>();

    private final ClusterProperties properties;

    private final ObjectProvider<ReactiveStringRedisTemplate> redis;

    private final ApplicationEventPublisher events;

    private final JsonMapper json;

    private Disposable listening;

    /** Whether the connection to Redis was made once (see LiveFanOut). */
    private volatile boolean redisReady;

    Revocations(ClusterProperties properties, ObjectProvider<ReactiveStringRedisTemplate> redis,
            ApplicationEventPublisher events, JsonMapper json) {
        this.properties = properties;
        this.redis = redis;
        this.events = events;
        this.json = json;
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        if (!properties.enabled() || listening != null) {
            return;
        }
        listening = RedisConnection.listen(redis.getObject(), CHANNEL, () -> redisReady = true)
                .subscribe(message -> receive(message.getMessage()));
    }

    @EventListener(ContextClosedEvent.class)
    void stop() {
        if (listening != null) {
            listening.dispose();
        }
    }

    @EventListener
    void on(AgentAccessChanged changed) {
        send("access", changed);
    }

    @EventListener
    void on(ConsoleSessionEnded ended) {
        send("session", ended);
    }

    private void send(String kind, Object event) {
        if (!properties.enabled() || !redisReady || Boolean.TRUE.equals(replaying.get())) {
            return;
        }
        Map<String, Object> envelope = new HashMap<>();
        envelope.put("n", properties.nodeId());
        envelope.put("k", kind);
        envelope.put("p", event);
        redis.getObject()
                .convertAndSend(CHANNEL, json.writeValueAsString(envelope))
                .subscribe(null, error -> log.warn("Could not tell the other nodes of {} ({}); they find out from "
                        + "PostgreSQL", event, error.toString()));
    }

    private void receive(String text) {
        try {
            JsonNode envelope = json.readTree(text);
            if (properties.nodeId().equals(envelope.path("n").asString())) {
                return;
            }
            Object event = switch (envelope.path("k").asString()) {
                case "access" -> json.treeToValue(envelope.path("p"), AgentAccessChanged.class);
                case "session" -> json.treeToValue(envelope.path("p"), ConsoleSessionEnded.class);
                default -> null;
            };
            if (event == null) {
                return;
            }
            replaying.set(true);
            try {
                events.publishEvent(event);
            }
            finally {
                replaying.remove();
            }
        }
        catch (RuntimeException ex) {
            log.warn("A revocation from another node could not be applied", ex);
        }
    }
}
