package ru.rosdistant.gateway.web;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.boot.web.server.autoconfigure.ServerProperties;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrustedProxiesTests {

    private final TrustedProxies proxies = new TrustedProxies(new WebRequestProperties(Duration.ofSeconds(15),
            List.of("10.0.0.5", "10.1.0.0/16", "2001:db8::/32"), Duration.ofSeconds(10)), new ServerProperties());

    @Test
    void forwardedHeadersFromAnyoneElseAreRemovedAndChangeNothing() {
        ServerHttpRequest request = proxies.apply(from("198.51.100.1")
                .header("X-Forwarded-For", "203.0.113.9")
                .header("X-Forwarded-Proto", "https")
                .build());
        assertThat(ClientAddress.of(request)).isEqualTo("198.51.100.1");
        assertThat(request.getURI().getScheme()).isEqualTo("http");
        assertThat(request.getHeaders().containsHeader("X-Forwarded-For")).isFalse();
    }

    @Test
    void theClientIsTheRightmostAddressThatIsNotATrustedProxy() {
        ServerHttpRequest request = proxies.apply(from("10.0.0.5")
                .header("X-Forwarded-For", "192.0.2.1, 203.0.113.9, 10.1.7.7")
                .header("X-Forwarded-Proto", "https")
                .build());
        assertThat(ClientAddress.of(request)).isEqualTo("203.0.113.9");
        assertThat(request.getURI().getScheme()).isEqualTo("https");
        assertThat(ClientAddress.of(proxies.apply(from("2001:db8::7").header("X-Forwarded-For", "[2001:db9::1]:443")
                .build()))).isEqualTo("2001:db9:0:0:0:0:0:1");
    }

    @Test
    void aNameInXForwardedForIsNeverLookedUpAndStopsTheWalk() {
        ServerHttpRequest request = proxies.apply(from("10.0.0.5")
                .header("X-Forwarded-For", "203.0.113.9, localhost")
                .build());
        assertThat(ClientAddress.of(request)).isEqualTo("10.0.0.5");
    }

    @Test
    void aForwardHeadersStrategyThatTrustsAnyoneStopsTheStart() {
        ServerProperties server = new ServerProperties();
        server.setForwardHeadersStrategy(ServerProperties.ForwardHeadersStrategy.NATIVE);
        assertThatThrownBy(() -> new TrustedProxies(new WebRequestProperties(Duration.ofSeconds(15), List.of(),
                Duration.ofSeconds(10)), server)).hasMessageContaining("gateway.web.trusted-proxies");
        assertThatThrownBy(() -> new TrustedProxies(new WebRequestProperties(Duration.ofSeconds(15),
                List.of("proxy.example"), Duration.ofSeconds(10)), new ServerProperties()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static MockServerHttpRequest.BaseBuilder<?> from(String address) {
        return MockServerHttpRequest.get("http://gateway.example/login")
                .remoteAddress(new InetSocketAddress(address, 40000));
    }
}
