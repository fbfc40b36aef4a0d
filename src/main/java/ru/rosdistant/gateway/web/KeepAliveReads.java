package ru.rosdistant.gateway.web;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import reactor.netty.NettyPipeline;
import reactor.netty.channel.ChannelOperations;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.stereotype.Component;

/**
 * Keeps a keep-alive connection being read after Reactor Netty's request buffer drained without a request
 * (reactor/reactor-netty#4361, fixed in Reactor Netty 1.3.8; Spring Boot 4.0.7 brings 1.3.6).
 * <p>
 * Reactor Netty reads an HTTP/1.1 connection on demand: every read is asked for by an explicit {@code read()}. A
 * request that arrives while the previous one's operations are still finishing (its answer written, the write not
 * yet completed) is buffered with its last content. When that buffered request is answered at once (a 401 or 403
 * before any I/O), its operations end while the buffer still holds the request's last content; the buffer is then
 * drained with no request in it, and nothing asks for the next read. The client's next request on that connection
 * stays unread in the socket until the client gives up: a REST call that silently gets no answer, with nothing
 * logged (docs/reliability.md, *The silent REST stalls*).
 * <p>
 * This handler sits right after Reactor Netty's HTTP traffic handler and sees what the buffer hands on. Content that
 * reaches it when no request's operations are attached is what such a drain delivers; once the drain is over (the
 * task runs after it on the connection's event loop), it asks for the next read if there still is no request being
 * served. A read asked for twice is read once, so this never reads ahead of Reactor Netty's own back-pressure: with
 * a request being served, it does nothing.
 */
@Component
class KeepAliveReads implements NettyServerCustomizer {

    static final String HANDLER = "gateway.keepAliveReads";

    private final Counter resumed;

    KeepAliveReads(MeterRegistry registry) {
        this.resumed = Counter.builder("gateway.web.keepalive.reads.resumed")
                .description("Keep-alive connections whose reading was resumed after Reactor Netty's request "
                        + "buffer drained without a request (reactor/reactor-netty#4361)")
                .register(registry);
    }

    @Override
    public HttpServer apply(HttpServer server) {
        return server.doOnChannelInit((observer, channel, remote) -> {
            if (channel.pipeline().get(NettyPipeline.HttpTrafficHandler) != null) {
                channel.pipeline().addAfter(NettyPipeline.HttpTrafficHandler, HANDLER, new Resume(resumed));
            }
        });
    }

    private static final class Resume extends ChannelInboundHandlerAdapter {

        private final Counter resumed;

        Resume(Counter resumed) {
            this.resumed = resumed;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof WebSocketFrame) {
                // upgraded: no HTTP request comes on this connection any more, and an idle socket keeps no handler
                // it does not need (this one and its context, 88 bytes)
                ctx.fireChannelRead(msg);
                if (!ctx.isRemoved()) {
                    ctx.pipeline().remove(this);
                }
                return;
            }
            boolean unattached = msg instanceof HttpContent && ChannelOperations.get(ctx.channel()) == null;
            ctx.fireChannelRead(msg);
            if (unattached) {
                Channel channel = ctx.channel();
                ctx.executor().execute(() -> resume(channel));
            }
        }

        private void resume(Channel channel) {
            if (channel.isActive() && !channel.config().isAutoRead() && ChannelOperations.get(channel) == null
                    && channel.pipeline().get(HANDLER) != null) {
                resumed.increment();
                channel.read();
            }
        }
    }
}
