package ru.rosdistant.bench;

import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.WebsocketClientSpec;

/**
 * One client WebSocket: frames to send go through a per-socket sink (emits are serialised, so any thread
 * may send), frames received are parsed and handed to the owner's handler on the event loop.
 */
final class WsConn {

    private static final WebsocketClientSpec SPEC = WebsocketClientSpec.builder()
            .maxFramePayloadLength(1 << 20)
            .handlePing(false)
            .build();

    /** RFC 7395: an XMPP client asks for the "xmpp" subprotocol. */
    private static final WebsocketClientSpec XMPP_SPEC = WebsocketClientSpec.builder()
            .maxFramePayloadLength(1 << 20)
            .handlePing(false)
            .protocols("xmpp")
            .build();

    private final Sinks.Many<String> outbound = Sinks.many().unicast().onBackpressureBuffer();

    private final CompletableFuture<WsConn> upgraded = new CompletableFuture<>();

    private final CompletableFuture<Void> closed = new CompletableFuture<>();

    private volatile Consumer<JsonNode> handler = frame -> { };

    /** when set, text frames go here as they are (XMPP), not through the JSON parser */
    private volatile Consumer<String> textHandler;

    private volatile Connection connection;

    /** The node that took the socket, as a load balancer names it in {@code X-Gateway-Node} (bench/haproxy/), or null. */
    volatile String node;

    /** The close code the server sent, or -1 (none yet, or the connection dropped without a close frame). */
    private volatile int closeCode = -1;

    void onFrame(Consumer<JsonNode> handler) {
        this.handler = handler;
    }

    void onText(Consumer<String> textHandler) {
        this.textHandler = textHandler;
    }

    /** Opens the socket; the returned future completes when the upgrade succeeded. */
    CompletableFuture<WsConn> connect(HttpClient client, String uri, String origin, String cookie) {
        return connect(client, uri, origin, cookie, SPEC);
    }

    /** Opens an XMPP-over-WebSocket socket (subprotocol "xmpp"); frames go to {@link #onText}. */
    CompletableFuture<WsConn> connectXmpp(HttpClient client, String uri, String origin) {
        return connect(client, uri, origin, null, XMPP_SPEC);
    }

    private CompletableFuture<WsConn> connect(HttpClient client, String uri, String origin, String cookie,
            WebsocketClientSpec spec) {
        client.headers(headers -> {
                    headers.set("Origin", origin);
                    if (cookie != null) {
                        headers.set("Cookie", cookie);
                    }
                })
                .websocket(spec)
                .uri(uri)
                .handle((in, out) -> {
                    in.withConnection(c -> connection = c);
                    node = in.headers().get("X-Gateway-Node");
                    in.receiveCloseStatus().subscribe(status -> closeCode = status.code());
                    upgraded.complete(this);
                    Mono<Void> receive = in.aggregateFrames(1 << 20)
                            .receiveFrames()
                            .doOnNext(frame -> {
                                if (frame instanceof TextWebSocketFrame text) {
                                    dispatch(text.text());
                                }
                            })
                            .doFinally(signal -> completeOutbound())
                            .then();
                    Mono<Void> send = out.sendString(outbound.asFlux()).then();
                    return Mono.when(receive, send);
                })
                .subscribe(null, error -> {
                    upgraded.completeExceptionally(error);
                    closed.complete(null);
                }, () -> {
                    upgraded.completeExceptionally(new IllegalStateException("closed before the upgrade"));
                    closed.complete(null);
                });
        return upgraded;
    }

    private void dispatch(String text) {
        Consumer<String> raw = textHandler;
        if (raw != null) {
            try {
                raw.accept(text);
            }
            catch (RuntimeException ex) {
                ex.printStackTrace();
            }
            return;
        }
        JsonNode frame;
        try {
            frame = Json.parse(text);
        }
        catch (RuntimeException ex) {
            System.err.println("Unparseable frame: " + text);
            return;
        }
        try {
            handler.accept(frame);
        }
        catch (RuntimeException ex) {
            ex.printStackTrace();
        }
    }

    void send(String frame) {
        synchronized (this) {
            outbound.tryEmitNext(frame);
        }
    }

    int closeCode() {
        return closeCode;
    }

    boolean isUpgraded() {
        return upgraded.isDone() && !upgraded.isCompletedExceptionally();
    }

    boolean isClosed() {
        return closed.isDone();
    }

    CompletableFuture<Void> closedFuture() {
        return closed;
    }

    private void completeOutbound() {
        synchronized (this) {
            outbound.tryEmitComplete();
        }
    }

    void close() {
        completeOutbound();
        Connection c = connection;
        if (c != null) {
            c.dispose();
        }
    }
}
