package ru.rosdistant.gateway.system;

import java.time.Duration;

import reactor.core.publisher.Mono;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.r2dbc.core.DatabaseClient;

/**
 * The database's part of readiness ({@code r2dbc} in the readiness group), answered within 3 seconds. Boot's
 * own indicator validates a pooled connection and waits as long as that takes; a database that is down or a
 * connection that does not answer then keeps {@code /actuator/health/readiness} hanging instead of saying
 * DOWN. Replaces Boot's indicator by its bean name.
 */
@Configuration(proxyBeanMethods = false)
class DatabaseHealth {

    private static final Duration LIMIT = Duration.ofSeconds(3);

    @Bean
    ReactiveHealthIndicator r2dbcHealthIndicator(DatabaseClient db) {
        return () -> db.sql("SELECT 1 AS one")
                .map(row -> 1)
                .one()
                .map(one -> Health.up().withDetail("database", "PostgreSQL").build())
                .timeout(LIMIT)
                .onErrorResume(error -> Mono.just(Health.down()
                        .withDetail("error", error.getClass().getSimpleName() + ": " + error.getMessage())
                        .build()));
    }
}
