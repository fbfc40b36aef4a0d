package ru.rosdistant.gateway.channel;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.BodyExtractors;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import ru.rosdistant.gateway.shared.ClientBuckets;

/**
 * The limits of a public webhook door (VK, MAX), applied before the caller is authenticated: requests per
 * second per calling address and bot ({@code webhook-requests-per-second} of the bot file, bursts of twice
 * that), and the size of the body ({@code gateway.channel.webhook-max-body}), read no further than the limit.
 */
@Component
public class WebhookLimits {

    private static final int TRACKED_ADDRESSES = 10_000;

    private final long maxBody;

    private final Map<String, ClientBuckets> perBot = new ConcurrentHashMap<>();

    WebhookLimits(ChannelProperties properties) {
        this.maxBody = properties.webhookMaxBody().toBytes();
    }

    /** A 429 answer when this address calls the bot's door faster than the bot allows; else empty. */
    public Optional<Mono<ServerResponse>> tooFast(Bot bot, ServerRequest request) {
        int rate = bot.config().webhookRequestsPerSecond();
        ClientBuckets buckets = perBot.computeIfAbsent(bot.id(),
                id -> new ClientBuckets(rate, rate * 2, TRACKED_ADDRESSES));
        String client = request.remoteAddress()
                .map(address -> address.getAddress() == null ? address.getHostString()
                        : address.getAddress().getHostAddress())
                .orElse("unknown");
        return buckets.tryAcquire(client)
                .map(wait -> ServerResponse.status(HttpStatus.TOO_MANY_REQUESTS)
                        .header(HttpHeaders.RETRY_AFTER, String.valueOf(Math.max(1, wait.toSeconds() + 1)))
                        .bodyValue(ProblemDetail.forStatusAndDetail(HttpStatus.TOO_MANY_REQUESTS,
                                "Too many requests to this webhook")));
    }

    /**
     * The raw body, empty if there is none. A declared or actual length over the limit fails with
     * {@link DataBufferLimitException}, which {@link WebhookFailures} answers with 413.
     */
    public Mono<byte[]> body(ServerRequest request) {
        if (request.headers().contentLength().orElse(0) > maxBody) {
            return Mono.error(new DataBufferLimitException("Content-Length over " + maxBody + " bytes"));
        }
        return DataBufferUtils.join(request.body(BodyExtractors.toDataBuffers()), (int) maxBody)
                .map(buffer -> {
                    byte[] bytes = new byte[buffer.readableByteCount()];
                    buffer.read(bytes);
                    DataBufferUtils.release(buffer);
                    return bytes;
                })
                .defaultIfEmpty(new byte[0]);
    }
}
