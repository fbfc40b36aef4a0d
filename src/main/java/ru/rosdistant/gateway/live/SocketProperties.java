package ru.rosdistant.gateway.live;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Limits that both sockets enforce on every connection.
 *
 * @param helloTimeout a socket whose client has not said who it is by then ({@code hello} on the visitor socket; the
 * agent socket's login is checked before the upgrade) is closed with {@link SocketConnection#NO_HELLO}
 * @param maxPerClient open sockets (both kinds together) from one client address; the next handshake is refused
 * with 429 ({@link SocketsPerClient})
 */
@ConfigurationProperties("gateway.socket")
public record SocketProperties(@DefaultValue("4000") int maxTextLength, @DefaultValue("65536") int maxFrameBytes,
        @DefaultValue("262144") int maxReadableFrameBytes, @DefaultValue("20") double framesPerSecond,
        @DefaultValue("40") double burst, @DefaultValue("512") int outboundBuffer,
        @DefaultValue("10s") Duration helloTimeout, @DefaultValue("20") int maxPerClient) {
}
