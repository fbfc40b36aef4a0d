package ru.rosdistant.gateway.drill;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.netty.handler.codec.http.HttpHeaderNames;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import ru.rosdistant.gateway.OwnNettyResources;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What an anonymous client can hold open, and whose address a per-client limit counts: sockets that never say hello,
 * many sockets from one address, a request whose headers never end, X-Forwarded-For from anyone. The gateway runs
 * with short limits of its own; every test comes from a loopback address of its own (any of 127.0.0.0/8 reaches it),
 * so their limits do not meet. 127.0.0.2 is the trusted reverse proxy.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "gateway.socket.hello-timeout=1s", "gateway.socket.max-per-client=3", "gateway.web.header-timeout=1s",
        "gateway.web.trusted-proxies=127.0.0.2, 10.9.0.0/16" })
@ActiveProfiles("test")
@DirtiesContext
@org.springframework.context.annotation.Import(OwnNettyResources.class)
class EdgeLimitsTests {

    private static final String PROXY = "127.0.0.2";

    private static final Map<String, String> LAB1 = Map.of("Origin", "https://lab1.test");

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Test
    void aVisitorSocketThatNeverSaysHelloIsClosedWith4408() throws IOException {
        long started = System.nanoTime();
        try (RawSocket silent = RawSocket.open(port, "/ws/visitor?site=lab1", LAB1, "127.0.0.6")) {
            assertThat(silent.next()).as("no frame before the close").isNull();
            assertThat(silent.closeCode()).isEqualTo(4408);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
        // one that says hello stays past the timeout
        try (RawSocket visitor = RawSocket.open(port, "/ws/visitor?site=lab1", LAB1, "127.0.0.6")) {
            visitor.send(Map.of("type", "hello"));
            visitor.awaitType("welcome");
            sleep(Duration.ofMillis(1500));
            visitor.send(Map.of("type", "ping"));
            assertThat(visitor.awaitType("pong")).isNotNull();
        }
    }

    @Test
    void theSocketOverTheCapOfOneAddressIsRefusedWith429() throws IOException {
        List<RawSocket> open = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                RawSocket visitor = RawSocket.open(port, "/ws/visitor?site=lab1", LAB1, "127.0.0.7");
                open.add(visitor);
                visitor.send(Map.of("type", "hello"));
                visitor.awaitType("welcome");
            }
            assertThatThrownBy(() -> RawSocket.open(port, "/ws/visitor?site=lab1", LAB1, "127.0.0.7"))
                    .hasMessageContaining("429");
            // another address is not counted with it
            try (RawSocket other = RawSocket.open(port, "/ws/visitor?site=lab1", LAB1, "127.0.0.8")) {
                other.send(Map.of("type", "hello"));
                other.awaitType("welcome");
            }
            // a socket that goes gives its place back
            open.remove(0).close();
            RawSocket again = eventually(() -> RawSocket.open(port, "/ws/visitor?site=lab1", LAB1, "127.0.0.7"));
            open.add(again);
        }
        finally {
            open.forEach(RawSocket::close);
        }
    }

    @Test
    void aRequestWhoseHeadersNeverEndIsDisconnectedAfterTheHeaderTimeout() throws IOException {
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress("127.0.0.9", 0));
            socket.connect(new InetSocketAddress("localhost", port), 5000);
            socket.setSoTimeout(200);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            long started = System.nanoTime();
            out.write("GET /actuator/health HTTP/1.1\r\nHost: localhost\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            boolean closed = false;
            // a header byte every 200 ms: never idle, never done
            while (!closed && System.nanoTime() - started < Duration.ofSeconds(15).toNanos()) {
                try {
                    out.write('X');
                    out.flush();
                    closed = in.read() < 0;
                }
                catch (SocketTimeoutException stillOpen) {
                    // nothing to read yet
                }
                catch (IOException reset) {
                    closed = true;
                }
            }
            Duration held = Duration.ofNanos(System.nanoTime() - started);
            System.out.println("EdgeLimitsTests: a request with unfinished headers was held " + held.toMillis() + " ms");
            assertThat(closed).as("closed by the gateway").isTrue();
            assertThat(held).isLessThan(Duration.ofSeconds(8));
        }
    }

    @Test
    void xForwardedForFromAnUntrustedAddressIsIgnoredByTheFormLimit() {
        // the form limit is 10 at once per client; an empty form is refused (400) after taking its token
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            statuses.add(postForm("127.0.0.3", Map.of("X-Forwarded-For", "198.51.100." + i)));
        }
        assertThat(statuses.subList(0, 10)).containsOnly(400);
        assertThat(statuses.subList(10, 12)).containsOnly(429);
    }

    @Test
    void xForwardedForFromATrustedProxyIsHonouredRightmostFirst() {
        for (int i = 0; i < 12; i++) {
            assertThat(postForm(PROXY, Map.of("X-Forwarded-For", "203.0.113." + i))).as("client %d", i)
                    .isEqualTo(400);
        }
        // what the client wrote itself stands left of what the proxy appended: it does not make another client
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            statuses.add(postForm(PROXY, Map.of("X-Forwarded-For", "192.0.2." + i + ", 203.0.113.200")));
        }
        assertThat(statuses.subList(10, 12)).containsOnly(429);
        // a chain of trusted proxies is walked through to the client
        assertThat(postForm(PROXY, Map.of("X-Forwarded-For", "203.0.113.201, 10.9.3.4"))).isEqualTo(400);
    }

    @Test
    void theSessionCookieIsSecureBehindATrustedTlsProxyOnly() {
        Agent agent = Staff.agent(agents, "lab21", 1);
        assertThat(loginCookie(PROXY, agent)).contains("Secure");
        assertThat(loginCookie("127.0.0.3", agent)).doesNotContain("Secure");
    }

    private String loginCookie(String from, Agent agent) {
        return client(from)
                .headers(headers -> headers.set(HttpHeaderNames.CONTENT_TYPE, "application/x-www-form-urlencoded")
                        .set("X-Forwarded-Proto", "https")
                        .set("X-Forwarded-For", "203.0.113.77"))
                .post()
                .uri("/login")
                .send(ByteBufFlux.fromString(Mono.just("username=" + agent.login() + "&password=" + Staff.PASSWORD)))
                .responseSingle((response, body) -> {
                    assertThat(response.status().code()).isEqualTo(200);
                    return Mono.just(String.join("; ", response.responseHeaders().getAll(HttpHeaderNames.SET_COOKIE)));
                })
                .block(Duration.ofSeconds(30));
    }

    private int postForm(String from, Map<String, String> headers) {
        return client(from)
                .headers(h -> {
                    h.set(HttpHeaderNames.CONTENT_TYPE, "application/json");
                    headers.forEach(h::set);
                })
                .post()
                .uri("/api/offline-forms")
                .send(ByteBufFlux.fromString(Mono.just("{}")))
                .responseSingle((response, body) -> Mono.just(response.status().code()))
                .block(Duration.ofSeconds(30));
    }

    private HttpClient client(String from) {
        return HttpClient.create()
                .bindAddress(() -> new InetSocketAddress(from, 0))
                .baseUrl("http://127.0.0.1:" + port);
    }

    private interface Attempt<T> {
        T get() throws IOException;
    }

    private static <T> T eventually(Attempt<T> attempt) throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try {
                return attempt.get();
            }
            catch (IOException refused) {
                if (System.nanoTime() > deadline) {
                    throw refused;
                }
                sleep(Duration.ofMillis(100));
            }
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
