package ru.rosdistant.gateway.web;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

import io.netty.util.NetUtil;

import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * The address a per-client limit counts by. It is the request's remote address, which {@link TrustedProxies} has
 * already set to the client's own when the request came through a trusted proxy: every limit (login throttle,
 * offline form, sockets per address) reads it here, so none of them trusts a forwarded header by itself.
 */
public final class ClientAddress {

    private ClientAddress() {
    }

    /** The client's address as text ({@code 203.0.113.7}, {@code 2001:db8::1}), or "unknown". */
    public static String of(ServerHttpRequest request) {
        return of(request.getRemoteAddress());
    }

    public static String of(InetSocketAddress remote) {
        return remote == null || remote.getAddress() == null ? "unknown" : remote.getAddress().getHostAddress();
    }

    /**
     * An IP address written as a literal (IPv4, IPv6, in brackets or not, with a port or not), or null: never a name,
     * so nothing is looked up in DNS (a forwarded header is the client's text, and this runs on an event loop).
     */
    static InetAddress literal(String text) {
        String address = text.strip();
        if (address.startsWith("[")) {
            int end = address.indexOf(']');
            address = end < 0 ? address : address.substring(1, end);
        }
        else if (address.indexOf(':') == address.lastIndexOf(':') && address.indexOf(':') > 0) {
            // IPv4 with a port
            address = address.substring(0, address.indexOf(':'));
        }
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(address);
        if (bytes == null) {
            return null;
        }
        try {
            // an IPv4-mapped IPv6 address comes back as the IPv4 one
            return InetAddress.getByAddress(bytes);
        }
        catch (UnknownHostException ex) {
            return null;
        }
    }
}
