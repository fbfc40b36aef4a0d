package ru.rosdistant.gateway.agent;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * The agent's account as it is now, for the check every request of a logged-in session makes: one query per login
 * at most every {@link #FRESH} on each node (a change made on this node is seen at once, one made on another within
 * that), so checking costs a request next to nothing. Empty for an agent who is gone or disabled.
 */
@Component
public class CurrentAccounts {

    /** how long an account read stays good for the requests of its sessions */
    static final Duration FRESH = Duration.ofSeconds(1);

    /** logins come from stored sessions only (agents who logged in), so this is never reached but by a bug */
    private static final int MAX_HELD = 100_000;

    private final AgentDirectory agents;

    private final Map<String, Mono<AgentAccount>> held = new ConcurrentHashMap<>();

    CurrentAccounts(AgentDirectory agents) {
        this.agents = agents;
    }

    public Mono<AgentAccount> current(String login) {
        if (held.size() > MAX_HELD) {
            held.clear();
        }
        return held.computeIfAbsent(login, this::lookUp);
    }

    private Mono<AgentAccount> lookUp(String login) {
        return agents.account(login)
                .filter(account -> account.agent().enabled())
                // an error is not kept: the next request asks again
                .cache(account -> FRESH, error -> Duration.ZERO, () -> FRESH);
    }

    /** The accounts of these logins as they are in PostgreSQL this moment (not cached), disabled ones included. */
    public Flux<AgentAccount> read(Collection<String> logins) {
        return agents.accounts(logins);
    }

    @EventListener
    void on(AgentAccessChanged changed) {
        held.remove(changed.login());
    }
}
