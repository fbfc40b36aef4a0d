package ru.rosdistant.bench;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpHeaderNames;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * The generator's Reactor Netty clients: one unpooled {@link HttpClient} per loopback source address
 * (127.0.0.2 … 127.0.0.(1+sources)), picked round-robin, so each source address has its own ~28k
 * ephemeral ports and tens of thousands of sockets fit. Also the few REST calls (admin, login).
 */
final class Transport {

    final String base;

    final String origin;

    final String wsBase;

    private final List<HttpClient> clients;

    private final HttpClient rest;

    private final AtomicInteger next = new AtomicInteger();

    Transport(String baseUrl, int sources, int threads) {
        URI uri = URI.create(baseUrl);
        this.base = baseUrl.replaceAll("/+$", "");
        this.origin = uri.getScheme() + "://" + uri.getHost() + ":" + uri.getPort();
        this.wsBase = "ws://" + uri.getHost() + ":" + uri.getPort();
        LoopResources loops = LoopResources.create("bench", threads, true);
        HttpClient template = HttpClient.create(ConnectionProvider.newConnection())
                .runOn(loops)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000)
                .option(ChannelOption.TCP_NODELAY, true)
                .responseTimeout(Duration.ofSeconds(60));
        this.clients = java.util.stream.IntStream.range(0, Math.max(1, sources))
                .mapToObj(i -> sources <= 0 ? template
                        : template.bindAddress(() -> new InetSocketAddress("127.0.0." + (2 + i), 0)))
                .toList();
        this.rest = HttpClient.create(ConnectionProvider.create("rest", 16)).runOn(loops).baseUrl(base)
                .responseTimeout(Duration.ofSeconds(60));
    }

    HttpClient nextClient() {
        return clients.get(Math.floorMod(next.getAndIncrement(), clients.size()));
    }

    int sources() {
        return clients.size();
    }

    /** Creates an agent through the admin REST API (HTTP Basic); returns the HTTP status. */
    int createAgent(String admin, String login, String name, String password, String line, int maxDialogs) {
        String body = Json.write(java.util.Map.of("login", login, "displayName", name, "password", password,
                "roles", List.of("AGENT"), "lines", List.of(line), "maxDialogs", maxDialogs));
        String basic = "Basic " + Base64.getEncoder().encodeToString(admin.getBytes(StandardCharsets.UTF_8));
        return rest.headers(h -> h.set(HttpHeaderNames.AUTHORIZATION, basic)
                        .set(HttpHeaderNames.CONTENT_TYPE, "application/json"))
                .post()
                .uri("/api/admin/agents")
                .send(ByteBufFlux.fromString(Mono.just(body)))
                .responseSingle((response, content) -> content.asString().defaultIfEmpty("")
                        .map(text -> {
                            if (response.status().code() != 201) {
                                System.err.println("create agent " + login + ": " + response.status() + " " + text);
                            }
                            return response.status().code();
                        }))
                .block(Duration.ofSeconds(60));
    }

    /** Logs in with the console's form; returns the {@code Cookie} header value for the WebSocket. */
    String login(String login, String password) {
        return rest.post()
                .uri("/login")
                .sendForm((request, form) -> form.attr("username", login).attr("password", password))
                .responseSingle((response, content) -> content.asString().defaultIfEmpty("").map(text -> {
                    if (response.status().code() != 200) {
                        throw new IllegalStateException("login " + login + ": " + response.status() + " " + text);
                    }
                    List<String> cookies = response.responseHeaders().getAll(HttpHeaderNames.SET_COOKIE);
                    return cookies.stream()
                            .map(cookie -> cookie.split(";", 2)[0])
                            .filter(cookie -> cookie.startsWith("SESSION="))
                            .findFirst()
                            .orElseThrow(() -> new IllegalStateException("no SESSION cookie for " + login));
                }))
                .block(Duration.ofSeconds(60));
    }
}
