package ru.rosdistant.gateway.system;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.WebsocketServerSpec;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;
import reactor.util.context.Context;

import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.HttpCookie;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.util.CollectionUtils;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.util.ObjectUtils;
import org.springframework.web.reactive.config.WebFluxConfigurer;
import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.HandshakeInfo;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.WebSocketMessage;
import org.springframework.web.reactive.socket.WebSocketSession;
import org.springframework.web.reactive.socket.server.RequestUpgradeStrategy;
import org.springframework.web.reactive.socket.server.WebSocketService;
import org.springframework.web.reactive.socket.server.support.HandshakeWebSocketService;
import org.springframework.web.server.ServerWebExchange;
import ru.rosdistant.gateway.live.DirectSocket;
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
        return new HandshakeWebSocketService(new Lean(limits.maxReadableFrameBytes()));
    }

    /**
     * The upgrade as the sockets need it (Spring's {@code ReactorNettyRequestUpgradeStrategy}, leaner). It resolves
     * the principal first (which may end on another thread), then upgrades on the connection's own event loop, and
     * keeps of the handshake only what the handlers use.
     *
     * <p>On the event loop: the filters before the upgrade may finish on another thread (a database or timer
     * thread); Reactor Netty then completes the handshake and subscribes to the socket's inbound frames a moment
     * after the 101 went out, and a frame the client sends at once (the widget's {@code hello}) can fall into that
     * gap and be lost (reactor-netty#1089). On the event loop the subscription happens before the next read.
     *
     * <p>Lean: only the URI (the visitor's site; one instance per distinct URI), the principal (the agent) and the
     * remote address are kept. Spring's {@link HandshakeInfo} would otherwise hold a copy of every request header,
     * the cookies, the exchange's attributes and a principal {@code Mono} reaching back into the security filter
     * chain, and Reactor Netty the request and response headers themselves, all for as long as the socket lives:
     * about 4 KB per idle socket. The Origin and cookie checks are done before the upgrade
     * ({@code VisitorHandshakeGuard}, {@code AgentHandshakeGuard}, Spring Security), so nothing later needs the
     * headers. The session is a {@link DirectSocket}: Reactor Netty takes the connection's frames with no operators between.
     * No {@code checkpoint} per socket (Spring's adds one, with a string of its own, to every socket's pipeline).
     */
    static final class Lean implements RequestUpgradeStrategy {

        private static final MultiValueMap<String, HttpCookie> NO_COOKIES =
                CollectionUtils.unmodifiableMultiValueMap(new LinkedMultiValueMap<>());

        /** Distinct handshake URIs kept at most (the sites' and the agents'; any others are not shared). */
        private static final int SHARED_URIS = 256;

        private final int maxFramePayloadLength;

        /** One URI instance for all the sockets opened with it (about 400 bytes each otherwise). */
        private final Map<String, URI> uris = new ConcurrentHashMap<>();

        private volatile NettyDataBufferFactory sharedBuffers;

        Lean(int maxFramePayloadLength) {
            this.maxFramePayloadLength = maxFramePayloadLength;
        }

        @Override
        public Mono<Void> upgrade(ServerWebExchange exchange, WebSocketHandler handler, String subProtocol,
                Supplier<HandshakeInfo> handshakeInfoFactory) {
            return exchange.getPrincipal()
                    .map(Optional::of)
                    .defaultIfEmpty(Optional.empty())
                    .flatMap(principal -> onTheEventLoop(exchange, Mono.defer(() -> {
                        // Not Spring's handshakeInfoFactory: it reads the request's cookies, which Reactor Netty then
                        // keeps parsed (two maps) with the socket, and copies the headers. No log prefix either: a
                        // string of its own per socket, which only Spring's own sessions log with.
                        ServerHttpRequest request = exchange.getRequest();
                        HandshakeInfo lean = new HandshakeInfo(shared(request.getURI()), HttpHeaders.EMPTY, NO_COOKIES,
                                Mono.justOrEmpty(principal), subProtocol, request.getRemoteAddress(), Map.of(), null);
                        return upgrade(exchange, handler, subProtocol, lean);
                    })));
        }

        /** As Spring's strategy does it: the response's pre-commit actions, then Reactor Netty's upgrade. */
        private Mono<Void> upgrade(ServerWebExchange exchange, WebSocketHandler handler, String subProtocol,
                HandshakeInfo info) {
            ServerHttpResponse response = exchange.getResponse();
            HttpServerResponse reactorResponse = ServerHttpResponseDecorator.getNativeResponse(response);
            NettyDataBufferFactory buffers = shared((NettyDataBufferFactory) response.bufferFactory());
            return response.setComplete().then(Mono.defer(() -> {
                WebsocketServerSpec.Builder spec = WebsocketServerSpec.builder()
                        .maxFramePayloadLength(maxFramePayloadLength)
                        .handlePing(false);
                if (subProtocol != null) {
                    spec.protocols(subProtocol);
                }
                return reactorResponse.sendWebsocket((in, out) -> {
                    forgetHeaders(exchange);
                    return handler.handle(new Session(in, out, info, buffers, maxFramePayloadLength));
                }, spec.build())
                        // Reactor Netty subscribes to the socket's handler with the context of this subscriber, and
                        // keeps it as long as the socket lives: the request's context (the exchange, the security
                        // context's Mono …) would stay with every idle socket. The sockets read nothing from it.
                        .contextWrite(context -> Context.empty());
            }));
        }

        /** One buffer factory for all the sockets on the same allocator (each exchange makes one of its own). */
        private NettyDataBufferFactory shared(NettyDataBufferFactory buffers) {
            NettyDataBufferFactory known = sharedBuffers;
            if (known != null && known.getByteBufAllocator() == buffers.getByteBufAllocator()) {
                return known;
            }
            sharedBuffers = buffers;
            return buffers;
        }

        private URI shared(URI uri) {
            URI known = uris.get(uri.toString());
            if (known != null) {
                return known;
            }
            if (uris.size() >= SHARED_URIS) {
                return uri;
            }
            known = uris.putIfAbsent(uri.toString(), uri);
            return known != null ? known : uri;
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

    /**
     * The WebSocket session over Reactor Netty's inbound and outbound, as Spring's {@code ReactorNettyWebSocketSession}
     * behaves, keeping less: no id string, no attribute map until asked for one, no connection holder. It also sends
     * Netty frames straight from a publisher ({@link DirectSocket}).
     */
    static final class Session implements WebSocketSession, DirectSocket {

        private static final Map<Class<?>, WebSocketMessage.Type> TYPES = Map.of(
                TextWebSocketFrame.class, WebSocketMessage.Type.TEXT,
                BinaryWebSocketFrame.class, WebSocketMessage.Type.BINARY,
                PingWebSocketFrame.class, WebSocketMessage.Type.PING,
                PongWebSocketFrame.class, WebSocketMessage.Type.PONG);

        private final WebsocketInbound inbound;

        private final WebsocketOutbound outbound;

        private final HandshakeInfo info;

        private final NettyDataBufferFactory buffers;

        private final int maxFramePayloadLength;

        private Map<String, Object> attributes;

        Session(WebsocketInbound inbound, WebsocketOutbound outbound, HandshakeInfo info,
                NettyDataBufferFactory buffers, int maxFramePayloadLength) {
            this.inbound = inbound;
            this.outbound = outbound;
            this.info = info;
            this.buffers = buffers;
            this.maxFramePayloadLength = maxFramePayloadLength;
        }

        @Override
        public String getId() {
            return ObjectUtils.getIdentityHexString(this);
        }

        @Override
        public HandshakeInfo getHandshakeInfo() {
            return info;
        }

        @Override
        public NettyDataBufferFactory bufferFactory() {
            return buffers;
        }

        @Override
        public synchronized Map<String, Object> getAttributes() {
            if (attributes == null) {
                attributes = new ConcurrentHashMap<>();
            }
            return attributes;
        }

        @Override
        public Flux<WebSocketMessage> receive() {
            return inbound.aggregateFrames(maxFramePayloadLength)
                    .receiveFrames()
                    .map(frame -> new WebSocketMessage(TYPES.get(frame.getClass()), buffers.wrap(frame.content()),
                            frame));
        }

        @Override
        public Mono<Void> send(Publisher<WebSocketMessage> messages) {
            return outbound.sendObject(Flux.from(messages).map(Session::toFrame)).then();
        }

        private static WebSocketFrame toFrame(WebSocketMessage message) {
            ByteBuf payload = NettyDataBufferFactory.toByteBuf(message.getPayload());
            return switch (message.getType()) {
                case TEXT -> new TextWebSocketFrame(payload);
                case BINARY -> new BinaryWebSocketFrame(payload);
                case PING -> new PingWebSocketFrame(payload);
                case PONG -> new PongWebSocketFrame(payload);
            };
        }

        @Override
        public Object textFrame(byte[] utf8) {
            return new TextWebSocketFrame(Unpooled.wrappedBuffer(utf8));
        }

        @Override
        public Mono<Void> sendFrames(Publisher<?> frames) {
            return outbound.sendObject(frames).then();
        }

        @Override
        public boolean isOpen() {
            boolean[] open = new boolean[1];
            inbound.withConnection(connection -> open[0] = !connection.isDisposed());
            return open[0];
        }

        @Override
        public Mono<Void> close(CloseStatus status) {
            // the client's close frame comes back through receiveCloseStatus
            return outbound.sendClose(status.getCode(), status.getReason());
        }

        @Override
        public Mono<CloseStatus> closeStatus() {
            return inbound.receiveCloseStatus().map(status -> CloseStatus.create(status.code(), status.reasonText()));
        }

        @Override
        public WebSocketMessage textMessage(String payload) {
            return new WebSocketMessage(WebSocketMessage.Type.TEXT,
                    buffers.wrap(payload.getBytes(StandardCharsets.UTF_8)));
        }

        @Override
        public WebSocketMessage binaryMessage(Function<DataBufferFactory, DataBuffer> payloadFactory) {
            return new WebSocketMessage(WebSocketMessage.Type.BINARY, payloadFactory.apply(buffers));
        }

        @Override
        public WebSocketMessage pingMessage(Function<DataBufferFactory, DataBuffer> payloadFactory) {
            return new WebSocketMessage(WebSocketMessage.Type.PING, payloadFactory.apply(buffers));
        }

        @Override
        public WebSocketMessage pongMessage(Function<DataBufferFactory, DataBuffer> payloadFactory) {
            return new WebSocketMessage(WebSocketMessage.Type.PONG, payloadFactory.apply(buffers));
        }

        @Override
        public String toString() {
            return "Session[" + getId() + ", uri=" + info.getUri() + "]";
        }
    }
}
