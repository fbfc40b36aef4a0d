package ru.rosdistant.gateway.agent;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.stereotype.Component;

/**
 * The first-start accounts' part of readiness ({@code firstAccounts} in the readiness group): DOWN until the
 * administrator and the configured demo agents exist, so that a login right after the gateway says it is ready
 * is not refused while {@link AgentBootstrap} is still creating them. Once UP it stays UP without asking again.
 */
@Component
class FirstAccountsHealthIndicator implements ReactiveHealthIndicator {

    private static final Duration LIMIT = Duration.ofSeconds(3);

    private final AgentDirectory agents;

    private final List<String> demoLogins;

    private final AtomicBoolean present = new AtomicBoolean();

    FirstAccountsHealthIndicator(AgentDirectory agents, AgentProperties properties) {
        this.agents = agents;
        this.demoLogins = properties.demoAgents().stream().map(AgentProperties.DemoAgent::login).toList();
    }

    @Override
    public Mono<Health> health() {
        if (present.get()) {
            return Mono.just(Health.up().build());
        }
        return allPresent().map(all -> {
                    if (!all) {
                        return Health.down().withDetail("waiting", "the first-start accounts are being created").build();
                    }
                    present.set(true);
                    return Health.up().build();
                })
                // as the database's own part of readiness: a database that does not answer makes it DOWN, not hang
                .timeout(LIMIT)
                .onErrorResume(error -> Mono.just(Health.down()
                        .withDetail("error", error.getClass().getSimpleName() + ": " + error.getMessage())
                        .build()));
    }

    private Mono<Boolean> allPresent() {
        return agents.anyWithRole(Role.ADMIN)
                .flatMap(admin -> admin ? demoAgentsPresent() : Mono.just(false));
    }

    private Mono<Boolean> demoAgentsPresent() {
        return Flux.fromIterable(demoLogins)
                .concatMap(login -> agents.byLogin(login).hasElement())
                .all(Boolean::booleanValue);
    }
}
