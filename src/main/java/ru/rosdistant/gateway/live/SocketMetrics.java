package ru.rosdistant.gateway.live;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.stereotype.Component;

/**
 * The open sockets, per side (visitor, agent): counted for Prometheus with the messages in and out, and
 * held so that a shutdown can tell each one it is going away.
 */
@Component
public class SocketMetrics {

    private final Side visitors;

    private final Side agents;

    SocketMetrics(MeterRegistry registry, SocketsPerClient perClient) {
        this.visitors = new Side(registry, "visitor", perClient);
        this.agents = new Side(registry, "agent", perClient);
    }

    public Side visitors() {
        return visitors;
    }

    public Side agents() {
        return agents;
    }

    /** Closes every open socket with 1001 (going away): clients resume elsewhere or after the restart. */
    void goingAway() {
        visitors.goingAway();
        agents.goingAway();
    }

    /** Accepts sockets again after {@link #goingAway()} (the context was stopped and started again). */
    void accepting() {
        visitors.closing = false;
        agents.closing = false;
    }

    public static final class Side {

        private final AtomicInteger connected = new AtomicInteger();

        private final Set<SocketConnection> open = ConcurrentHashMap.newKeySet();

        private volatile boolean closing;

        private final Counter in;

        private final Counter out;

        private final Counter tooSlow;

        /** shared by both sides: the limit is on a client's sockets of either kind */
        private final SocketsPerClient perClient;

        Side(MeterRegistry registry, String side, SocketsPerClient perClient) {
            this.perClient = perClient;
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
            this.tooSlow = Counter.builder("gateway.sockets.too.slow")
                    .description("Sockets closed with 1013 because the client did not read what it was sent")
                    .tag("side", side)
                    .register(registry);
        }

        public int connected() {
            return connected.get();
        }

        /** How many sockets of this side were closed as too slow (1013) so far. */
        public long closedTooSlow() {
            return (long) tooSlow.count();
        }

        void closingTooSlow() {
            tooSlow.increment();
        }

        /** Returns false when the gateway is shutting down and the socket must go away at once. */
        boolean opened(SocketConnection connection) {
            open.add(connection);
            connected.incrementAndGet();
            return !closing;
        }

        void closed(SocketConnection connection) {
            if (open.remove(connection)) {
                connected.decrementAndGet();
            }
        }

        private void goingAway() {
            closing = true;
            open.forEach(SocketConnection::goAway);
        }

        SocketsPerClient perClient() {
            return perClient;
        }

        void received() {
            in.increment();
        }

        void sent() {
            out.increment();
        }
    }
}
