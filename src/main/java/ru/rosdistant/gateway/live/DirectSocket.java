package ru.rosdistant.gateway.live;

import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

/**
 * A WebSocket session that sends a connection's frames straight from the connection's own outbound queue: the
 * transport polls that queue (Reactor's queue fusion) instead of buffering the frames in a send queue of its own, and
 * no chain of operators converts them on the way. An idle socket then keeps no send buffer at all. A session that is
 * not one gets the frames as {@code WebSocketMessage}s through {@code send}.
 */
public interface DirectSocket {

    /** A text frame of these UTF-8 bytes, as {@link #sendFrames} takes it. */
    Object textFrame(byte[] utf8);

    /** Sends the frames the publisher gives, in order; completes when it completes and they are written. */
    Mono<Void> sendFrames(Publisher<?> frames);
}
