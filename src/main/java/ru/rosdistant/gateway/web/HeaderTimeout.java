package ru.rosdistant.gateway.web;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.NettyPipeline;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.stereotype.Component;

/**
 * Bounds how long a client may take to send a request's line and headers ({@code gateway.web.header-timeout}): from
 * the first byte of a request until its headers are read. A connection that has not sent them by then is closed. The
 * idle timeout ({@code server.netty.idle-timeout}) closes a connection that sends nothing at all; this one closes a
 * client that sends its headers a byte at a time, which the idle timeout never sees idle. The body is not bounded
 * here: uploads take their time (the request bound, {@link RequestTimeout}, covers the rest of a REST request).
 * <p>
 * Also keeps Reactor Netty from reading forwarded headers itself: {@link TrustedProxies} decides whose count.
 */
@Component
class HeaderTimeout implements NettyServerCustomizer {

    private static final Logger log = LoggerFactory.getLogger(HeaderTimeout.class);

    private final Duration timeout;

    HeaderTimeout(WebRequestProperties properties) {
        this.timeout = properties.headerTimeout();
    }

    @Override
    public HttpServer apply(HttpServer server) {
        HttpServer untrusting = server.forwarded(false);
        if (timeout.isZero() || timeout.isNegative()) {
            return untrusting;
        }
        return untrusting.doOnChannelInit((observer, channel, remote) -> {
            if (channel.pipeline().get(NettyPipeline.HttpCodec) != null) {
                Watch watch = new Watch(timeout.toNanos());
                channel.pipeline().addBefore(NettyPipeline.HttpCodec, "gateway.headerTimeout.bytes", watch.bytes);
                channel.pipeline().addAfter(NettyPipeline.HttpCodec, "gateway.headerTimeout.requests", watch.requests);
            }
        });
    }

    /**
     * One connection's watch: the bytes side starts the clock at the first byte of a request, the requests side
     * stops it when the codec has read the request's head and starts waiting again after its last content. After
     * a WebSocket upgrade (Reactor Netty removes its HTTP traffic handler) the watch takes itself away.
     */
    private static final class Watch {

        private final long nanos;

        private boolean inRequest;

        private ScheduledFuture<?> deadline;

        final ChannelInboundHandlerAdapter bytes = new ChannelInboundHandlerAdapter() {

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (!inRequest && deadline == null && msg instanceof ByteBuf buffer && buffer.isReadable()) {
                    if (ctx.pipeline().get(NettyPipeline.HttpTrafficHandler) == null) {
                        remove(ctx.channel());
                    }
                    else {
                        Channel channel = ctx.channel();
                        deadline = ctx.executor().schedule(() -> expire(channel), nanos, TimeUnit.NANOSECONDS);
                    }
                }
                ctx.fireChannelRead(msg);
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                cancel();
                ctx.fireChannelInactive();
            }
        };

        final ChannelInboundHandlerAdapter requests = new ChannelInboundHandlerAdapter() {

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof HttpRequest) {
                    cancel();
                    inRequest = true;
                }
                if (msg instanceof LastHttpContent) {
                    inRequest = false;
                }
                ctx.fireChannelRead(msg);
            }
        };

        Watch(long nanos) {
            this.nanos = nanos;
        }

        private void expire(Channel channel) {
            deadline = null;
            if (!inRequest && channel.isActive()) {
                log.debug("Closing {}: no complete request head within the header timeout", channel.remoteAddress());
                channel.close();
            }
        }

        private void cancel() {
            if (deadline != null) {
                deadline.cancel(false);
                deadline = null;
            }
        }

        private void remove(Channel channel) {
            cancel();
            if (channel.pipeline().context(bytes) != null) {
                channel.pipeline().remove(bytes);
            }
            if (channel.pipeline().context(requests) != null) {
                channel.pipeline().remove(requests);
            }
        }
    }
}
