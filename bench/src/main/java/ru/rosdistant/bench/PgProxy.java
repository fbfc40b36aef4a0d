package ru.rosdistant.bench;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServer;

/**
 * A byte-for-byte TCP proxy in front of PostgreSQL that counts the frontend protocol messages going
 * through it (Q simple query, P parse, B bind, E execute, S sync, …): the SQL round trips of the gateway,
 * exactly, without pg_stat_statements. Counters are served as JSON on {@code --stats-port}. Used only
 * in the profiling run (it adds a hop of latency). Plain-text connections only (r2dbc's default).
 */
final class PgProxy {

    static final Map<Character, LongAdder> COUNTS = new ConcurrentHashMap<>();

    static final LongAdder CONNECTIONS = new LongAdder();

    static void main(Args args) throws InterruptedException {
        int listen = args.integer("listen", 15432);
        String targetHost = args.str("target-host", "127.0.0.1");
        int targetPort = args.integer("target-port", 5432);
        int statsPort = args.integer("stats-port", 18099);
        EventLoopGroup group = new NioEventLoopGroup(1);
        new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel inbound) {
                        inbound.pipeline().addLast(new Frontend(targetHost, targetPort));
                    }
                })
                .bind("127.0.0.1", listen).sync();
        HttpServer.create().host("127.0.0.1").port(statsPort)
                .route(routes -> routes.get("/counters", (req, res) -> res.sendString(Mono.fromSupplier(PgProxy::counters))))
                .bindNow();
        System.err.println("pg proxy 127.0.0.1:" + listen + " -> " + targetHost + ":" + targetPort + ", counters on :"
                + statsPort);
        Thread.currentThread().join();
    }

    static String counters() {
        Map<String, Long> out = new TreeMap<>();
        COUNTS.forEach((type, count) -> out.put(String.valueOf(type), count.sum()));
        out.put("connections", CONNECTIONS.sum());
        return Json.write(out);
    }

    /** Client side: opens the backend connection, relays both ways, counts what the client sends. */
    private static final class Frontend extends ChannelInboundHandlerAdapter {

        private final String host;

        private final int port;

        private Channel backend;

        private final Parser parser = new Parser();

        Frontend(String host, int port) {
            this.host = host;
            this.port = port;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            CONNECTIONS.increment();
            Channel inbound = ctx.channel();
            new Bootstrap().group(inbound.eventLoop())
                    .channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext c, Object msg) {
                            inbound.writeAndFlush(msg);
                        }

                        @Override
                        public void channelInactive(ChannelHandlerContext c) {
                            inbound.close();
                        }
                    })
                    .connect(host, port)
                    .addListener((ChannelFutureListener) future -> {
                        if (future.isSuccess()) {
                            backend = future.channel();
                            inbound.config().setAutoRead(true);
                            inbound.read();
                        }
                        else {
                            inbound.close();
                        }
                    });
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            parser.feed(((ByteBuf) msg).duplicate());
            backend.writeAndFlush(msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (backend != null) {
                backend.close();
            }
        }
    }

    /** Splits the frontend byte stream into messages without buffering them. */
    private static final class Parser {

        private boolean untyped = true;

        private final byte[] header = new byte[8];

        private int filled;

        private long skip;

        void feed(ByteBuf buf) {
            while (buf.isReadable()) {
                if (skip > 0) {
                    int n = (int) Math.min(skip, buf.readableBytes());
                    buf.skipBytes(n);
                    skip -= n;
                    continue;
                }
                header[filled++] = buf.readByte();
                if (untyped && filled == 8) {
                    filled = 0;
                    int length = readInt(0);
                    int code = readInt(4);
                    skip = length - 8;
                    // SSLRequest / GSSENCRequest stay untyped: the startup message follows
                    if (code != 80877103 && code != 80877104) {
                        untyped = false;
                        COUNTS.computeIfAbsent('0', c -> new LongAdder()).increment();
                    }
                }
                else if (!untyped && filled == 5) {
                    filled = 0;
                    char type = (char) header[0];
                    skip = readInt(1) - 4;
                    COUNTS.computeIfAbsent(type, c -> new LongAdder()).increment();
                }
            }
        }

        private int readInt(int at) {
            return ((header[at] & 0xff) << 24) | ((header[at + 1] & 0xff) << 16) | ((header[at + 2] & 0xff) << 8)
                    | (header[at + 3] & 0xff);
        }
    }
}
