package ru.rosdistant.gateway.system;

import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import io.netty.channel.EventLoop;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.WebsocketServerSpec;

import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpCookie;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.util.CollectionUtils;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.reactive.config.WebFluxConfigurer;
import org.springframework.web.reactive.socket.HandshakeInfo;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.server.RequestUpgradeStrategy;
import org.springframework.web.reactive.socket.server.WebSocketService;
import org.springframework.web.reactive.socket.server.support.HandshakeWebSocketService;
import org.springframework.web.reactive.socket.server.upgrade.ReactorNettyRequestUpgradeStrategy;
import org.springframework.web.server.ServerWebExchange;
import ru.rosdistant.gateway.live.SocketProperties;

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
        return new HandshakeWebSocketService(new Lean(new ReactorNettyRequestUpgradeStrategy(
                () -> WebsocketServerSpec.builder()
                        .maxFramePayloadLength(limits.maxReadableFrameBytes())
                        .handlePing(false))));
    }

    /**
     * The upgrade as the sockets need it. It resolves the principal first (which may end on another thread),
     * then upgrades on the connection's own event loop, and keeps of the handshake only what the handlers use.
     *
     * <p>On the event loop: the filters before the upgrade may finish on another thread (a database or timer
     * thread); Reactor Netty then completes the handshake and subscribes to the socket's inbound frames a moment
     * after the 101 went out, and a frame the client sends at once (the widget's {@code hello}) can fall into that
     * gap and be lost (reactor-netty#1089). On the event loop the subscription happens before the next read.
     *
     * <p>Lean: only the URI (the visitor's site), the principal (the agent) and the remote address are kept.
     * Spring's {@link HandshakeInfo} would otherwise hold a copy of every request header, the cookies, the
     * exchange's attributes and a principal {@code Mono} reaching back into the security filter chain, and
     * Reactor Netty the request and response headers themselves, all for as long as the socket lives: about
     * 4 KB per idle socket. The Origin and cookie checks are done before the upgrade
     * ({@code VisitorHandshakeGuard}, {@code AgentHandshakeGuard}, Spring Security), so nothing later needs
     * the headers.
     */
    static final class Lean implements RequestUpgradeStrategy {

        private static final MultiValueMap<String, HttpCookie> NO_COOKIES =
                CollectionUtils.unmodifiableMultiValueMap(new LinkedMultiValueMap<>());

        private final RequestUpgradeStrategy delegate;

        Lean(RequestUpgradeStrategy delegate) {
            this.delegate = delegate;
        }

        @Override
        public Mono<Void> upgrade(ServerWebExchange exchange, WebSocketHandler handler, String subProtocol,
                Supplier<HandshakeInfo> handshakeInfoFactory) {
            return exchange.getPrincipal()
                    .map(Optional::of)
                    .defaultIfEmpty(Optional.empty())
                    .flatMap(principal -> onTheEventLoop(exchange, Mono.defer(() -> delegate.upgrade(exchange,
                            session -> {
                                forgetHeaders(exchange);
                                return handler.handle(session);
                            }, subProtocol, () -> {
                                HandshakeInfo full = handshakeInfoFactory.get();
                                return new HandshakeInfo(full.getUri(), HttpHeaders.EMPTY, NO_COOKIES,
                                        Mono.justOrEmpty(principal), full.getSubProtocol(), full.getRemoteAddress(),
                                        Map.of(), full.getLogPrefix());
                            }))));
        }

        private static Mono<Void> onTheEventLoop(ServerWebExchange exchange, Mono<Void> upgrade) {
            if (ServerHttpRequestDecorator.getNativeRequest(exchange.getRequest()) instanceof Connection connection) {
                EventLoop loop = connection.channel().eventLoop();
                return loop.inEventLoop() ? upgrade : upgrade.subscribeOn(Schedulers.fromExecutor(loop));
            }
            return upgrade;
        }

        /** Once the socket is up, the headers of its handshake are not needed by anyone. */
        private static void forgetHeaders(ServerWebExchange exchange) {
            if (ServerHttpRequestDecorator.getNativeRequest(exchange.getRequest()) instanceof HttpServerRequest request) {
                request.requestHeaders().clear();
            }
            if (ServerHttpResponseDecorator.getNativeResponse(exchange.getResponse())
                    instanceof HttpServerResponse response) {
                response.responseHeaders().clear();
            }
        }
    }
}
