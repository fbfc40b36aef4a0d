package ru.rosdistant.gateway.system;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * How many items Reactor Netty takes ahead when it sends a publisher: 32 instead of its 128. Every open WebSocket
 * sends its frames through one such send ({@code MonoSendMany}), which keeps a queue of that many slots for as long
 * as the socket lives: 528 bytes of array per socket at 128, 144 at 32 (docs/benchmarks.md, "Heap per idle socket").
 * It is also how many frames a socket may have handed to Netty beyond its own bounded queue, so a client that stops
 * reading is closed (1013) a little sooner; 32 frames in flight still batch a burst's writes (a replay is sent 32
 * frames, then 16 at a time as they are written).
 *
 * <p>Reactor Netty reads the system property {@value #PROPERTY} once, when its send operator is first loaded, so it is
 * set here, before the context (and any connection) exists; one given on the command line wins.
 */
class SendPrefetch implements EnvironmentPostProcessor, Ordered {

    static final String PROPERTY = "reactor.netty.send.maxPrefetchSize";

    static final int FRAMES = 32;

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (System.getProperty(PROPERTY) == null) {
            System.setProperty(PROPERTY, Integer.toString(FRAMES));
        }
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
