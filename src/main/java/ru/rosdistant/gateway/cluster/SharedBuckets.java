package ru.rosdistant.gateway.cluster;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.web.ClientBuckets;

/**
 * Per-client rates shared by all nodes: a token bucket per client in Redis, taken by one Lua script (Redis's own
 * clock, so the nodes' clocks do not matter). A single node, or a node that cannot reach Redis, counts in a local
 * bucket at the limit divided by the number of live nodes, so that the nodes together stay near the limit.
 */
@Component
public class SharedBuckets {

    private static final Logger log = LoggerFactory.getLogger(SharedBuckets.class);

    /**
     * KEYS[1] the bucket; ARGV rate per millisecond, burst, tokens to take (1, or 0 to look only). Answers 0 (there
     * was a token, taken if asked) or the milliseconds until a token.
     */
    private static final RedisScript<Long> TAKE = RedisScript.of("""
            local rate = tonumber(ARGV[1])
            local burst = tonumber(ARGV[2])
            local cost = tonumber(ARGV[3])
            local time = redis.call('TIME')
            local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
            local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
            local tokens = tonumber(bucket[1]) or burst
            local at = tonumber(bucket[2]) or now
            tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
            local wait = 0
            if tokens >= 1 then
                tokens = tokens - cost
            else
                wait = math.ceil((1 - tokens) / rate)
            end
            redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
            redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate) + 1000)
            return wait
            """, Long.class);

    private final ClusterProperties properties;

    private final ObjectProvider<ReactiveStringRedisTemplate> redis;

    private final AgentPresenceRows nodes;

    private final LiveFanOut fanOut;

    SharedBuckets(ClusterProperties properties, ObjectProvider<ReactiveStringRedisTemplate> redis,
            AgentPresenceRows nodes, LiveFanOut fanOut) {
        this.properties = properties;
        this.redis = redis;
        this.nodes = nodes;
        this.fanOut = fanOut;
    }

    /** A rate named {@code name} (a key prefix in Redis): {@code perSecond} refill, {@code burst} capacity. */
    public Bucket bucket(String name, double perSecond, int burst, int trackedClients) {
        return new Bucket(name, perSecond, burst, trackedClients);
    }

    /** One shared rate. */
    public final class Bucket {

        private final String name;

        private final double perSecond;

        private final int burst;

        private final int trackedClients;

        private final ClientBuckets whole;

        private volatile Fallback fallback;

        private final AtomicBoolean redisFails = new AtomicBoolean();

        private Bucket(String name, double perSecond, int burst, int trackedClients) {
            this.name = name;
            this.perSecond = perSecond;
            this.burst = burst;
            this.trackedClients = trackedClients;
            this.whole = new ClientBuckets(perSecond, burst, trackedClients);
        }

        /** Takes a token for the client; empty when allowed, else how long until a token is free. */
        public Mono<Optional<Duration>> tryAcquire(String client) {
            return take(client, 1);
        }

        /** Whether the client has a token, without taking it; empty when so, else how long until one is free. */
        public Mono<Optional<Duration>> peek(String client) {
            return take(client, 0);
        }

        /** Fills the client's bucket again, on every node. */
        public Mono<Void> forget(String client) {
            whole.forget(client);
            Fallback current = fallback;
            if (current != null) {
                current.buckets.forget(client);
            }
            if (!properties.enabled() || !fanOut.redisReady()) {
                return Mono.empty();
            }
            return redis.getObject()
                    .delete(key(client))
                    .onErrorResume(error -> Mono.empty())
                    .then();
        }

        private String key(String client) {
            return "gateway:rate:" + name + ":" + client;
        }

        private Mono<Optional<Duration>> take(String client, int cost) {
            if (!properties.enabled()) {
                return Mono.just(cost == 0 ? whole.peek(client) : whole.tryAcquire(client));
            }
            if (!fanOut.redisReady()) {
                return Mono.just(cost == 0 ? local().peek(client) : local().tryAcquire(client));
            }
            return redis.getObject()
                    .execute(TAKE, List.of(key(client)), List.of(String.valueOf(perSecond / 1000), String.valueOf(burst),
                            String.valueOf(cost)))
                    .next()
                    .map(wait -> wait == 0 ? Optional.<Duration>empty() : Optional.of(Duration.ofMillis(wait)))
                    .doOnNext(taken -> {
                        if (redisFails.getAndSet(false)) {
                            log.info("The shared rate '{}' counts in Redis again", name);
                        }
                    })
                    .onErrorResume(error -> {
                        if (!redisFails.getAndSet(true)) {
                            log.warn("The shared rate '{}' counts locally at 1/{} of its limit: Redis is not "
                                    + "answering ({})", name, nodes.liveNodes(), error.toString());
                        }
                        return Mono.just(cost == 0 ? local().peek(client) : local().tryAcquire(client));
                    });
        }

        /** The local bucket at the limit divided by the live nodes; made again when their number changes. */
        private ClientBuckets local() {
            int share = Math.max(1, nodes.liveNodes());
            Fallback current = fallback;
            if (current == null || current.nodes != share) {
                current = new Fallback(share, new ClientBuckets(perSecond / share, Math.max(1, burst / share),
                        trackedClients));
                fallback = current;
            }
            return current.buckets;
        }
    }

    private record Fallback(int nodes, ClientBuckets buckets) {
    }
}
