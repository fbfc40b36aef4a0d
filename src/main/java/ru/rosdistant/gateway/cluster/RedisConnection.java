package ru.rosdistant.gateway.cluster;

import java.time.Duration;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;

import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.ReactiveSubscription;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

/**
 * The Redis connection of a node, made only when {@code gateway.cluster.redis-url} is set. Boot's own Redis
 * auto-configuration is off (application.yml): it would connect to localhost:6379 and report a node without Redis
 * as down. Lettuce reconnects by itself; a command on a lost connection fails at once instead of queueing, so a
 * publish never waits for Redis.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnExpression("'${gateway.cluster.redis-url:}' != ''")
class RedisConnection {

    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);

    @Bean
    LettuceConnectionFactory clusterRedisConnectionFactory(ClusterProperties properties) {
        RedisURI uri = RedisURI.create(properties.redisUrl());
        RedisStandaloneConfiguration server = new RedisStandaloneConfiguration(uri.getHost(), uri.getPort());
        server.setDatabase(uri.getDatabase());
        if (uri.getUsername() != null) {
            server.setUsername(uri.getUsername());
        }
        if (uri.getPassword() != null) {
            server.setPassword(uri.getPassword());
        }
        LettuceClientConfiguration client = LettuceClientConfiguration.builder()
                .commandTimeout(COMMAND_TIMEOUT)
                .clientName("gateway-" + properties.nodeId())
                .clientOptions(ClientOptions.builder()
                        .autoReconnect(true)
                        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                        .socketOptions(SocketOptions.builder().connectTimeout(COMMAND_TIMEOUT).build())
                        .timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT))
                        .build())
                .build();
        LettuceConnectionFactory factory = new LettuceConnectionFactory(server, client);
        // a node starts while Redis is down: connect on first use, not at start
        factory.setEagerInitialization(false);
        factory.setValidateConnection(false);
        return factory;
    }

    @Bean
    ReactiveStringRedisTemplate clusterRedisTemplate(LettuceConnectionFactory factory) {
        return new ReactiveStringRedisTemplate(factory);
    }

    /**
     * The messages of a channel, subscribed again after any failure. The first connection to Redis is made here, on
     * {@code boundedElastic}: Spring Data makes it synchronously (it would block an event loop, and fail a start
     * while Redis is down). {@code connected} runs once it is made; from then on Lettuce reconnects by itself.
     */
    static Flux<ReactiveSubscription.Message<String, String>> listen(ReactiveStringRedisTemplate template,
            String channel, Runnable connected) {
        return Flux.defer(() -> {
                    Flux<? extends ReactiveSubscription.Message<String, String>> messages =
                            template.listenToChannel(channel);
                    connected.run();
                    return messages;
                })
                .subscribeOn(Schedulers.boundedElastic())
                .retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(200)).maxBackoff(Duration.ofSeconds(2)))
                .map(message -> (ReactiveSubscription.Message<String, String>) message);
    }
}
