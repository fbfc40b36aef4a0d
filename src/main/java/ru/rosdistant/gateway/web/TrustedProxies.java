package ru.rosdistant.gateway.web;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.web.server.autoconfigure.ServerProperties;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.stereotype.Component;
import org.springframework.web.server.adapter.ForwardedHeaderTransformer;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;

/**
 * Forwarded headers ({@code X-Forwarded-For}, {@code -Proto}, {@code -Host}, {@code -Port}, {@code -Prefix},
 * {@code Forwarded}) count only when the connection comes from a proxy listed in {@code gateway.web.trusted-proxies}
 * (addresses or CIDR ranges; none by default). From anyone else they are removed before any code sees them, so a
 * client cannot choose the address its per-client limits are counted by, nor pass for a TLS connection.
 * <p>
 * From a trusted proxy the scheme, host and port are taken as Spring's {@link ForwardedHeaderTransformer} takes them
 * (so the session cookie is {@code Secure} behind a TLS proxy, and the same-origin checks see the public origin), and
 * the client is the right-most address of {@code X-Forwarded-For} that is not itself a trusted proxy: a proxy appends
 * the address it saw, and whatever stands left of that is the client's own text.
 * <p>
 * It runs before the exchange is made (Spring's {@link WebHttpHandlerBuilder} takes the bean of this name), so the
 * session, the security chain, the sockets and every filter see the same request. Reactor Netty's own handling
 * ({@code server.forward-headers-strategy=native}) and Spring's untrusting one ({@code framework}) would trust anyone:
 * the gateway refuses to start with either.
 */
@Component(WebHttpHandlerBuilder.FORWARDED_HEADER_TRANSFORMER_BEAN_NAME)
class TrustedProxies extends ForwardedHeaderTransformer {

    private final List<Range> trusted;

    private final ForwardedHeaderTransformer remover = new ForwardedHeaderTransformer();

    TrustedProxies(WebRequestProperties properties, ServerProperties server) {
        if (server.getForwardHeadersStrategy() != null
                && server.getForwardHeadersStrategy() != ServerProperties.ForwardHeadersStrategy.NONE) {
            throw new IllegalStateException("server.forward-headers-strategy=" + server.getForwardHeadersStrategy()
                    .name().toLowerCase() + " trusts forwarded headers from anyone: remove it and list the reverse "
                    + "proxies in gateway.web.trusted-proxies");
        }
        this.trusted = properties.trustedProxies().stream().map(Range::parse).toList();
        this.remover.setRemoveOnly(true);
    }

    @Override
    public ServerHttpRequest apply(ServerHttpRequest request) {
        if (!hasForwardedHeaders(request)) {
            return request;
        }
        InetSocketAddress peer = request.getRemoteAddress();
        if (peer == null || !trusted(peer.getAddress())) {
            return remover.apply(request);
        }
        InetSocketAddress client = client(request, peer);
        return super.apply(request).mutate().remoteAddress(client).build();
    }

    /** The right-most address of X-Forwarded-For that is not a trusted proxy; the peer when there is none. */
    private InetSocketAddress client(ServerHttpRequest request, InetSocketAddress peer) {
        List<String> hops = new ArrayList<>();
        for (String header : request.getHeaders().getOrEmpty("X-Forwarded-For")) {
            for (String hop : header.split(",")) {
                hops.add(hop);
            }
        }
        InetAddress client = peer.getAddress();
        for (int i = hops.size() - 1; i >= 0 && trusted(client); i--) {
            InetAddress hop = ClientAddress.literal(hops.get(i));
            if (hop == null) {
                // not an address (a name, "unknown", garbage): whoever wrote it is not known, stop at the last hop
                break;
            }
            client = hop;
        }
        return new InetSocketAddress(client, 0);
    }

    private boolean trusted(InetAddress address) {
        if (address == null) {
            return false;
        }
        for (Range range : trusted) {
            if (range.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /** An address or a CIDR range of them ({@code 10.0.0.0/8}, {@code 2001:db8::/32}, {@code 127.0.0.1}). */
    record Range(byte[] network, int bits) {

        static Range parse(String text) {
            int slash = text.indexOf('/');
            InetAddress address = ClientAddress.literal(slash < 0 ? text : text.substring(0, slash));
            if (address == null) {
                throw new IllegalArgumentException("gateway.web.trusted-proxies: '" + text
                        + "' is not an IP address or CIDR range");
            }
            byte[] bytes = address.getAddress();
            int bits = slash < 0 ? bytes.length * 8 : Integer.parseInt(text.substring(slash + 1).strip());
            if (bits < 0 || bits > bytes.length * 8) {
                throw new IllegalArgumentException("gateway.web.trusted-proxies: bad prefix length in '" + text + "'");
            }
            return new Range(bytes, bits);
        }

        boolean contains(InetAddress address) {
            byte[] bytes = address.getAddress();
            if (bytes.length != network.length) {
                return false;
            }
            for (int bit = 0; bit < bits; bit += 8) {
                int mask = bits - bit >= 8 ? 0xff : (0xff << (8 - (bits - bit))) & 0xff;
                if ((bytes[bit / 8] & mask) != (network[bit / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }
    }
}
