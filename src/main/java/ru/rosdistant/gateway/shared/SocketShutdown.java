package ru.rosdistant.gateway.shared;

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
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        sockets.goingAway();
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
