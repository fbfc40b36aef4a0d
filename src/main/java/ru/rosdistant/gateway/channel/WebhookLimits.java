package ru.rosdistant.gateway.channel;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.annotation.Order;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.PathContainer;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.BodyExtractors;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;
import ru.rosdistant.gateway.web.ClientBuckets;
import ru.rosdistant.gateway.web.ClientAddress;

/**
 * The limits of the messengers' webhook doors ({@code /channel/**}: Telegram, Viber, WhatsApp, VK, MAX), applied
 * before the handler runs and so before the caller is authenticated. Requests per second per bot and calling
 * address ({@link ClientAddress}): the bot's {@code webhook-requests-per-second}, bursts of twice that; more get
 * 429 with {@code Retry-After}. The body ({@code gateway.channel.webhook-max-body}): a declared length over the limit
 * gets 413 at once, and a body without one is read no further than the limit (the handler's read then fails with
 * {@link DataBufferLimitException}, answered 413 too). A name that is no bot on: the bucket of the unknown names,
 * at the default rate.
 */
@Component
@Order(WebhookLimits.ORDER)
public class WebhookLimits implements WebFilter {

    /** Before the security chain (-100): a refused request costs nothing more. */
    static final int ORDER = -200;

    private static final PathPattern DOORS = PathPatternParser.defaultInstance.parse("/channel/**");

    private static final PathPattern DOOR = PathPatternParser.defaultInstance.parse("/channel/{platform}/{bot}");

    private static final int TRACKED_ADDRESSES = 10_000;

    /** the rate of a bot file without {@code webhook-requests-per-second} */
    private static final int DEFAULT_RATE = 100;

    private static final String UNKNOWN = "";

    private final BotConfigs bots;

    private final long maxBody;

    private final Map<String, ClientBuckets> perBot = new ConcurrentHashMap<>();

    WebhookLimits(BotConfigs bots, ChannelProperties properties) {
        this.bots = bots;
        this.maxBody = properties.webhookMaxBody().toBytes();
    }

    /**
     * The raw body of a webhook request, empty if there is none; read as bytes whatever its content type says,
     * and no further than this filter lets it.
     */
    public static Mono<byte[]> body(ServerRequest request) {
        return DataBufferUtils.join(request.body(BodyExtractors.toDataBuffers()))
                .map(buffer -> {
                    byte[] bytes = new byte[buffer.readableByteCount()];
                    buffer.read(bytes);
                    DataBufferUtils.release(buffer);
                    return bytes;
                })
                .defaultIfEmpty(new byte[0]);
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        ServerHttpRequest request = exchange.getRequest();
        PathContainer path = request.getPath().pathWithinApplication();
        if (!DOORS.matches(path)) {
            return chain.filter(exchange);
        }
        Duration wait = buckets(path).tryAcquire(ClientAddress.of(request)).orElse(null);
        if (wait != null) {
            exchange.getResponse().getHeaders().set(HttpHeaders.RETRY_AFTER, String.valueOf(wait.toSeconds() + 1));
            return refuse(exchange.getResponse(), HttpStatus.TOO_MANY_REQUESTS, "Too many requests to this webhook");
        }
        if (request.getHeaders().getContentLength() > maxBody) {
            return tooLarge(exchange);
        }
        return chain.filter(exchange.mutate().request(new LimitedBody(request, maxBody)).build())
                .onErrorResume(DataBufferLimitException.class, error -> exchange.getResponse().isCommitted()
                        ? Mono.error(error) : tooLarge(exchange));
    }

    private ClientBuckets buckets(PathContainer path) {
        PathPattern.PathMatchInfo door = DOOR.matchAndExtract(path);
        Bot bot = door == null ? null : Platform.ofSegment(door.getUriVariables().get("platform"))
                .flatMap(platform -> bots.find(door.getUriVariables().get("bot"), platform))
                .orElse(null);
        int rate = bot == null ? DEFAULT_RATE : bot.config().webhookRequestsPerSecond();
        return perBot.computeIfAbsent(bot == null ? UNKNOWN : bot.id(),
                id -> new ClientBuckets(rate, rate * 2, TRACKED_ADDRESSES));
    }

    private static Mono<Void> tooLarge(ServerWebExchange exchange) {
        return refuse(exchange.getResponse(), HttpStatus.CONTENT_TOO_LARGE,
                "The body is larger than the gateway accepts");
    }

    /** A problem detail (RFC 9457) with a fixed text, as the doors' own answers are. */
    private static Mono<Void> refuse(ServerHttpResponse response, HttpStatus status, String detail) {
        response.setStatusCode(status);
        response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        byte[] body = ("{\"type\":\"about:blank\",\"title\":\"" + status.getReasonPhrase() + "\",\"status\":"
                + status.value() + ",\"detail\":\"" + detail + "\"}").getBytes(StandardCharsets.UTF_8);
        response.getHeaders().setContentLength(body.length);
        return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
    }

    /** The request whose body fails with {@link DataBufferLimitException} once more than the limit has come. */
    private static final class LimitedBody extends ServerHttpRequestDecorator {

        private final long max;

        LimitedBody(ServerHttpRequest request, long max) {
            super(request);
            this.max = max;
        }

        @Override
        public Flux<DataBuffer> getBody() {
            AtomicLong read = new AtomicLong();
            return super.getBody()
                    .map(buffer -> {
                        if (read.addAndGet(buffer.readableByteCount()) > max) {
                            DataBufferUtils.release(buffer);
                            throw new DataBufferLimitException("The body is over " + max + " bytes");
                        }
                        return buffer;
                    });
        }
    }
}
