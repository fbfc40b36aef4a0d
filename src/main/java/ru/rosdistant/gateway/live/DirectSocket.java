package ru.rosdistant.gateway.live;

import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

/**
 * A WebSocket session that sends a connection's frames straight from the connection's own outbound queue, as the
 * transport's frames: no chain of operators converts them on the way. A session that is not one gets the frames as
 * {@code WebSocketMessage}s through {@code send}.
 */
public interface DirectSocket {

    /** A text frame of these UTF-8 bytes, as {@link #sendFrames} takes it. */
    Object textFrame(byte[] utf8);

    /** Sends the frames the publisher gives, in order; completes when it completes and they are written. */
    Mono<Void> sendFrames(Publisher<?> frames);
}
