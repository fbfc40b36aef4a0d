package ru.rosdistant.gateway.web;

import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * What every HTTP request shares.
 *
 * @param requestTimeout how long a request may wait for its answer before it is answered 503
 * ({@link RequestTimeout}); zero or negative: no bound
 * @param trustedProxies the reverse proxies (addresses or CIDR ranges) whose forwarded headers count
 * ({@link TrustedProxies}); none: the connection's own address is the client's
 * @param headerTimeout how long a client may take to send a request's line and headers, from its first byte
 * ({@link HeaderTimeout}); zero or negative: no bound
 */
@ConfigurationProperties("gateway.web")
record WebRequestProperties(@DefaultValue("15s") Duration requestTimeout, @DefaultValue List<String> trustedProxies,
        @DefaultValue("10s") Duration headerTimeout) {
}
