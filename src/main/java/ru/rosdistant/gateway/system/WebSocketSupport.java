package ru.rosdistant.gateway.system;

import java.util.function.Supplier;

import io.netty.channel.EventLoop;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;
import reactor.netty.http.server.WebsocketServerSpec;

import org.springframework.context.annotation.Configuration;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.reactive.config.WebFluxConfigurer;
import org.springframework.web.reactive.socket.HandshakeInfo;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.server.RequestUpgradeStrategy;
import org.springframework.web.reactive.socket.server.WebSocketService;
import org.springframework.web.reactive.socket.server.support.HandshakeWebSocketService;
import org.springframework.web.reactive.socket.server.upgrade.ReactorNettyRequestUpgradeStrategy;
import org.springframework.web.server.ServerWebExchange;
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
        return new HandshakeWebSocketService(new OnTheEventLoop(new ReactorNettyRequestUpgradeStrategy(
                () -> WebsocketServerSpec.builder()
                        .maxFramePayloadLength(limits.maxReadableFrameBytes())
                        .handlePing(false))));
    }

    /**
     * Upgrades on the connection's own event loop. The filters before the upgrade may finish on another
     * thread (a database or timer thread); Reactor Netty then completes the handshake and subscribes to the
     * socket's inbound frames a moment after the 101 went out, and a frame the client sends at once (the
     * widget's {@code hello}) can fall into that gap and be lost (reactor-netty#1089). On the event loop the
     * subscription happens before the next read.
     */
    static final class OnTheEventLoop implements RequestUpgradeStrategy {

        private final RequestUpgradeStrategy delegate;

        OnTheEventLoop(RequestUpgradeStrategy delegate) {
            this.delegate = delegate;
        }

        @Override
        public Mono<Void> upgrade(ServerWebExchange exchange, WebSocketHandler handler, String subProtocol,
                Supplier<HandshakeInfo> handshakeInfoFactory) {
            Mono<Void> upgrade = Mono.defer(() -> delegate.upgrade(exchange, handler, subProtocol,
                    handshakeInfoFactory));
            Object nativeRequest = ServerHttpRequestDecorator.getNativeRequest(exchange.getRequest());
            if (nativeRequest instanceof Connection connection) {
                EventLoop loop = connection.channel().eventLoop();
                return loop.inEventLoop() ? upgrade : upgrade.subscribeOn(Schedulers.fromExecutor(loop));
            }
            return upgrade;
        }
    }
}
