package ru.rosdistant.gateway.system;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.config.WebFluxConfigurer;
import org.springframework.web.reactive.socket.server.WebSocketService;
import org.springframework.web.reactive.socket.server.support.HandshakeWebSocketService;
import org.springframework.web.reactive.socket.server.upgrade.ReactorNettyRequestUpgradeStrategy;
import reactor.netty.http.server.WebsocketServerSpec;
import ru.rosdistant.gateway.shared.SocketProperties;

/**
 * Lets Netty read frames up to {@code max-readable-frame-bytes} (256 KiB), well above the protocol's
 * 64 KiB limit, so an oversize frame reaches our code and is answered with an error frame instead of
 * Netty closing the socket. Fragmented frames are joined up to the same size.
 */
@Configuration(proxyBeanMethods = false)
class WebSocketSupport implements WebFluxConfigurer {

    private final SocketProperties limits;

    WebSocketSupport(SocketProperties limits) {
        this.limits = limits;
    }

    @Override
    public WebSocketService getWebSocketService() {
        return new HandshakeWebSocketService(new ReactorNettyRequestUpgradeStrategy(() -> WebsocketServerSpec.builder()
                .maxFramePayloadLength(limits.maxReadableFrameBytes())
                .handlePing(false)));
    }
}
