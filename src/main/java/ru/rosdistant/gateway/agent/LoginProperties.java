package ru.rosdistant.gateway.agent;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How many failed logins (form or HTTP Basic) lock a login or a client address, and for how long; how often a
 * console session's last use is written to PostgreSQL (its idle timeout is hours, see {@link PersistentWebSessions});
 * how many console sessions one login may hold (a log-in past that ends their oldest).
 */
@ConfigurationProperties("gateway.login")
record LoginProperties(@DefaultValue("5") int failuresPerLogin, @DefaultValue("20") int failuresPerClient,
        @DefaultValue("5m") Duration lock, @DefaultValue("5m") Duration sessionTouch,
        @DefaultValue("10") int sessionsPerLogin) {
}
