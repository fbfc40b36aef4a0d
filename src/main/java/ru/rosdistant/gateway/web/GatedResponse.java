package ru.rosdistant.gateway.web;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ResponseCookie;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;

/**
 * The response as a bounded request's handler sees it: whoever begins the answer owns it. The handler begins
 * it with the first signal of its body (so a body still waiting for the database has not begun), an empty
 * answer, or a stream; {@link RequestTimeout} by {@linkplain #takeOver() taking it over} for its 503. Once taken
 * over, what the handler writes is read to its end and dropped (not cancelled: the work that feeds it may be a
 * query in flight), its status, headers and cookies no longer reach the client, and to the handler the response
 * has been committed.
 */
final class GatedResponse extends ServerHttpResponseDecorator {

    private enum Owner {
        NONE, HANDLER, TIMEOUT
    }

    private final AtomicReference<Owner> owner = new AtomicReference<>(Owner.NONE);

    private final HttpHeaders droppedHeaders = new HttpHeaders();

    private final MultiValueMap<String, ResponseCookie> droppedCookies = new LinkedMultiValueMap<>();

    /** what the filters before the bound had put into the response (CORS): the timeout's answer keeps it */
    private final HttpHeaders headersBefore;

    private final MultiValueMap<String, ResponseCookie> cookiesBefore;

    GatedResponse(ServerHttpResponse response) {
        super(response);
        this.headersBefore = HttpHeaders.copyOf(response.getHeaders());
        this.cookiesBefore = new LinkedMultiValueMap<>(response.getCookies());
    }

    /**
     * Takes the response over for the timeout's answer; false when the handler has begun its own. What the handler
     * had set on it before (a content type, a resource's validators, a Cache-Control that would keep Spring
     * Security's own from being written) is not the timeout's answer's, and is undone.
     */
    boolean takeOver() {
        if (!owner.compareAndSet(Owner.NONE, Owner.TIMEOUT)) {
            return false;
        }
        HttpHeaders headers = getDelegate().getHeaders();
        headers.clear();
        headers.putAll(headersBefore);
        MultiValueMap<String, ResponseCookie> cookies = getDelegate().getCookies();
        cookies.clear();
        cookies.putAll(cookiesBefore);
        return true;
    }

    /** The handler begins (or goes on with) its answer; false when the timeout has taken the response over. */
    private boolean handlerAnswers() {
        return owner.compareAndExchange(Owner.NONE, Owner.HANDLER) != Owner.TIMEOUT;
    }

    private boolean takenOver() {
        return owner.get() == Owner.TIMEOUT;
    }

    @Override
    public boolean setStatusCode(HttpStatusCode status) {
        return !takenOver() && super.setStatusCode(status);
    }

    @Override
    public boolean setRawStatusCode(Integer value) {
        return !takenOver() && super.setRawStatusCode(value);
    }

    @Override
    public boolean isCommitted() {
        return takenOver() || super.isCommitted();
    }

    @Override
    public HttpHeaders getHeaders() {
        return takenOver() ? droppedHeaders : super.getHeaders();
    }

    @Override
    public MultiValueMap<String, ResponseCookie> getCookies() {
        return takenOver() ? droppedCookies : super.getCookies();
    }

    @Override
    public void addCookie(ResponseCookie cookie) {
        if (!takenOver()) {
            super.addCookie(cookie);
        }
    }

    @Override
    public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
        if (body instanceof Mono<? extends DataBuffer> single) {
            return single.singleOptional()
                    .flatMap(buffer -> handlerAnswers() ? super.writeWith(Mono.justOrEmpty(buffer)) : drop(buffer));
        }
        return Flux.<DataBuffer>from(body)
                .switchOnFirst((first, all) -> {
                    if (first.isOnError()) {
                        return all.then();
                    }
                    return handlerAnswers() ? super.writeWith(all) : drain(all);
                })
                .then();
    }

    /** A stream lasts as long as it lasts: it is the handler's from the moment it begins. */
    @Override
    public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
        return handlerAnswers() ? super.writeAndFlushWith(body) : Mono.empty();
    }

    @Override
    public Mono<Void> setComplete() {
        return handlerAnswers() ? super.setComplete() : Mono.empty();
    }

    private static Mono<Void> drop(Optional<? extends DataBuffer> buffer) {
        buffer.ifPresent(DataBufferUtils::release);
        return Mono.empty();
    }

    private static Mono<Void> drain(Flux<DataBuffer> body) {
        return body.doOnNext(DataBufferUtils::release)
                .then();
    }
}
