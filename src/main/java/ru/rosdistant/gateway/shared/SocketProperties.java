package ru.rosdistant.gateway.shared;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/** Limits that both sockets enforce on every connection. */
@ConfigurationProperties("gateway.socket")
public record SocketProperties(@DefaultValue("4000") int maxTextLength, @DefaultValue("65536") int maxFrameBytes,
        @DefaultValue("262144") int maxReadableFrameBytes, @DefaultValue("20") double framesPerSecond,
        @DefaultValue("40") double burst, @DefaultValue("512") int outboundBuffer) {
}
