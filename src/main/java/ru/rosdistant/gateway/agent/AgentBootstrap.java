package ru.rosdistant.gateway.agent;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import org.springframework.util.StringUtils;

/**
 * Creates the administrator on the first start, from configuration or the environment. With no password
 * configured a random one is generated and printed once, so no password ever lives in the repository.
 * Under the demo profile it also seeds (or enables again) the demo agents, whose password is public; started without
 * it, it disables
 * the demo agents a data folder still has (until an administrator gives one a password of their own), in one
 * log line naming them.
 */
@Component
class AgentBootstrap {

    private static final Logger log = LoggerFactory.getLogger(AgentBootstrap.class);

    private final AgentDirectory agents;

    private final AgentProperties properties;

    AgentBootstrap(AgentDirectory agents, AgentProperties properties) {
        this.agents = agents;
        this.properties = properties;
    }

    /**
     * A database slow to hand out a connection at start (a loaded machine) is tried again: until the first
     * accounts exist, readiness stays DOWN ({@link FirstAccountsHealthIndicator}). Each step is idempotent.
     */
    @EventListener(ApplicationReadyEvent.class)
    void seed() {
        Mono.defer(() -> createAdminIfMissing()
                        .thenMany(properties.demoAgents().isEmpty() ? disableDemoAgents() : seedDemoAgents())
                        .then())
                .retryWhen(Retry.backoff(20, Duration.ofSeconds(1))
                        .maxBackoff(Duration.ofSeconds(30))
                        .doBeforeRetry(signal -> log.warn("Could not create the first agents yet, trying again: {}",
                                signal.failure().toString())))
                .subscribe(null, error -> log.error("Could not create the first agents", error));
    }

    private Mono<Void> createAdminIfMissing() {
        AgentProperties.Admin admin = properties.admin();
        return agents.anyWithRole(Role.ADMIN)
                .filter(present -> !present)
                .flatMap(missing -> {
                    boolean generated = !StringUtils.hasText(admin.password());
                    String password = generated ? randomPassword() : admin.password();
                    NewAgent agent = new NewAgent(admin.login(), admin.displayName(), password,
                            EnumSet.of(Role.ADMIN, Role.SUPERVISOR), List.of(), 1);
                    return agents.create(agent).doOnNext(created -> announce(created, generated ? password : null));
                })
                .then();
    }

    private Flux<Agent> seedDemoAgents() {
        return Flux.fromIterable(properties.demoAgents())
                .concatMap(demo -> agents.enableDemo(demo.login())
                        .then(agents.byLogin(demo.login()))
                        .switchIfEmpty(agents.createDemo(new NewAgent(demo.login(), demo.displayName(), demo.password(),
                                EnumSet.copyOf(demo.roles()), demo.lines(), demo.maxDialogs())))
                        .onErrorResume(LoginTakenException.class, ex -> Mono.empty()));
    }

    private Flux<Agent> disableDemoAgents() {
        return agents.disableDemoAgents()
                .filter(logins -> !logins.isEmpty())
                .doOnNext(logins -> log.warn("Disabled the demo agents {}: they exist only under the demo profile "
                        + "(their password is public); an administrator may enable one with a password of its own",
                        String.join(", ", logins)))
                .thenMany(Flux.empty());
    }

    private static void announce(Agent admin, String generatedPassword) {
        if (generatedPassword == null) {
            log.info("Created the administrator '{}' with the configured password", admin.login());
            return;
        }
        // Printed once, on the console only, like the first-start password of most servers.
        log.warn("""

                ================================================================
                 Created the administrator '{}' with a generated password:
                     {}
                 It is shown only now. Set GATEWAY_AGENT_ADMIN_PASSWORD to choose one.
                ================================================================""", admin.login(),
                generatedPassword);
    }

    private static String randomPassword() {
        byte[] bytes = new byte[15];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
