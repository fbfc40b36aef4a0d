package ru.rosdistant.gateway.dialog;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import reactor.core.publisher.Mono;

import org.springframework.stereotype.Component;

/**
 * {@code gateway_message_latency_seconds{channel}}: how long a message people write takes from the moment its
 * channel hands it to the dialog (a socket frame read, a messenger update or a mail taken in) until it is committed,
 * which is when the writer gets its ack. The buckets are the latencies a chat feels (5 ms … 10 s), so Grafana can
 * chart p99 per channel; a failed append is not observed (its error is counted where it is answered).
 */
@Component
public class MessageLatency {

    private static final Duration[] BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
            Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10)};

    private final MeterRegistry registry;

    private final Map<String, Timer> timers = new ConcurrentHashMap<>();

    MessageLatency(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * The append, timed from its subscription to its answer, under {@code channel} (WIDGET, CONSOLE, TELEGRAM,
     * VIBER, WHATSAPP, EMAIL; a bounded set named by the gateway's code, never by a client).
     */
    public <T> Mono<T> timed(String channel, Mono<T> append) {
        Timer timer = timers.computeIfAbsent(channel.toUpperCase(Locale.ROOT), this::timer);
        return Mono.defer(() -> {
            long started = System.nanoTime();
            return append.doOnNext(stored -> timer.record(System.nanoTime() - started, TimeUnit.NANOSECONDS));
        });
    }

    private Timer timer(String channel) {
        return Timer.builder("gateway.message.latency")
                .description("From a message's receipt by its channel to its commit (the writer's ack)")
                .tag("channel", channel)
                .serviceLevelObjectives(BUCKETS)
                .register(registry);
    }
}
