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

/**
 * A logout, a disabled agent, a new password or changed roles on one node reach every node at once: the event (a
 * {@link Revocation}) is published on the Redis channel {@code gateway:revocations} with its type, and each other node
 * publishes it again in its own context, where its sessions and sockets end as for a change made there. Redis may lose
 * it: the nodes' own checks against PostgreSQL (the security stamp, the session records) still end them, later.
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
    void on(Revocation event) {
        if (!properties.enabled() || !redisReady || Boolean.TRUE.equals(replaying.get())) {
            return;
        }
        Map<String, Object> envelope = new HashMap<>();
        envelope.put("n", properties.nodeId());
        envelope.put("t", event.getClass().getName());
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
            Class<? extends Revocation> type = revocation(envelope.path("t").asString());
            if (type == null) {
                return;
            }
            Revocation event = json.treeToValue(envelope.path("p"), type);
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

    /** The type named, if it is a revocation of this application (loaded, not initialised, before it is checked). */
    private static Class<? extends Revocation> revocation(String name) {
        try {
            Class<?> type = Class.forName(name, false, Revocations.class.getClassLoader());
            return Revocation.class.isAssignableFrom(type) ? type.asSubclass(Revocation.class) : null;
        }
        catch (ClassNotFoundException | LinkageError ex) {
            log.warn("A revocation of unknown type {} from another node is ignored", name);
            return null;
        }
    }
}
