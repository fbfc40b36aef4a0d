package ru.rosdistant.gateway.shared;

import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.stereotype.Component;

/** Connected sockets and messages in and out, per side (visitor, agent), for Prometheus. */
@Component
public class SocketMetrics {

    private final Side visitors;

    private final Side agents;

    SocketMetrics(MeterRegistry registry) {
        this.visitors = new Side(registry, "visitor");
        this.agents = new Side(registry, "agent");
    }

    public Side visitors() {
        return visitors;
    }

    public Side agents() {
        return agents;
    }

    public static final class Side {

        private final AtomicInteger connected = new AtomicInteger();

        private final Counter in;

        private final Counter out;

        Side(MeterRegistry registry, String side) {
            Gauge.builder("gateway.connections", connected, AtomicInteger::get)
                    .description("Open WebSocket connections")
                    .tag("side", side)
                    .register(registry);
            this.in = Counter.builder("gateway.messages.in")
                    .description("Messages received from clients and stored")
                    .tag("side", side)
                    .register(registry);
            this.out = Counter.builder("gateway.messages.out")
                    .description("Message frames sent to clients")
                    .tag("side", side)
                    .register(registry);
        }

        public int connected() {
            return connected.get();
        }

        void opened() {
            connected.incrementAndGet();
        }

        void closed() {
            connected.decrementAndGet();
        }

        void received() {
            in.increment();
        }

        void sent() {
            out.increment();
        }
    }
}
