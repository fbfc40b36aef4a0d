package ru.rosdistant.gateway.live;

import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * On shutdown, before the web server's graceful phase waits for requests, closes every socket with 1001
 * so that clients reconnect (to another node, or to this one after the restart) and resume from their
 * last seq. Sockets that connect after this point are closed the same way at once.
 */
@Component
class SocketShutdown implements SmartLifecycle {

    private final SocketMetrics sockets;

    private volatile boolean running;

    SocketShutdown(SocketMetrics sockets) {
        this.sockets = sockets;
    }

    @Override
    public void start() {
        // after a stop() and start() (Lifecycle), sockets are welcome again; they were refused for good before
        sockets.accepting();
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        sockets.goingAway();
    }

    /**
     * A pause (Spring 7: {@code ConfigurableApplicationContext.pause()}, used by the test framework for a cached
     * context another test class does not use) is not a shutdown: the sockets stay. Before, a pause closed them
     * and left every later socket of the restarted context refused without a word: the socket tests that ran after
     * a test class with a context of its own (the fuzz drills, the database outage) got no answer.
     */
    @Override
    public boolean isPauseable() {
        return false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Stops before the web server's graceful shutdown (DEFAULT_PHASE - 1024) begins. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 512;
    }
}
